package events

import (
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
)

// TestDedupKeyOfDecodedIDs: two deliveries whose data.id differ as JSON
// strings never share a dedup key, whatever escapes spell them; the same
// id spelled with and without escapes is one key. A body Decode refuses
// has no key, which is how ids no reader can agree on are kept apart.
func TestDedupKeyOfDecodedIDs(t *testing.T) {
	body := func(rawID string) []byte {
		return []byte(`{"resource":"messages","event":"created","data":{"id":"` + rawID + `"}}`)
	}
	key := func(rawID string) (string, bool) {
		b := body(rawID)
		env, err := Decode(b)
		if err != nil {
			return "", false
		}
		return DedupKey(env, b), true
	}
	distinct := []struct{ name, a, b string }{
		{"two lone high surrogates", `\ud800`, `\udbff`},
		{"lone high and lone low", `\ud800`, `\udc00`},
		{"lone surrogate and U+FFFD", `\ud83d`, `\ufffd`},
		{"lone surrogate and U+FFFD written out", `\udc00`, "\uFFFD"},
		{"a pair and its halves reversed", `\ud83d\ude00`, `\ude00\ud83d`},
		{"prefix and lone surrogate", `m1\ud800`, `m1\udfff`},
	}
	for _, tc := range distinct {
		t.Run(tc.name, func(t *testing.T) {
			ka, okA := key(tc.a)
			kb, okB := key(tc.b)
			if okA && okB && ka == kb {
				t.Fatalf("ids %s and %s share the dedup key %q", tc.a, tc.b, ka)
			}
		})
	}
	same := []struct{ name, a, b string }{
		{"escaped letter", `\u006d1`, `m1`},
		{"escaped pair", `\ud83d\ude00`, "\U0001F600"},
		{"escaped slash", `a\/b`, `a/b`},
	}
	for _, tc := range same {
		t.Run(tc.name, func(t *testing.T) {
			ka, okA := key(tc.a)
			kb, okB := key(tc.b)
			if !okA || !okB || ka != kb {
				t.Fatalf("one id spelled %s and %s: keys %q (%v) and %q (%v), want one key", tc.a, tc.b, ka, okA, kb, okB)
			}
		})
	}
}

func TestMsgIDIsShortAndOldIDsStillMatch(t *testing.T) {
	body := []byte(`{"id":"hook","resource":"messages","event":"created","data":{"id":"Y2lzY29zcGFyazovL3VzL01FU1NBR0UvMDEwNWM5ZjAtMDUwOS00YTk5LTkyZTctN2ZkNzZkZTk5ODc5","roomId":"r"}}`)
	env, err := Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	key := DedupKey(env, body)
	id := MsgID(key)
	if len(id) != 22 || strings.ContainsAny(id, ":.*> ") {
		t.Fatalf("MsgID %q: want 22 characters without separators", id)
	}
	if MsgID(key+"x") == id {
		t.Fatal("two keys share an id")
	}

	stored := nats.Header{}
	stored.Set(HeaderMsgID, id)
	if got := StoredDedupKey(stored, env, body); got != key {
		t.Errorf("key of an event stored with a hashed id: %q, want %q (from the body)", got, key)
	}
	if got := StoredDedupKey(stored, nil, nil); got != id {
		t.Errorf("key of an undecodable body with a hashed id: %q, want the id %q", got, id)
	}
	old := nats.Header{}
	old.Set(HeaderMsgID, key) // as ingest stored it before ids were hashed
	if got := StoredDedupKey(old, nil, nil); got != key {
		t.Errorf("key of an event stored with the key as its id: %q", got)
	}
	copyOf := nats.Header{}
	copyOf.Set(HeaderMsgID, "replay:run:7")
	copyOf.Set(HeaderDedupKey, key)
	for name, h := range map[string]nats.Header{"hashed": stored, "old": old, "copy": copyOf} {
		if got := StoredMsgID(h); got != id {
			t.Errorf("%s: StoredMsgID %q, want %q", name, got, id)
		}
	}
}

// Two bots told of one message store two events: their keys differ, and a
// stored event's key follows its HeaderBot.
func TestBotDedupKeysDiffer(t *testing.T) {
	body := []byte(`{"id":"hook","resource":"messages","event":"created","data":{"id":"m1","roomId":"r"}}`)
	env, err := Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	def, support := BotDedupKey(DefaultBot, env, body), BotDedupKey("support", env, body)
	if def != DedupKey(env, body) || BotDedupKey("", env, body) != def {
		t.Errorf("default bot's key %q, want DedupKey's", def)
	}
	if support == def || MsgID(support) == MsgID(def) {
		t.Fatalf("bots share a key: %q", support)
	}
	h := nats.Header{}
	SetBot(h, "support")
	h.Set(HeaderMsgID, MsgID(support))
	if got := StoredDedupKey(h, env, body); got != support {
		t.Errorf("stored key of support's event %q, want %q", got, support)
	}
	if BotOf(h) != "support" || BotOf(nats.Header{}) != DefaultBot {
		t.Errorf("BotOf: %q", BotOf(h))
	}
	SetBot(h, DefaultBot)
	if h.Get(HeaderBot) != "" {
		t.Error("the default bot is written out")
	}
}
