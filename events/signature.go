package events

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"hash"
	"sync"
)

// Sign returns the value Webex puts in X-Spark-Signature for body: the
// lowercase hex HMAC-SHA1 of the raw bytes keyed with secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha1.New, secret)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// VerifySignature reports whether sig is a valid X-Spark-Signature of body
// under any of secrets (several are valid while a secret is rotated). The
// comparison is constant-time in the signature's content; the hex must be
// lowercase, as Webex sends it, and of the right length. A service that
// checks many deliveries with the same secrets should use a Verifier.
func VerifySignature(body []byte, sig string, secrets [][]byte) bool {
	return NewVerifier(secrets).Verify(body, sig)
}

// Verifier checks X-Spark-Signature against a fixed set of secrets. It
// keys each secret's HMAC once and reuses the keyed state, which saves
// deriving the keys and a dozen allocations per delivery. It is safe for
// concurrent use.
type Verifier struct {
	macs []*sync.Pool // one per non-empty secret, of keyed HMAC-SHA1s
}

// NewVerifier prepares the secrets; empty ones are ignored, and with none
// left every signature is refused.
func NewVerifier(secrets [][]byte) *Verifier {
	v := &Verifier{}
	for _, s := range secrets {
		if len(s) == 0 {
			continue
		}
		key := append([]byte(nil), s...)
		v.macs = append(v.macs, &sync.Pool{New: func() any { return hmac.New(sha1.New, key) }})
	}
	return v
}

// Verify reports whether sig is a valid X-Spark-Signature of body under
// any of the secrets; see VerifySignature.
func (v *Verifier) Verify(body []byte, sig string) bool {
	var got [sha1.Size]byte
	if !decodeLowerHex(got[:], sig) {
		return false
	}
	var sum [sha1.Size]byte
	valid := 0
	for _, pool := range v.macs {
		m := pool.Get().(hash.Hash)
		m.Reset()
		m.Write(body)
		// Check every secret even after a match so timing does not tell
		// which one matched.
		if hmac.Equal(got[:], m.Sum(sum[:0])) {
			valid = 1
		}
		pool.Put(m)
	}
	return valid == 1
}

// decodeLowerHex fills dst from the lowercase hex sig, which must be
// exactly twice as long; it reports whether sig was such hex.
func decodeLowerHex(dst []byte, sig string) bool {
	if len(sig) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, ok1 := lowerHex(sig[2*i])
		lo, ok2 := lowerHex(sig[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func lowerHex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}
