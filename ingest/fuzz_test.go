package ingest

import (
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/webexpipe/webexpipe/events"
)

// FuzzWebhook drives the trust boundary, signature check then envelope
// decoding, with arbitrary bodies and signatures. When sign is set the
// signature is computed over the body, so decoding is reached. Seeds live in
// testdata/fuzz/FuzzWebhook; `go test` runs them as a normal test.
//
// Invariants: no panic; a refusal is a 400 or 401 with a short, printable
// reason; anything accepted had a valid signature and yields subject tokens
// that cannot address any other subject.
func FuzzWebhook(f *testing.F) {
	secrets := [][]byte{[]byte("fuzz-secret"), []byte("fuzz-secret-next")}
	v := events.NewVerifier(secrets) // shared, as in the service
	f.Fuzz(func(t *testing.T, body []byte, sig string, sign bool) {
		if sign {
			sig = events.Sign(secrets[0], body)
		}
		env, rej := admit(body, sig, v, false)
		if rej != nil {
			checkRejection(t, rej)
			if sign && rej.status == http.StatusUnauthorized {
				t.Fatalf("correctly signed body refused as %q", rej.reason)
			}
			return
		}
		if !events.VerifySignature(body, sig, secrets) {
			t.Fatal("accepted a body whose signature does not verify")
		}
		checkAccepted(t, env, body)

		// Insecure mode must decide exactly as Decode does.
		insecureEnv, insecureRej := admit(body, "", nil, true)
		if insecureRej != nil || insecureEnv.Resource != env.Resource || insecureEnv.Data.ID != env.Data.ID {
			t.Fatalf("insecure admit differs: %v", insecureRej)
		}
	})
}

func checkRejection(t *testing.T, rej *rejection) {
	t.Helper()
	switch {
	case rej.status == http.StatusUnauthorized && rej.outcome == outcomeUnauthorized:
	case rej.status == http.StatusBadRequest && rej.outcome == outcomeBadRequest:
	default:
		t.Fatalf("refusal %d/%s: want 401 unauthorized or 400 bad_request", rej.status, rej.outcome)
	}
	if rej.reason == "" || len(rej.reason) > 160 || !utf8.ValidString(rej.reason) || strings.ContainsAny(rej.reason, "\r\n") {
		t.Fatalf("reason %q: want short, one line, valid UTF-8", rej.reason)
	}
}

func checkAccepted(t *testing.T, env *events.Envelope, body []byte) {
	t.Helper()
	if !events.ValidToken(env.Resource) || !events.ValidToken(env.Event) || env.Data.ID == "" {
		t.Fatalf("accepted resource %q event %q data.id %q", env.Resource, env.Event, env.Data.ID)
	}
	const partitions = 16
	subj := env.Subject(partitions)
	res, ev, p, ok := events.SubjectTokens(subj)
	if !ok || res != env.Resource || ev != env.Event || p < 0 || p >= partitions {
		t.Fatalf("subject %q does not split back into its tokens", subj)
	}
	if strings.ContainsAny(subj, "*> \t\r\n") || strings.Count(subj, ".") != 4 {
		t.Fatalf("subject %q could address other subjects", subj)
	}
	h := eventHeaders(delivery{env: env, body: body, signature: "sig", dedupKey: events.DedupKey(env, body), receivedAt: time.Unix(0, 0)})
	if h.Get(events.HeaderMsgID) == "" || h.Get(events.HeaderResource) != env.Resource {
		t.Fatalf("headers %v lack the dedup key or resource", h)
	}
}
