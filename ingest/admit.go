package ingest

import (
	"net/http"

	"github.com/webexpipe/webexpipe/events"
)

// admit is the trust boundary: it checks the signature over the raw bytes,
// and only then parses them. With insecure set the signature is not
// checked. A refusal carries a reason that is safe to send back and log:
// events.Decode quotes untrusted text only truncated.
func admit(body []byte, signature string, v *events.Verifier, insecure bool) (*events.Envelope, *rejection) {
	if !insecure {
		if signature == "" {
			return nil, &rejection{http.StatusUnauthorized, outcomeUnauthorized, "missing " + events.SignatureHeader}
		}
		if !v.Verify(body, signature) {
			return nil, &rejection{http.StatusUnauthorized, outcomeUnauthorized, "invalid signature"}
		}
	}
	env, err := events.Decode(body)
	if err != nil {
		return nil, &rejection{http.StatusBadRequest, outcomeBadRequest, err.Error()}
	}
	return env, nil
}
