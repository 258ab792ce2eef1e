package events

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestVerifySignature(t *testing.T) {
	body := []byte(`{"resource":"messages","event":"created","data":{"id":"1"}}`)
	current, previous := []byte("current-secret"), []byte("previous-secret")
	secrets := [][]byte{current, previous}
	changed := append([]byte{}, body...)
	changed[len(changed)-3] = '2'
	tests := []struct {
		name string
		body []byte
		sig  string
		want bool
	}{
		{"right", body, Sign(current, body), true},
		{"other secret of the rotation set", body, Sign(previous, body), true},
		{"wrong secret", body, Sign([]byte("nope"), body), false},
		{"missing", body, "", false},
		{"body changed by one byte", changed, Sign(current, body), false},
		{"uppercase hex", body, strings.ToUpper(Sign(current, body)), false},
		{"short", body, Sign(current, body)[:39], false},
		{"non-hex", body, "zz" + Sign(current, body)[2:], false},
		{"sha256 length", body, Sign(current, body) + strings.Repeat("0", 24), false},
	}
	// One Verifier serves every case, twice over, so that state left in
	// its pooled HMACs by one check (a refusal included) would show in the
	// next.
	shared := NewVerifier(secrets)
	for range 2 {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := VerifySignature(tt.body, tt.sig, secrets); got != tt.want {
					t.Errorf("VerifySignature = %v, want %v", got, tt.want)
				}
				if got := shared.Verify(tt.body, tt.sig); got != tt.want {
					t.Errorf("Verifier.Verify = %v, want %v", got, tt.want)
				}
			})
		}
	}
	t.Run("concurrent use", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				for j := range 200 {
					b := fmt.Appendf(nil, `{"n":%d,"m":%d}`, i, j)
					if !shared.Verify(b, Sign(previous, b)) || shared.Verify(b, Sign([]byte("nope"), b)) {
						t.Errorf("wrong answer for body %s", b)
						return
					}
				}
			})
		}
		wg.Wait()
	})
	t.Run("no secrets", func(t *testing.T) {
		if VerifySignature(body, Sign(nil, body), nil) || VerifySignature(body, Sign(nil, body), [][]byte{{}}) {
			t.Error("an empty secret set must verify nothing")
		}
	})
}
