package replay

import (
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/webexpipe/webexpipe/events"
)

func TestNewCopy(t *testing.T) {
	h := nats.Header{}
	h.Set(events.HeaderMsgID, "messages:created:m-1")
	h.Set(events.HeaderWebhookID, "wh-1")
	h.Set(events.HeaderSignature, "abc")
	h.Set("Nats-Expected-Stream", "X")
	h.Set(events.HeaderReplayForce, "true") // the original was a forced copy itself
	key := events.StoredDedupKey(h, nil, nil)
	tests := []struct {
		name  string
		force bool
	}{{"plain", false}, {"forced", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := newCopy("echo", "run-1", tt.force, 42, events.EventSubject("messages", "created", 7), h, []byte("{}"), key)
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != events.ReplaySubject("echo", "messages", "created", 7) {
				t.Errorf("subject %s", m.Subject)
			}
			force := ""
			if tt.force {
				force = "true"
			}
			for name, want := range map[string]string{
				events.HeaderDedupKey: "messages:created:m-1", events.HeaderOrigSeq: "42", events.HeaderReplayRun: "run-1",
				events.HeaderWebhookID: "wh-1", events.HeaderSignature: "abc", events.HeaderReplayForce: force,
				events.HeaderMsgID: "", "Nats-Expected-Stream": "",
			} {
				if got := m.Header.Get(name); got != want {
					t.Errorf("header %s = %q, want %q", name, got, want)
				}
			}
		})
	}
	if _, err := newCopy("echo", "r", false, 1, events.ReplaySubject("cards", "messages", "created", 1), h, nil, key); err == nil {
		t.Error("a replayed copy was copied again")
	}
	for _, tt := range []struct{ stream, want string }{
		{events.EventsStream, "replay:run-1:42"},
		{events.ShardStream(2), "replay:run-1:WEBEX_EVENTS_2:42"},
	} {
		if id := copyID("run-1", tt.stream, 42); id != tt.want {
			t.Errorf("copy id of %s:42 = %q, want %q", tt.stream, id, tt.want)
		}
	}
}
