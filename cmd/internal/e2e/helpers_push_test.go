package e2e

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// pushService is a Web Push service for tests: it checks each push's
// VAPID JWT (RFC 8292) against the key it expects and decrypts its
// payload (RFC 8291, aes128gcm) with the subscription's keys, which it
// makes. Endpoints: /push/<name>; "gone" answers 410, "flaky" fails
// twice with 500 before accepting.
type pushService struct {
	t     *testing.T
	srv   *httptest.Server
	priv  *ecdh.PrivateKey
	auth  []byte
	vapid string // the VAPID public key expected (base64url)

	mu       sync.Mutex
	hits     map[string]int
	received map[string][]string // decrypted payloads by endpoint name
	errs     []error
	changed  chan struct{}
}

func newPushService(t *testing.T) *pushService {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p := &pushService{t: t, priv: priv, auth: make([]byte, 16), hits: map[string]int{}, received: map[string][]string{}, changed: make(chan struct{})}
	rand.Read(p.auth)
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

// subscription is the PushSubscription JSON a browser would send for
// endpoint name.
func (p *pushService) subscription(name string) string {
	b, _ := json.Marshal(map[string]any{
		"endpoint": p.srv.URL + "/push/" + name,
		"keys": map[string]string{
			"p256dh": base64.RawURLEncoding.EncodeToString(p.priv.PublicKey().Bytes()),
			"auth":   base64.RawURLEncoding.EncodeToString(p.auth),
		},
	})
	return string(b)
}

func (p *pushService) serve(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/push/")
	body, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	p.hits[name]++
	hits := p.hits[name]
	p.mu.Unlock()
	defer p.notify()
	switch {
	case name == "gone":
		w.WriteHeader(http.StatusGone)
		return
	case name == "flaky" && hits <= 2:
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	if err := p.checkVAPID(r.Header.Get("Authorization")); err != nil {
		p.fail(fmt.Errorf("%s: VAPID: %w", name, err))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "aes128gcm" {
		p.fail(fmt.Errorf("%s: Content-Encoding %q", name, ce))
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	plain, err := p.decrypt(body)
	if err != nil {
		p.fail(fmt.Errorf("%s: decrypt: %w", name, err))
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	p.received[name] = append(p.received[name], string(plain))
	p.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
}

func (p *pushService) fail(err error) {
	p.mu.Lock()
	p.errs = append(p.errs, err)
	p.mu.Unlock()
}

func (p *pushService) notify() {
	p.mu.Lock()
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
}

// checkVAPID verifies "vapid t=<JWT>, k=<key>": the key is the service's,
// the JWT is signed with it (ES256) for this push service's origin and
// not expired.
func (p *pushService) checkVAPID(h string) error {
	rest, ok := strings.CutPrefix(h, "vapid ")
	if !ok {
		return fmt.Errorf("authorization %q is not vapid", h)
	}
	params := map[string]string{}
	for _, kv := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		params[k] = v
	}
	if params["k"] != p.vapid {
		return fmt.Errorf("k=%q, want the service's key %q", params["k"], p.vapid)
	}
	keyBytes, err := base64.RawURLEncoding.DecodeString(params["k"])
	if err != nil {
		return err
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), keyBytes)
	if err != nil {
		return err
	}
	parts := strings.Split(params["t"], ".")
	if len(parts) != 3 {
		return errors.New("t is not a JWT")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return errors.New("bad JWT signature encoding")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return errors.New("the JWT's signature does not verify")
	}
	var head struct{ Alg string }
	var claims struct {
		Aud string
		Exp int64
		Sub string
	}
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if json.Unmarshal(hb, &head) != nil || json.Unmarshal(cb, &claims) != nil {
		return errors.New("undecodable JWT")
	}
	if head.Alg != "ES256" || claims.Aud != p.srv.URL || claims.Exp < time.Now().Unix() || claims.Exp > time.Now().Add(24*time.Hour).Unix() ||
		!(strings.HasPrefix(claims.Sub, "mailto:") || strings.HasPrefix(claims.Sub, "https:")) {
		return fmt.Errorf("JWT alg %s, claims %+v", head.Alg, claims)
	}
	return nil
}

// decrypt opens an aes128gcm body (RFC 8188) encrypted for the
// subscription (RFC 8291).
func (p *pushService) decrypt(body []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("short body")
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if len(body) < 21+idlen || idlen != 65 {
		return nil, errors.New("bad header")
	}
	asPubBytes, ciphertext := body[21:21+idlen], body[21+idlen:]
	if uint32(len(ciphertext)) > rs {
		return nil, errors.New("more than one record")
	}
	asPub, err := ecdh.P256().NewPublicKey(asPubBytes)
	if err != nil {
		return nil, err
	}
	shared, err := p.priv.ECDH(asPub)
	if err != nil {
		return nil, err
	}
	prkKey, _ := hkdf.Extract(sha256.New, shared, p.auth)
	info := "WebPush: info\x00" + string(p.priv.PublicKey().Bytes()) + string(asPubBytes)
	ikm, _ := hkdf.Expand(sha256.New, prkKey, info, 32)
	prk, _ := hkdf.Extract(sha256.New, ikm, salt)
	cek, _ := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, nonce, ciphertext, nil)
	if err != nil {
		return nil, err
	}
	plain = []byte(strings.TrimRight(string(plain), "\x00"))
	if len(plain) == 0 || plain[len(plain)-1] != 2 {
		return nil, errors.New("no last-record delimiter")
	}
	return plain[:len(plain)-1], nil
}

// wait returns the first payload pushed to endpoint name that contains
// want.
func (p *pushService) wait(name, want string) string {
	p.t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		p.mu.Lock()
		for _, m := range p.received[name] {
			if strings.Contains(m, want) {
				p.mu.Unlock()
				return m
			}
		}
		errs, changed := p.errs, p.changed
		p.mu.Unlock()
		if len(errs) > 0 {
			p.t.Fatalf("push service: %v", errs)
		}
		select {
		case <-changed:
		case <-deadline:
			p.t.Fatalf("no push to %s containing %q", name, want)
		}
	}
}

// hitCount is how many pushes endpoint name got.
func (p *pushService) hitCount(name string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hits[name]
}
