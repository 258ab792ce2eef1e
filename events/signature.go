package events

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
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
// lowercase, as Webex sends it, and of the right length.
func VerifySignature(body []byte, sig string, secrets [][]byte) bool {
	if len(sig) != sha1.Size*2 {
		return false
	}
	got := make([]byte, sha1.Size)
	for i := 0; i < sha1.Size; i++ {
		hi, ok1 := lowerHex(sig[2*i])
		lo, ok2 := lowerHex(sig[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		got[i] = hi<<4 | lo
	}
	valid := 0
	for _, s := range secrets {
		if len(s) == 0 {
			continue
		}
		m := hmac.New(sha1.New, s)
		m.Write(body)
		// Check every secret even after a match so timing does not tell
		// which one matched.
		if hmac.Equal(got, m.Sum(nil)) {
			valid = 1
		}
	}
	return valid == 1
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
