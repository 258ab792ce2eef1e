package replay_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/admin/replay"
	"github.com/webexpipe/webexpipe/workers/echo"
)

// TestReplayStoreFailsMidway: the stream has room for 2 copies of an
// unpaced replay's window. The run stops with the stream's refusal, and its
// progress counts exactly the 2 copies stored. Run again by its id once
// there is room, it finds those 2 as duplicates and stores the others:
// each copy once.
func TestReplayStoreFailsMidway(t *testing.T) {
	p := echoPipeline(t)
	since := time.Now()
	for i := range 5 {
		post(t, p, fmt.Sprintf("user%d@example.com", i))
	}
	s, err := p.JS.Stream(testCtx(t), events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	before := info.State.Msgs
	cfg := info.Config
	cfg.MaxMsgs = int64(before) + 2
	if _, err := p.JS.UpdateStream(testCtx(t), cfg); err != nil {
		t.Fatal(err)
	}

	o := replay.Options{Worker: echo.Name, Since: since, RunID: replay.NewRunID(time.Now())}
	var items []replay.Item
	first := o
	first.OnEvent = func(it replay.Item) { items = append(items, it) }
	sum, err := replay.Run(testCtx(t), p.JS, first)
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("Run = %v, want the stream's refusal", err)
	}
	copies := 0
	for _, it := range items {
		switch {
		case it.Skipped: // the bot's replies: settled, no marker
		case it.CopySeq > before:
			copies++
		default:
			t.Errorf("item %+v reported without its copy", it)
		}
	}
	if sum.Stored != 2 || sum.Duplicates != 0 || copies != 2 || uint64(len(items)) != sum.Selected {
		t.Errorf("progress %+v with %d items, %d copies; want exactly the 2 copies stored", sum, len(items), copies)
	}
	if n := streamMsgs(t, p); n != before+2 {
		t.Errorf("stream holds %d, want %d", n, before+2)
	}

	cfg.MaxMsgs = -1
	if _, err := p.JS.UpdateStream(testCtx(t), cfg); err != nil {
		t.Fatal(err)
	}
	again, err := replay.Run(testCtx(t), p.JS, o)
	if err != nil {
		t.Fatal(err)
	}
	want := again.Selected - again.Skipped // a copy for each
	if !again.Resumed || again.Duplicates != 2 || again.Stored != want-2 || want != 5 {
		t.Errorf("run again: %+v, want 5 copies: the 2 stored found as duplicates and 3 stored", again)
	}
	if n := streamMsgs(t, p); n != before+want {
		t.Errorf("stream holds %d, want %d: one copy of each of the %d", n, before+want, want)
	}
}
