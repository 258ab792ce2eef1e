package backfill_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/workers/admin/backfill"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// storeRig is a Webex emulator with n user messages in the window and an
// events stream that takes room messages.
type storeRig struct {
	api   *webex.Client
	js    jetstream.JetStream
	cfg   jetstream.StreamConfig
	since time.Time
}

func newStoreRig(t testing.TB, n int, room int64) *storeRig {
	t.Helper()
	sim := emulator.NewTest(t, emulator.Options{})
	api, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		// A few rooms, so that listing and storing interleave.
		if _, err := sim.PostAsUser(emulator.UserMessage{PersonEmail: fmt.Sprintf("user%d@example.com", i%3), Text: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	_, js := localnats.StartTest(t).ConnectTest(t)
	o := events.DefaultStreamOptions()
	o.Storage = jetstream.FileStorage
	localnats.ProvisionTest(t, js, o)
	cfg := events.EventsStreamConfig(o)
	cfg.MaxMsgs = room
	if _, err := js.UpdateStream(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	return &storeRig{api: api, js: js, cfg: cfg, since: time.Now().Add(-time.Hour)}
}

func (r *storeRig) storedSeqs(t *testing.T) uint64 {
	t.Helper()
	s, err := r.js.Stream(testCtx(t), events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// TestStoreFailsMidway: the stream has room for 7 of 20 missing messages.
// The backfill stops with the stream's refusal, its summary and items
// count exactly the 7 stored, and a second backfill, once there is room,
// stores the other 13 and nothing twice.
func TestStoreFailsMidway(t *testing.T) {
	const n, room = 20, 7
	r := newStoreRig(t, n, room)

	var items []backfill.Item
	sum, err := backfill.Run(testCtx(t), r.js, r.api, backfill.Options{Since: r.since,
		OnMessage: func(it backfill.Item) { items = append(items, it) }})
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("Run = %v, want the stream's refusal", err)
	}
	if sum.Stored != room || sum.Duplicates != 0 {
		t.Errorf("summary %+v, want %d stored", sum, room)
	}
	seqs := map[uint64]bool{}
	for _, it := range items {
		if !it.Stored || it.Seq == 0 || seqs[it.Seq] {
			t.Errorf("item %+v: want stored, each at its own sequence", it)
		}
		seqs[it.Seq] = true
	}
	if len(items) != room {
		t.Errorf("%d items reported, want the %d stored", len(items), room)
	}
	if got := r.storedSeqs(t); got != room {
		t.Errorf("stream holds %d events, want %d", got, room)
	}

	r.cfg.MaxMsgs = -1
	if _, err := r.js.UpdateStream(testCtx(t), r.cfg); err != nil {
		t.Fatal(err)
	}
	sum, err = backfill.Run(testCtx(t), r.js, r.api, backfill.Options{Since: r.since})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Seen != room || sum.Stored != n-room || sum.Duplicates != 0 || sum.Messages != n {
		t.Errorf("second run %+v, want %d seen and %d stored", sum, room, n-room)
	}
	if got := r.storedSeqs(t); got != n {
		t.Errorf("stream holds %d events, want %d", got, n)
	}
}
