package ingest_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/ingest"
	"github.com/webexpipe/webexpipe/internal/metricstest"
)

// getMsg fetches the stored message an answer points at.
func (e *testEnv) getMsg(t testing.TB, r reply) *jetstream.RawStreamMsg {
	t.Helper()
	seq, ok := r.body["stream_seq"].(float64)
	if !ok || seq < 1 {
		t.Fatalf("answer has no stream_seq: %v", r.body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := e.js.Stream(ctx, events.EventsStream)
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	msg, err := s.GetMsg(ctx, uint64(seq))
	if err != nil {
		t.Fatalf("get message %v: %v", seq, err)
	}
	return msg
}

// TestStoredBeforeAnswer: a 200 means the raw body is in the stream, under
// its subject, with every promised header.
func TestStoredBeforeAnswer(t *testing.T) {
	e := newEnv(t, nil)
	// Webex's JSON as sent: odd spacing and key order must survive.
	body := []byte(`{ "resource":"messages", "event":"created", "id":"hook-1",` +
		"\n" + `"data":{"roomId":"room-42","id":"msg-42","extra":[1,2,3]}, "unknown":{"x":true} }`)
	h := signedHeaders(body)
	h.Set("Content-Type", "application/json; charset=utf-8")

	r := e.post(t, body, h)
	if r.status != 200 || r.str("status") != "stored" || r.body["duplicate"] != false {
		t.Fatalf("answer %d %v, want 200 stored, not duplicate", r.status, r.body)
	}
	// No polling: the answer came after the PubAck, so the event is there.
	msg := e.getMsg(t, r)
	if !bytes.Equal(msg.Data, body) {
		t.Errorf("stored body differs from the raw delivery:\n got %q\nwant %q", msg.Data, body)
	}
	env, err := events.Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	if want := events.EventSubject("messages", "created", events.Partition("room-42", events.DefaultPartitions)); msg.Subject != want {
		t.Errorf("subject %q, want %q", msg.Subject, want)
	}
	wantHeaders := map[string]string{
		events.HeaderMsgID:      events.MsgID(events.DedupKey(env, body)),
		events.HeaderWebhookID:  "hook-1",
		events.HeaderResource:   "messages",
		events.HeaderEvent:      "created",
		events.HeaderReceivedAt: fixedNow.Format(time.RFC3339Nano),
		events.HeaderSignature:  h.Get(events.SignatureHeader),
	}
	for k, want := range wantHeaders {
		if got := msg.Header.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	if !events.VerifySignature(msg.Data, msg.Header.Get(events.HeaderSignature), [][]byte{secretA}) {
		t.Errorf("stored event cannot be re-verified from its headers")
	}
}

// TestDuplicateDeliveryStoredOnce: Webex delivering the same event twice
// leaves one message; the second answer says duplicate.
func TestDuplicateDeliveryStoredOnce(t *testing.T) {
	e := newEnv(t, nil)
	body := webhook("messages", "created", "msg-dup", "room-1")
	first := e.post(t, body, signedHeaders(body))
	second := e.post(t, body, signedHeaders(body))
	if first.status != 200 || first.body["duplicate"] != false {
		t.Fatalf("first answer %d %v", first.status, first.body)
	}
	if second.status != 200 || second.body["duplicate"] != true {
		t.Fatalf("second answer %d %v, want 200 duplicate", second.status, second.body)
	}
	if first.body["stream_seq"] != second.body["stream_seq"] {
		t.Errorf("duplicate points at seq %v, want the original %v", second.body["stream_seq"], first.body["stream_seq"])
	}
	if n := e.stored(t); n != 1 {
		t.Errorf("stream holds %d messages, want 1", n)
	}
	got := e.outcomes(t)
	if got["stored"] != 1 || got["duplicate"] != 1 {
		t.Errorf("outcomes %v, want stored 1, duplicate 1", got)
	}
}

// TestUnknownResourcesStored: resources and events ingest has never heard
// of are stored under their own (safe) subject, for workers yet to come.
func TestUnknownResourcesStored(t *testing.T) {
	e := newEnv(t, func(c *ingest.Config) { c.Partitions = 4 })
	tests := []struct{ resource, event string }{
		{"telephony_calls", "created"},
		{"meetingTranscripts", "statusChanged"},
		{"someFutureThing", "migrated"},
	}
	for _, tc := range tests {
		t.Run(tc.resource+"/"+tc.event, func(t *testing.T) {
			body := webhook(tc.resource, tc.event, "id-"+tc.resource, "room-"+tc.event)
			r := e.post(t, body, signedHeaders(body))
			if r.status != 200 {
				t.Fatalf("status %d, want 200 (body %v)", r.status, r.body)
			}
			want := events.EventSubject(tc.resource, tc.event, events.Partition("room-"+tc.event, 4))
			if got := e.getMsg(t, r).Subject; got != want {
				t.Errorf("subject %q, want %q", got, want)
			}
		})
	}
}

// TestStreamFullAnswers503: a stream refusing new events (DiscardNew at its
// limit) gets 503 with the server's reason, never 200.
func TestStreamFullAnswers503(t *testing.T) {
	e := newEnv(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cfg := events.EventsStreamConfig(events.DefaultStreamOptions())
	cfg.MaxMsgs = 1
	if _, err := e.js.UpdateStream(ctx, cfg); err != nil {
		t.Fatalf("limit stream: %v", err)
	}
	first := webhook("messages", "created", "fill-1", "room-1")
	if r := e.post(t, first, signedHeaders(first)); r.status != 200 {
		t.Fatalf("first: status %d (body %v)", r.status, r.body)
	}
	second := webhook("messages", "created", "fill-2", "room-1")
	r := e.post(t, second, signedHeaders(second))
	if r.status != 503 {
		t.Fatalf("status %d, want 503 (body %v)", r.status, r.body)
	}
	if got := r.str("error"); !strings.HasPrefix(got, "event not stored: ") || !strings.Contains(got, "maximum messages") {
		t.Errorf("reason %q, want event not stored with the server's reason", got)
	}
	if r.header.Get("Retry-After") != "3" {
		t.Errorf("Retry-After %q, want 3", r.header.Get("Retry-After"))
	}
	if n := e.stored(t); n != 1 {
		t.Errorf("stream holds %d messages, want 1", n)
	}
	if got := metricstest.ByLabel(t, e.reg, "webexpipe_ingest_publish_errors_total", "kind")["rejected"]; got != 1 {
		t.Errorf("publish errors of kind rejected = %v, want 1", got)
	}
}

// TestLargerThanNATSAnswers413: a body within MaxBodyBytes but over the
// server's max_payload can never be stored; it is refused as too large, not
// as a passing outage.
func TestLargerThanNATSAnswers413(t *testing.T) {
	e := newEnv(t, func(c *ingest.Config) { c.MaxBodyBytes = 2 << 20 })
	pad := strings.Repeat("a", int(e.nc.MaxPayload()))
	body := []byte(`{"resource":"messages","event":"created","data":{"id":"big","pad":"` + pad + `"}}`)
	r := e.post(t, body, signedHeaders(body))
	if r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413 (body %v)", r.status, r.body)
	}
	if got := r.str("error"); !strings.HasPrefix(got, "event not stored: ") {
		t.Errorf("reason %q", got)
	}
	if n := e.stored(t); n != 0 {
		t.Errorf("stream holds %d messages, want 0", n)
	}
	if got := e.outcomes(t)["too_large"]; got != 1 {
		t.Errorf("too_large = %v, want 1", got)
	}
}

// TestPublishRetriedUntilStreamAnswers: a stream that answers no one for a
// moment (here deleted and created again, as a leader election looks to a
// client) delays the answer but does not turn it into a 503.
func TestPublishRetriedUntilStreamAnswers(t *testing.T) {
	e := newEnv(t, func(c *ingest.Config) { c.PublishTimeout = 5 * time.Second })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := e.js.Stream(ctx, events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.CachedInfo().Config
	if err := e.js.DeleteStream(ctx, events.EventsStream); err != nil {
		t.Fatalf("delete stream: %v", err)
	}
	back := make(chan error, 1)
	go func() {
		// Let a few attempts meet no responders first.
		t := time.NewTimer(400 * time.Millisecond)
		defer t.Stop()
		<-t.C
		_, err := e.js.CreateStream(ctx, cfg)
		back <- err
	}()

	body := webhook("messages", "created", "during-election", "room-1")
	r := e.post(t, body, signedHeaders(body))
	if err := <-back; err != nil {
		t.Fatalf("recreate stream: %v", err)
	}
	if r.status != 200 {
		t.Fatalf("answer %d %v, want 200 once the stream answers again", r.status, r.body)
	}
	if msg := e.getMsg(t, r); !bytes.Equal(msg.Data, body) {
		t.Errorf("stored body %q, want %q", msg.Data, body)
	}
}
