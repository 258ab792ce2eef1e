package events

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/nats-io/nats.go"
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
//
// DedupKey is the key of an event of the default bot; BotDedupKey that of
// any bot.
func DedupKey(env *Envelope, body []byte) string {
	if env.Event == "created" || env.Event == "deleted" {
		return env.Resource + ":" + env.Event + ":" + env.Data.ID
	}
	sum := sha256.Sum256(body)
	var h [24]byte
	hex.Encode(h[:], sum[:12])
	return env.Resource + ":" + env.Event + ":" + env.Data.ID + ":" + string(h[:])
}

// BotDedupKey is the dedup key of bot's event: DedupKey for the default
// bot, and the bot's id and '/' before it for any other. Two bots in one
// room are each told of the same message, and each copy is an event of
// its own: without the bot in the key, the second would be dropped as a
// duplicate of the first, and its markers taken for the first's.
func BotDedupKey(bot string, env *Envelope, body []byte) string {
	if isDefaultBot(bot) {
		return DedupKey(env, body)
	}
	return bot + "/" + DedupKey(env, body)
}

// MsgID is the Nats-Msg-Id an event with dedupKey is stored with: 22
// characters, the URL-safe base64 of the first 128 bits of the key's
// SHA-256. The server keeps every id of the duplicate window in memory on
// each replica, and a dedup key runs to a hundred characters or more, so
// the hash about halves what the window costs. 128 bits make a collision,
// which would drop an event as a duplicate, negligible.
func MsgID(dedupKey string) string {
	sum := sha256.Sum256([]byte(dedupKey))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// StoredMsgID is the id, as MsgID gives it, under which a stored message
// counts as its event, read from its headers alone: the hash of
// HeaderDedupKey when the message is a copy, else its Nats-Msg-Id. An id
// stored before ids were hashed (the dedup key itself, which holds a ':')
// is hashed here, so old and new messages of one event compare equal.
func StoredMsgID(h nats.Header) string {
	if k := h.Get(HeaderDedupKey); k != "" {
		return MsgID(k)
	}
	id := h.Get(HeaderMsgID)
	if isLongDedupKey(id) {
		return MsgID(id)
	}
	return id
}

// isLongDedupKey tells a dedup key used as Nats-Msg-Id, as ingest stored
// it before ids were hashed ("<resource>:<event>:<id>..."), from a MsgID,
// whose alphabet has no ':'.
func isLongDedupKey(id string) bool { return strings.Contains(id, ":") }
