package workers

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nats-io/nats.go"

	"github.com/webexpipe/webexpipe/events"
)

func TestDeadLetterMessage(t *testing.T) {
	t.Parallel()
	ev := &Event{
		Raw:     []byte(`{"raw":true}`),
		Subject: "webex.events.messages.created.3",
		Header: nats.Header{
			events.HeaderMsgID:     {"messages:created:m-1"},
			"Nats-Expected-Stream": {events.EventsStream}, // would make the DLQ publish fail
			events.HeaderWebhookID: {"wh-1"},
			events.HeaderSignature: {"abc"},
		},
		StreamSeq: 42,
		Delivered: 3,
		DedupKey:  "messages:created:m-1",
	}
	msg := deadLetter("echo", ev, "permanent: room gone")

	if msg.Subject != events.DLQSubject("echo") {
		t.Errorf("subject = %q, want %q", msg.Subject, events.DLQSubject("echo"))
	}
	if string(msg.Data) != string(ev.Raw) {
		t.Errorf("body = %q, want the raw event", msg.Data)
	}
	for h, want := range map[string]string{
		events.HeaderWorker:      "echo",
		events.HeaderDLQReason:   "permanent: room gone",
		events.HeaderOrigSubject: ev.Subject,
		events.HeaderOrigSeq:     "42",
		events.HeaderDeliveries:  "3",
		events.HeaderDedupKey:    "messages:created:m-1",
		events.HeaderWebhookID:   "wh-1",
		events.HeaderSignature:   "abc",
		events.HeaderMsgID:       "", // set by the publish option, see deadLetterID
		"Nats-Expected-Stream":   "",
	} {
		if got := msg.Header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}
	if got := deadLetterID("echo", events.EventsStream, 42); got != "echo:42" {
		t.Errorf("deadLetterID = %q, want echo:42", got)
	}
	// The same seq on another shard is another event.
	if got := deadLetterID("echo", events.ShardStream(2), 42); got != "echo:WEBEX_EVENTS_2:42" {
		t.Errorf("deadLetterID on shard 2 = %q, want echo:WEBEX_EVENTS_2:42", got)
	}
	// The event's own headers are not modified.
	if ev.Header.Get(events.HeaderMsgID) == "" || ev.Header.Get(events.HeaderWorker) != "" {
		t.Error("deadLetter changed the event's headers")
	}
}

func TestShortReason(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		why  string
		err  error
		want string
	}{
		{name: "plain", why: "permanent", err: errors.New("room gone"), want: "permanent: room gone"},
		{name: "no error", why: "permanent", want: "permanent"},
		{name: "one line", why: "permanent", err: errors.New("line one\nline two\r\n\tthree"), want: "permanent: line one line two three"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := shortReason(tt.why, tt.err); got != tt.want {
				t.Errorf("shortReason = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("long text is cut on a rune boundary", func(t *testing.T) {
		t.Parallel()
		got := shortReason("permanent", errors.New(strings.Repeat("é", 300)))
		if len(got) > maxReasonBytes || !utf8.ValidString(got) || !strings.HasPrefix(got, "permanent: é") {
			t.Errorf("shortReason = %q (%d bytes), want valid UTF-8 of at most %d bytes", got, len(got), maxReasonBytes)
		}
	})
}
