package replay_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/pipelinetest"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/admin/replay"
	"github.com/webexpipe/webexpipe/workers/echo"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// echoPipeline runs the pipeline with the echo worker.
func echoPipeline(t *testing.T) *pipelinetest.Pipeline {
	t.Helper()
	p := pipelinetest.Start(t, pipelinetest.Options{})
	h, err := echo.New(p.Client, echo.Config{Logger: pipelinetest.Logger(t), RecheckAfter: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p.StartWorker(p.WorkerConfig(echo.Name, echo.Events), h)
	return p
}

// post has a user write in a direct room of their own and waits until the
// message and the reply were handled; it returns the room.
func post(t *testing.T, p *pipelinetest.Pipeline, email string) string {
	t.Helper()
	before := len(p.Sim.Deliveries()) // counted first: the message's delivery may be recorded before PostAsUser returns
	m, err := p.Sim.PostAsUser(emulator.UserMessage{PersonEmail: email, Text: "hi from " + email})
	if err != nil {
		t.Fatal(err)
	}
	p.Settle(before + 2) // the message and the bot's reply
	return m.RoomID
}

func streamMsgs(t *testing.T, p *pipelinetest.Pipeline) uint64 {
	t.Helper()
	s, err := p.JS.Stream(testCtx(t), events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// TestReplayWindowThroughEcho replays a time window to the echo worker:
// a dry run changes nothing, a replay repeats no reply, a paced one keeps
// its rate, and a forced one answers each message of the window once more.
// The subtests run in order on one pipeline.
func TestReplayWindowThroughEcho(t *testing.T) {
	p := echoPipeline(t)
	before := post(t, p, "before@example.com")
	since := time.Now()
	waitfor.Until(t, 5*time.Second, func() (bool, string) {
		return time.Now().After(since), "clock did not move"
	})
	window := []string{post(t, p, "a@example.com"), post(t, p, "b@example.com"), post(t, p, "c@example.com")}
	const inWindow = 6 // three messages and the bot's three replies
	replies := func(room string) int { return len(p.BotMessages(room)) }

	t.Run("dry run lists and stores nothing", func(t *testing.T) {
		msgs := streamMsgs(t, p)
		var items []replay.Item
		sum, err := replay.Run(testCtx(t), p.JS, replay.Options{Worker: echo.Name, Since: since, DryRun: true,
			OnEvent: func(it replay.Item) { items = append(items, it) }})
		if err != nil {
			t.Fatal(err)
		}
		// The bot's replies were ignored, not handled: they have no
		// marker, but the worker's consumer settled them, so no copy of
		// them would be stored.
		if sum.Selected != inWindow || sum.Stored != 0 || sum.Handled != inWindow ||
			sum.Skipped != inWindow-uint64(len(window)) || len(items) != inWindow {
			t.Errorf("summary %+v, %d items; want %d selected and handled, %d skipped, none stored",
				sum, len(items), inWindow, inWindow-len(window))
		}
		for _, it := range items {
			if it.CopySubject == "" || it.CopySeq != 0 || it.Time.Before(since) {
				t.Errorf("item %+v", it)
			}
		}
		if got := streamMsgs(t, p); got != msgs {
			t.Errorf("stream went from %d to %d messages in a dry run", msgs, got)
		}
	})

	t.Run("without force no reply is repeated, at the rate asked", func(t *testing.T) {
		const rate = 20.0
		deliveries := len(p.Sim.Deliveries())
		var reports []replay.Progress
		begin := time.Now()
		sum, err := replay.Run(testCtx(t), p.JS, replay.Options{Worker: echo.Name, Since: since, Until: time.Now(), Rate: rate,
			ProgressEvery: 50 * time.Millisecond, Progress: func(pr replay.Progress) { reports = append(reports, pr) }})
		took := time.Since(begin)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Stored != uint64(len(window)) || sum.FirstSeq == 0 {
			t.Fatalf("summary %+v", sum)
		}
		// Three copies at 20/s are two intervals of 50ms apart: at least
		// 100ms. A loaded machine may take longer; only a faster run
		// breaks the pace.
		want := time.Duration(float64(len(window)-1) / rate * float64(time.Second))
		if took < want*9/10 {
			t.Errorf("replay took %s, want at least %s", took, want)
		}
		if len(reports) < 1 || reports[0].Total != inWindow {
			t.Errorf("progress reports %+v", reports)
		}
		p.Settle(deliveries)
		for _, room := range append(window, before) {
			if n := replies(room); n != 1 {
				t.Errorf("room %s has %d replies, want 1", room, n)
			}
		}
	})

	t.Run("force answers each message of the window once more", func(t *testing.T) {
		deliveries := len(p.Sim.Deliveries())
		sum, err := replay.Run(testCtx(t), p.JS, replay.Options{Worker: echo.Name, Since: since, Until: time.Now(), Force: true})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Stored != inWindow {
			t.Fatalf("summary %+v", sum)
		}
		p.Settle(deliveries + len(window)) // one new reply each, delivered back
		for _, room := range window {
			if n := replies(room); n != 2 {
				t.Errorf("room %s has %d replies, want 2", room, n)
			}
		}
		if n := replies(before); n != 1 {
			t.Errorf("the room before the window has %d replies, want 1", n)
		}
	})

	t.Run("one room", func(t *testing.T) {
		sum, err := replay.Run(testCtx(t), p.JS, replay.Options{Worker: echo.Name, Since: since, RoomID: window[1], DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		// The message, its reply, and the forced reply of the last subtest.
		if sum.Selected != 3 {
			t.Errorf("selected %d events of room %s, want 3", sum.Selected, window[1])
		}
	})

	t.Run("the same run stores nothing twice", func(t *testing.T) {
		o := replay.Options{Worker: echo.Name, Since: since, Until: time.Now(), RunID: replay.NewRunID(time.Now())}
		first, err := replay.Run(testCtx(t), p.JS, o)
		if err != nil {
			t.Fatal(err)
		}
		again, err := replay.Run(testCtx(t), p.JS, o)
		if err != nil {
			t.Fatal(err)
		}
		if first.Stored == 0 || again.Stored != 0 || again.Duplicates != first.Stored {
			t.Errorf("first run %+v, again %+v", first, again)
		}
	})
}

func TestReplayRefuses(t *testing.T) {
	p := echoPipeline(t)
	tests := []struct {
		name string
		o    replay.Options
		want error
	}{
		{name: "unknown worker", o: replay.Options{Worker: "nobody"}, want: replay.ErrUnknownWorker},
		{name: "event the worker does not take", o: replay.Options{Worker: echo.Name, Resource: "memberships"}, want: replay.ErrNothingSelected},
		{name: "unsafe worker", o: replay.Options{Worker: "echo.>"}, want: replay.ErrInvalidOptions},
		{name: "negative rate", o: replay.Options{Worker: echo.Name, Rate: -1}, want: replay.ErrInvalidOptions},
		{name: "window backwards", o: replay.Options{Worker: echo.Name, Since: time.Now(), Until: time.Now().Add(-time.Hour)}, want: replay.ErrInvalidOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := replay.Run(testCtx(t), p.JS, tt.o); !errors.Is(err, tt.want) {
				t.Errorf("Run = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestReplayAfterMarkersExpired: markers live only PROCESSED_TTL, events
// longer. A replay of a handled event whose marker is gone stores no copy
// (the worker's consumer settled it), so no reply is repeated; a forced
// replay still answers it again.
func TestReplayAfterMarkersExpired(t *testing.T) {
	p := echoPipeline(t)
	since := time.Now()
	waitfor.Until(t, 5*time.Second, func() (bool, string) {
		return time.Now().After(since), "clock did not move"
	})
	room := post(t, p, "old@example.com")

	kv, err := p.JS.KeyValue(testCtx(t), events.ProcessedBucket)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := kv.ListKeys(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	purged := 0
	for k := range keys.Keys() {
		if strings.HasPrefix(k, echo.Name+".") {
			if err := kv.Purge(testCtx(t), k); err != nil {
				t.Fatal(err)
			}
			purged++
		}
	}
	if purged == 0 {
		t.Fatal("no marker of the echo worker to expire: the test proves nothing")
	}

	deliveries := len(p.Sim.Deliveries())
	sum, err := replay.Run(testCtx(t), p.JS, replay.Options{Worker: echo.Name, Since: since, Until: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Selected != 2 || sum.Handled != 2 || sum.Skipped != 2 || sum.Stored != 0 {
		t.Errorf("summary %+v; want the message and the reply selected, handled and skipped, nothing stored", sum)
	}
	p.Settle(deliveries)
	if n := len(p.BotMessages(room)); n != 1 {
		t.Errorf("room has %d replies after the replay, want 1", n)
	}

	sum, err = replay.Run(testCtx(t), p.JS, replay.Options{Worker: echo.Name, Since: since, Until: time.Now(), Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Stored != 2 || sum.Skipped != 0 {
		t.Errorf("forced summary %+v; want both stored", sum)
	}
	p.Settle(deliveries + 1)
	if n := len(p.BotMessages(room)); n != 2 {
		t.Errorf("room has %d replies after a forced replay, want 2", n)
	}
}

// TestReplayToAnOrderedWorker: a worker type in ordered mode has only its
// partition consumers; a replay to it selects its events on every
// partition, skips what it handled, and a forced one answers again.
func TestReplayToAnOrderedWorker(t *testing.T) {
	p := pipelinetest.Start(t, pipelinetest.Options{})
	h, err := echo.New(p.Client, echo.Config{Logger: pipelinetest.Logger(t), RecheckAfter: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cfg := p.WorkerConfig(echo.Name, echo.Events)
	cfg.Ordered = true
	p.StartWorker(cfg, h)
	since := time.Now()
	waitfor.Until(t, 5*time.Second, func() (bool, string) {
		return time.Now().After(since), "clock did not move"
	})
	rooms := []string{post(t, p, "one@example.com"), post(t, p, "two@example.com")}

	deliveries := len(p.Sim.Deliveries())
	sum, err := replay.Run(testCtx(t), p.JS, replay.Options{Worker: echo.Name, Since: since, Until: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Selected != 4 || sum.Handled != 4 {
		t.Errorf("summary %+v; want the two messages and two replies, all handled", sum)
	}
	p.Settle(deliveries)
	sum, err = replay.Run(testCtx(t), p.JS, replay.Options{Worker: echo.Name, Since: since, Until: time.Now(), Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Stored != 4 {
		t.Errorf("forced summary %+v; want 4 copies", sum)
	}
	p.Settle(deliveries + len(rooms))
	for _, room := range rooms {
		if n := len(p.BotMessages(room)); n != 2 {
			t.Errorf("room %s has %d replies after a forced replay, want 2", room, n)
		}
	}
}
