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

// uploadCacheTTL is how long the upload service found on a host (or its
// absence) is remembered.
const uploadCacheTTL = 10 * time.Minute

// uploadServices remembers each host's XEP-0363 service.
type uploadServices struct {
	mu    sync.Mutex
	found map[string]uploadEntry
}

type uploadEntry struct {
	svc   usersession.UploadService
	ok    bool
	until time.Time
}

func (u *uploadServices) lookup(ctx context.Context, sess *usersession.Session) (usersession.UploadService, bool, error) {
	host := sess.User().Domainpart()
	u.mu.Lock()
	e, hit := u.found[host]
	u.mu.Unlock()
	if hit && timeNow().Before(e.until) {
		return e.svc, e.ok, nil
	}
	svc, ok, err := sess.FindUploadService(ctx)
	if err != nil {
		return svc, false, err
	}
	u.mu.Lock()
	if u.found == nil {
		u.found = map[string]uploadEntry{}
	}
	u.found[host] = uploadEntry{svc: svc, ok: ok, until: timeNow().Add(uploadCacheTTL)}
	u.mu.Unlock()
	return svc, ok, nil
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
	svc, ok, err := s.uploads.lookup(ctx, sess)
	if err != nil {
		return usersession.UploadSlot{}, err
	}
	if !ok {
		return usersession.UploadSlot{}, fault.New(fault.NotSupported, "the XMPP server of %s offers no file upload service (XEP-0363): enable one, e.g. Prosody's http_file_share or ejabberd's mod_http_upload", sess.User().Domainpart())
	}
	if svc.MaxSize > 0 && n > svc.MaxSize {
		return usersession.UploadSlot{}, fault.New(fault.TooLarge, "the file has %d bytes; the upload service accepts at most %d", n, svc.MaxSize)
	}
	return sess.RequestUploadSlot(ctx, svc.JID, name, n, mime.TypeByExtension(path.Ext(name)))
}
