package events

import (
	"testing"

	"github.com/nats-io/nats.go"
)

func TestStoredDedupKeyPrecedence(t *testing.T) {
	t.Parallel()
	body := []byte(`{"id":"wh","resource":"messages","event":"created","data":{"id":"m-1","roomId":"r"}}`)
	env, err := Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	computed := DedupKey(env, body)
	tests := []struct {
		name   string
		header nats.Header
		env    *Envelope
		want   string
	}{
		{name: "a copy keeps the original key", header: nats.Header{HeaderDedupKey: {"orig"}, HeaderMsgID: {"replay-1"}}, env: env, want: "orig"},
		{name: "an id stored before ids were hashed", header: nats.Header{HeaderMsgID: {"messages:created:old"}}, env: env, want: "messages:created:old"},
		{name: "a hashed id: from the body", header: nats.Header{HeaderMsgID: {MsgID(computed)}}, env: env, want: computed},
		{name: "computed without headers", env: env, want: computed},
		{name: "nothing for an undecodable body", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := StoredDedupKey(tt.header, tt.env, body); got != tt.want {
				t.Errorf("StoredDedupKey = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCopyEvent(t *testing.T) {
	t.Parallel()
	from := nats.Header{
		HeaderMsgID:            {"messages:created:m-1"},
		"Nats-Expected-Stream": {"WEBEX_EVENTS"},
		HeaderWebhookID:        {"wh-1"},
		HeaderSignature:        {"abc"},
		HeaderReplayForce:      {"true"},
		HeaderReplayRun:        {"run-1"},
		HeaderWorker:           {"echo"},
		HeaderDLQReason:        {"gave up"},
		HeaderOrigSubject:      {"webex.events.messages.created.3"},
		HeaderDeliveries:       {"10"},
		HeaderTrackingID:       {"T-1"},
		HeaderOrigSeq:          {"41"},
		HeaderDedupKey:         {"stale"},
	}
	body := []byte("raw")
	msg := CopyEvent("webex.replay.echo.messages.created.3", body, from, Provenance{OrigSeq: 7, DedupKey: "messages:created:m-1"})
	if msg.Subject != "webex.replay.echo.messages.created.3" || string(msg.Data) != "raw" {
		t.Fatalf("copy = %s %q", msg.Subject, msg.Data)
	}
	want := map[string]string{
		HeaderWebhookID: "wh-1", HeaderSignature: "abc", HeaderReplayForce: "true", HeaderReplayRun: "run-1",
		HeaderOrigSeq: "7", HeaderDedupKey: "messages:created:m-1",
	}
	for k, v := range want {
		if got := msg.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	for _, k := range []string{HeaderMsgID, "Nats-Expected-Stream", HeaderWorker, HeaderDLQReason, HeaderOrigSubject, HeaderDeliveries, HeaderTrackingID} {
		if _, ok := msg.Header[k]; ok {
			t.Errorf("the copy inherited %s", k)
		}
	}
	if len(msg.Header) != len(want) {
		t.Errorf("copy headers = %v, want exactly %v", msg.Header, want)
	}
	msg.Header.Set(HeaderWebhookID, "changed")
	if from.Get(HeaderWebhookID) != "wh-1" {
		t.Error("changing the copy changed the original's headers")
	}

	bare := CopyEvent("s", body, nats.Header{HeaderOrigSeq: {"3"}, HeaderDedupKey: {"k"}}, Provenance{})
	if _, ok := bare.Header[HeaderOrigSeq]; ok {
		t.Error("an empty provenance kept the original's Webex-Orig-Seq")
	}
	if _, ok := bare.Header[HeaderDedupKey]; ok {
		t.Error("an empty provenance kept the original's Webex-Dedup-Key")
	}
}

func TestDeadLetterSet(t *testing.T) {
	t.Parallel()
	h := nats.Header{}
	DeadLetter{Worker: "echo", Reason: "permanent: 400", OrigSubject: "webex.events.messages.created.3", OrigSeq: 12, Deliveries: 2}.Set(h)
	want := map[string]string{
		HeaderWorker: "echo", HeaderDLQReason: "permanent: 400", HeaderOrigSubject: "webex.events.messages.created.3",
		HeaderOrigSeq: "12", HeaderDeliveries: "2",
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestDeadLetterOrigStream(t *testing.T) {
	t.Parallel()
	h := nats.Header{}
	DeadLetter{Worker: "echo", OrigSubject: "webex.events.messages.created.2", OrigStream: ShardStream(2), OrigSeq: 5}.Set(h)
	if got := OrigStreamOf(h); got != "WEBEX_EVENTS_2" {
		t.Errorf("OrigStreamOf = %q, want WEBEX_EVENTS_2", got)
	}
	// A copy made of the dead letter (a redrive) is an event again and does
	// not say where the dead letter came from.
	if c := CopyEvent("webex.events.messages.created.2", nil, h, Provenance{}); c.Header.Get(HeaderOrigStream) != "" {
		t.Errorf("a copy of a dead letter kept %s", HeaderOrigStream)
	}
	// A dead letter stored before shards has no header: its seq is on
	// WEBEX_EVENTS.
	if got := OrigStreamOf(nats.Header{HeaderOrigSeq: {"5"}}); got != EventsStream {
		t.Errorf("OrigStreamOf without the header = %q, want %s", got, EventsStream)
	}
}

func TestOrigSeqOr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header nats.Header
		want   uint64
	}{
		{name: "no header", header: nats.Header{}, want: 9},
		{name: "a copy's original", header: nats.Header{HeaderOrigSeq: {"4"}}, want: 4},
		{name: "garbage", header: nats.Header{HeaderOrigSeq: {"x"}}, want: 9},
		{name: "zero", header: nats.Header{HeaderOrigSeq: {"0"}}, want: 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := OrigSeqOr(tt.header, 9); got != tt.want {
				t.Errorf("OrigSeqOr = %d, want %d", got, tt.want)
			}
		})
	}
}
