package userops

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Sealer encrypts secrets kept at rest (users' XMPP passwords for TOTP and
// WebAuthn sign-in, TOTP secrets) with AES-256-GCM under a key held in a
// file the operator controls. A sealed value is bound to the account it
// belongs to: it cannot be moved to another row.
type Sealer struct {
	aead cipher.AEAD
}

// keyLen is the AES-256 key length.
const keyLen = 32

// OpenKeyFile loads the key in path, creating the file (mode 0600, a new
// random key, base64) when it does not exist. A key file readable by group
// or others is refused.
func OpenKeyFile(path string) (*Sealer, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key := make([]byte, keyLen)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("create key file %s: %w", path, err)
		}
		_, werr := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			os.Remove(path)
			return nil, fmt.Errorf("write key file %s: %w", path, werr)
		}
		return NewSealer(key)
	}
	if err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("key file %s is readable by others (mode %v): chmod 600 it", path, fi.Mode().Perm())
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != keyLen {
		return nil, fmt.Errorf("key file %s does not hold a base64 256-bit key", path)
	}
	return NewSealer(key)
}

// NewSealer returns a sealer with a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != keyLen {
		return nil, fmt.Errorf("sealing key: want %d bytes, got %d", keyLen, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts secret for the account owner (used as associated data).
func (s *Sealer) Seal(owner string, secret []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, secret, []byte(owner))
}

// Open decrypts a value sealed for owner.
func (s *Sealer) Open(owner string, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("sealed value too short")
	}
	out, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(owner))
	if err != nil {
		return nil, errors.New("sealed value does not open with this key (was the key file replaced?)")
	}
	return out, nil
}
