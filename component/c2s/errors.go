package c2s

import (
	"context"
	"errors"
	"fmt"
	"reflect"
)

// stepError says which step of a login failed.
type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string { return "c2s: " + e.step + ": " + e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// authError turns a SASL failure into ErrNotAuthorized when the condition is
// not-authorized.
func authError(err error) error {
	cond, ok := saslCondition(err)
	switch {
	case ok && cond == "not-authorized":
		if text := err.Error(); text != cond {
			return fmt.Errorf("%w: %s", ErrNotAuthorized, text)
		}
		return ErrNotAuthorized
	case ok:
		return &stepError{step: "authentication failed (" + cond + ")", err: err}
	}
	return &stepError{step: "authentication", err: err}
}

// saslCondition extracts the condition of a SASL <failure/> from mellium's
// error. mellium returns it as a mellium.im/xmpp/internal/saslerr.Error,
// which cannot be named here; its Error method returns the server's <text/>
// when there is one (ejabberd: "Invalid username or password") rather than
// the condition, so the condition is read by reflection from its exported
// Condition field (a fmt.Stringer). The tests against both servers cover
// this: if a mellium upgrade breaks it, they fail.
func saslCondition(err error) (string, bool) {
	for ; err != nil; err = errors.Unwrap(err) {
		v := reflect.ValueOf(err)
		if v.Kind() != reflect.Struct || v.Type().PkgPath() != "mellium.im/xmpp/internal/saslerr" {
			continue
		}
		f := v.FieldByName("Condition")
		if !f.IsValid() || !f.CanInterface() {
			continue
		}
		if s, ok := f.Interface().(fmt.Stringer); ok {
			return s.String(), true
		}
	}
	return "", false
}

// negotiationError wraps an error of xmpp.NewSession, unless a feature
// already classified it.
func negotiationError(ctx context.Context, err error) error {
	var se *stepError
	if errors.As(err, &se) || errors.Is(err, ErrNotAuthorized) {
		return err
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return &stepError{step: "stream negotiation", err: err}
}
