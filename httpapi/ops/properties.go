package ops

import (
	"context"
	"errors"
	"strings"

	"xmpprest/component/fault"
	"xmpprest/store"
)

// System properties are the component's own settings, kept in the store
// per host (each host's administrators have their own) and changed through
// the Openfire API's /system/properties. A host "" means the default host. No key changes
// the component's behaviour yet (its configuration file does that); every
// key is stored and returned as it is, for tools that keep their own
// settings there, and each change is audited.

// SystemProperties lists every system property of host, sorted by key.
func (s *Service) SystemProperties(ctx context.Context, a Actor, host string) ([]Property, error) {
	host, err := s.administeredHost(a, host)
	if err != nil {
		return nil, err
	}
	kvs, err := s.Store.SystemProperties(ctx, host)
	if err != nil {
		return nil, fault.Wrap(fault.Unavailable, err, "read system properties")
	}
	out := make([]Property, 0, len(kvs))
	for _, kv := range kvs {
		out = append(out, Property{Key: kv.Key, Value: kv.Value})
	}
	return out, nil
}

// ErrPropertyNotFound is the cause of the fault.NotFound of a missing
// system property (match it with errors.Is).
var ErrPropertyNotFound = errors.New("no such property")

func errPropertyNotFound(key string) error {
	return fault.Wrap(fault.NotFound, ErrPropertyNotFound, "there is no system property %q", key).About(key)
}

func checkPropertyKey(key string) error {
	if strings.TrimSpace(key) == "" {
		return fault.New(fault.BadRequest, "a property needs a non-empty key")
	}
	if len(key) > 1024 {
		return fault.New(fault.BadRequest, "a property key is at most 1024 bytes long")
	}
	if err := checkKey("property key", key, maxKeyLength); err != nil {
		return err
	}
	return nil
}

// SystemProperty returns one property's value; a missing one is
// fault.NotFound.
func (s *Service) SystemProperty(ctx context.Context, a Actor, host, key string) (string, error) {
	host, err := s.administeredHost(a, host)
	if err != nil {
		return "", err
	}
	v, err := s.Store.SystemProperty(ctx, host, key)
	if errors.Is(err, store.ErrNotFound) {
		return "", errPropertyNotFound(key)
	}
	if err != nil {
		return "", fault.Wrap(fault.Unavailable, err, "read system property")
	}
	return v, nil
}

// SetSystemProperty creates or overwrites a property. With mustExist, a
// missing property is fault.NotFound and nothing is written.
func (s *Service) SetSystemProperty(ctx context.Context, a Actor, host, key, value string, mustExist bool) error {
	host, err := s.administeredHost(a, host)
	if err != nil {
		return err
	}
	if err := checkPropertyKey(key); err != nil {
		return err
	}
	if err := checkFreeText("property value", value, maxFreeTextLength); err != nil {
		return err
	}
	return s.Store.Update(ctx, func(tx *store.Tx) error {
		exists, err := tx.SystemPropertyExists(ctx, host, key)
		if err != nil {
			return err
		}
		if mustExist && !exists {
			return errPropertyNotFound(key)
		}
		if err := tx.PutSystemProperty(ctx, host, key, value); err != nil {
			return err
		}
		verb := "created"
		if exists {
			verb = "updated"
		}
		return s.auditOn(ctx, tx, a, host, "", verb+" system property "+key, key+" = "+value)
	})
}

// DeleteSystemProperty removes a property; a missing one is
// fault.NotFound.
func (s *Service) DeleteSystemProperty(ctx context.Context, a Actor, host, key string) error {
	host, err := s.administeredHost(a, host)
	if err != nil {
		return err
	}
	return s.Store.Update(ctx, func(tx *store.Tx) error {
		found, err := tx.DeleteSystemProperty(ctx, host, key)
		if err != nil {
			return err
		}
		if !found {
			return errPropertyNotFound(key)
		}
		return s.auditOn(ctx, tx, a, host, "", "deleted system property "+key, "")
	})
}
