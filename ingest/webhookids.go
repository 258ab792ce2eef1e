package ingest

import (
	"encoding/json"
	"sync"
)

// MaxKnownWebhooks bounds WebhookIDs: a bot has a handful of webhooks, and
// each known id is a series of webexpipe_ingest_signature_failures_total.
const MaxKnownWebhooks = 64

// UnknownWebhook is the webhook label of a signature failure whose body
// names no known webhook: anyone can POST anything, and what they send
// must not create series.
const UnknownWebhook = "unknown"

// WebhookIDs are the Webex webhook ids a deployment knows to be its own:
// those of deliveries whose signature was valid, and those its binary
// adds (ingest's start-up check lists the bot's webhooks on Webex). A
// refused signature is counted under its webhook id only when the id is
// known here, so an alert can tell Webex's own deliveries failing (a
// secret out of step, which gets the webhook disabled) from noise. At most
// MaxKnownWebhooks are kept. Safe for concurrent use.
type WebhookIDs struct {
	mu    sync.RWMutex        // guards the fields below
	ids   map[string]struct{} // at most MaxKnownWebhooks
	onAdd func(id string)     // called for each new id, under mu
}

// NewWebhookIDs returns an empty set.
func NewWebhookIDs() *WebhookIDs { return &WebhookIDs{ids: map[string]struct{}{}} }

// Add records id as one of the deployment's webhooks; empty ids and ids
// beyond MaxKnownWebhooks are ignored.
func (k *WebhookIDs) Add(id string) {
	if id == "" || id == UnknownWebhook {
		return
	}
	k.mu.RLock()
	_, ok := k.ids[id]
	k.mu.RUnlock()
	if ok { // every signed delivery comes here: mostly a read
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.ids[id]; ok || len(k.ids) >= MaxKnownWebhooks {
		return
	}
	k.ids[id] = struct{}{}
	if k.onAdd != nil {
		k.onAdd(id)
	}
}

// label is id when it is known, else UnknownWebhook.
func (k *WebhookIDs) label(id string) string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if _, ok := k.ids[id]; ok {
		return id
	}
	return UnknownWebhook
}

// empty reports whether no id is known yet.
func (k *WebhookIDs) empty() bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return len(k.ids) == 0
}

// watch calls onAdd for every id known now and every id added later.
func (k *WebhookIDs) watch(onAdd func(id string)) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.onAdd = onAdd
	for id := range k.ids {
		onAdd(id)
	}
}

// claimedWebhook is the webhook id a refused body claims, read only to be
// looked up among the known ids: nothing else of an unverified body is
// used. Not JSON, or no string id: "".
func claimedWebhook(body []byte) string {
	var v struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	return v.ID
}
