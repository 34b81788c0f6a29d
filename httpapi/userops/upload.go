package userops

import (
	"context"
	"mime"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"xmpprest/component/fault"
	"xmpprest/component/usersession"
)

// serviceCacheTTL is how long a service found on a host (or its absence)
// is remembered.
const serviceCacheTTL = 10 * time.Minute

// serviceCache remembers the services (upload, pubsub) of each host.
type serviceCache struct {
	mu    sync.Mutex
	found map[string]cachedService
}

type cachedService struct {
	value any
	ok    bool
	until time.Time
}

// lookup returns the cached service of key, or finds it.
func (c *serviceCache) lookup(key string, find func() (any, bool, error)) (any, bool, error) {
	c.mu.Lock()
	e, hit := c.found[key]
	c.mu.Unlock()
	if hit && time.Now().Before(e.until) {
		return e.value, e.ok, nil
	}
	v, ok, err := find()
	if err != nil {
		return nil, false, err
	}
	c.mu.Lock()
	if c.found == nil {
		c.found = map[string]cachedService{}
	}
	c.found[key] = cachedService{value: v, ok: ok, until: time.Now().Add(serviceCacheTTL)}
	c.mu.Unlock()
	return v, ok, nil
}

// RequestUpload asks the user's server for an upload slot (XEP-0363) for a
// file of size bytes. A server without an upload service is
// fault.NotSupported.
func (s *Service) RequestUpload(ctx context.Context, c Caller, fileName, size string) (usersession.UploadSlot, error) {
	sess, err := c.self()
	if err != nil {
		return usersession.UploadSlot{}, err
	}
	name := strings.TrimSpace(fileName)
	if name == "" || len(name) > 255 || strings.ContainsAny(name, "/\\\x00") || name == "." || name == ".." {
		return usersession.UploadSlot{}, fault.New(fault.BadRequest, "%q is not a file name (at most 255 bytes, no slashes)", fileName)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(size), 10, 64)
	if err != nil || n < 1 {
		return usersession.UploadSlot{}, fault.New(fault.BadRequest, "%q is not a file size (a positive number of bytes)", size)
	}
	v, ok, err := s.services.lookup("upload "+sess.User().Domainpart(), func() (any, bool, error) {
		return sess.FindUploadService(ctx)
	})
	if err != nil {
		return usersession.UploadSlot{}, err
	}
	svc, _ := v.(usersession.UploadService)
	if !ok {
		return usersession.UploadSlot{}, fault.New(fault.NotSupported, "the XMPP server of %s offers no file upload service (XEP-0363): enable one, e.g. Prosody's http_file_share or ejabberd's mod_http_upload", sess.User().Domainpart())
	}
	if svc.MaxSize > 0 && n > svc.MaxSize {
		return usersession.UploadSlot{}, fault.New(fault.TooLarge, "the file has %d bytes; the upload service accepts at most %d", n, svc.MaxSize)
	}
	return sess.RequestUploadSlot(ctx, svc.JID, name, n, mime.TypeByExtension(path.Ext(name)))
}
