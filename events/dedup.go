package events

import (
	"crypto/sha256"
	"encoding/hex"
)

// DedupKey identifies one event for JetStream's duplicate window and for
// the workers' idempotency markers. Webex has no delivery id, so the key is
// built from the payload: resource, event and data.id. A created or deleted
// event happens once per id; for any other event (updated, started, ...) the
// same id can legitimately recur, so a hash of the body is added and only a
// byte-identical redelivery counts as a duplicate.
//
// The key never contains the webhook id: two webhooks delivering the same
// event (a specific one and a firehose) store it once.
func DedupKey(env *Envelope, body []byte) string {
	if env.Event == "created" || env.Event == "deleted" {
		return env.Resource + ":" + env.Event + ":" + env.Data.ID
	}
	sum := sha256.Sum256(body)
	var h [24]byte
	hex.Encode(h[:], sum[:12])
	return env.Resource + ":" + env.Event + ":" + env.Data.ID + ":" + string(h[:])
}
