package inspect_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/workers/admin/inspect"
)

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

const secret = "inspect-secret"

// store stores a webhook body as ingest does, signed, and returns its
// sequence.
func store(t *testing.T, js jetstream.JetStream, resource, event, id, room string) uint64 {
	t.Helper()
	body := fmt.Sprintf(`{"id":"wh","resource":%q,"event":%q,"data":{"id":%q,"roomId":%q,"personEmail":"u@example.com"}}`, resource, event, id, room)
	env, err := events.Decode([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	msg := nats.NewMsg(env.Subject(events.DefaultPartitions))
	msg.Data = []byte(body)
	msg.Header.Set(events.HeaderSignature, events.Sign([]byte(secret), msg.Data))
	ack, err := js.PublishMsg(testCtx(t), msg, jetstream.WithMsgID(events.DedupKey(env, msg.Data)))
	if err != nil {
		t.Fatal(err)
	}
	return ack.Sequence
}

func TestList(t *testing.T) {
	_, _, js := localnats.StartProvisioned(t)
	old := store(t, js, "messages", "created", "m-old", "room-b")
	for i := range 600 { // more than a few chunks of filler
		store(t, js, "messages", "created", fmt.Sprintf("m-%d", i), "room-a")
	}
	s, err := js.Stream(testCtx(t), events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetMsg(testCtx(t), old+1)
	if err != nil {
		t.Fatal(err)
	}
	afterOld := m.Time
	card := store(t, js, "attachmentActions", "created", "a-1", "room-b")
	left := store(t, js, "memberships", "deleted", "mb-1", "room-b")
	copyMsg := nats.NewMsg(events.ReplaySubject("echo", "messages", "created", 1))
	copyMsg.Data = []byte(`{"id":"wh","resource":"messages","event":"created","data":{"id":"m-old","roomId":"room-b"}}`)
	copyMsg.Header.Set(events.HeaderOrigSeq, fmt.Sprint(old))
	copyMsg.Header.Set(events.HeaderReplayRun, "run-1")
	ack, err := js.PublishMsg(testCtx(t), copyMsg)
	if err != nil {
		t.Fatal(err)
	}
	replayed := ack.Sequence

	tests := []struct {
		name string
		f    inspect.Filter
		want []uint64
	}{
		{name: "newest first", f: inspect.Filter{Limit: 3}, want: []uint64{left, card, card - 1}},
		{name: "one resource", f: inspect.Filter{Resource: "memberships"}, want: []uint64{left}},
		{name: "one event", f: inspect.Filter{Resource: "attachmentActions", Event: "created"}, want: []uint64{card}},
		{name: "a room deep in the stream", f: inspect.Filter{RoomID: "room-b"}, want: []uint64{left, card, old}},
		{name: "a room since a time", f: inspect.Filter{RoomID: "room-b", Since: afterOld}, want: []uint64{left, card}},
		{name: "with replays", f: inspect.Filter{RoomID: "room-b", Replays: true, Limit: 2}, want: []uint64{replayed, left}},
		{name: "until a time", f: inspect.Filter{RoomID: "room-b", Until: afterOld}, want: []uint64{old}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := inspect.List(testCtx(t), js, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var seqs []uint64
			for _, r := range got {
				seqs = append(seqs, r.Seq)
			}
			if fmt.Sprint(seqs) != fmt.Sprint(tt.want) {
				t.Errorf("sequences %v, want %v", seqs, tt.want)
			}
		})
	}
	got, err := inspect.List(testCtx(t), js, inspect.Filter{Replays: true, Limit: 1})
	if err != nil || len(got) != 1 || got[0].Replay != "echo" || got[0].OrigSeq != old || got[0].Run != "run-1" {
		t.Errorf("replayed copy: %+v, %v", got, err)
	}
	if _, err := inspect.List(testCtx(t), js, inspect.Filter{Resource: "a.>"}); !errors.Is(err, events.ErrUnsafeToken) {
		t.Errorf("unsafe filter: %v", err)
	}
}

func TestGetAndVerify(t *testing.T) {
	_, _, js := localnats.StartProvisioned(t)
	seq := store(t, js, "messages", "created", "m-1", "room-a")
	bare := nats.NewMsg(events.EventSubject("messages", "created", 2))
	bare.Data = []byte(`{"resource":"messages","event":"created","data":{"id":"m-2"}}`)
	bare.Header.Set(events.HeaderBackfilled, "true")
	ack, err := js.PublishMsg(testCtx(t), bare)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		seq     uint64
		secrets []string
		want    inspect.Verdict
	}{
		{name: "right secret", seq: seq, secrets: []string{"old", secret}, want: inspect.SignatureValid},
		{name: "wrong secret", seq: seq, secrets: []string{"old"}, want: inspect.SignatureInvalid},
		{name: "no secret given", seq: seq, want: inspect.SignatureNotChecked},
		{name: "backfilled", seq: ack.Sequence, secrets: []string{secret}, want: inspect.SignatureAbsent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := inspect.Get(testCtx(t), js, "", tt.seq)
			if err != nil {
				t.Fatal(err)
			}
			var secrets [][]byte
			for _, k := range tt.secrets {
				secrets = append(secrets, []byte(k))
			}
			if got := s.Verify(secrets); got != tt.want {
				t.Errorf("Verify = %s, want %s", got, tt.want)
			}
		})
	}
	s, err := inspect.Get(testCtx(t), js, "", seq)
	if err != nil {
		t.Fatal(err)
	}
	if s.DataID != "m-1" || s.RoomID != "room-a" || s.DedupKey != "messages:created:m-1" || len(s.Pretty()) <= len(s.Body) {
		t.Errorf("stored %+v\n%s", s.Record, s.Pretty())
	}
	if b, _ := inspect.Get(testCtx(t), js, "", ack.Sequence); !b.Backfilled {
		t.Error("backfilled event not marked")
	}
	if _, err := inspect.Get(testCtx(t), js, "", 9999); !errors.Is(err, inspect.ErrNotFound) {
		t.Errorf("Get(9999) = %v", err)
	}
}
