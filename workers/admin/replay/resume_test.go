package replay_test

import (
	"context"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/workers/admin/replay"
	"github.com/webexpipe/webexpipe/workers/echo"
)

// TestReplayResumeKeepsItsWindow stops a forced run after its first copy,
// lets a message arrive, and resumes the run by its id with the same
// options: the resumed run reads the window the run started with, so the
// message that arrived in between is not answered a second time.
func TestReplayResumeKeepsItsWindow(t *testing.T) {
	p := echoPipeline(t)
	since := time.Now()
	window := []string{post(t, p, "a@example.com"), post(t, p, "b@example.com")}

	deliveries := len(p.Sim.Deliveries())
	o := replay.Options{Worker: echo.Name, Since: since, Force: true, RunID: replay.NewRunID(time.Now())}
	ctx, stop := context.WithCancel(testCtx(t))
	first := o
	// Paced, each copy is acknowledged before the next goes, so the run is
	// interrupted after exactly one copy.
	first.Rate = 1000
	first.OnEvent = func(replay.Item) { stop() }
	sum, err := replay.Run(ctx, p.JS, first)
	if err == nil || sum.Stored != 1 {
		t.Fatalf("interrupted run: %+v, %v; want one copy and an error", sum, err)
	}

	late := post(t, p, "late@example.com") // arrives between the interruption and the resume
	resumed, err := replay.Run(testCtx(t), p.JS, o)
	if err != nil {
		t.Fatal(err)
	}
	if !resumed.Resumed || resumed.ToSeq != sum.ToSeq {
		t.Errorf("resumed run %+v; want the window of the first (to_seq %d)", resumed, sum.ToSeq)
	}
	if resumed.Duplicates != 1 {
		t.Errorf("resumed run stored %d copies again, want the one copy of the first run found as a duplicate", resumed.Duplicates)
	}
	p.Settle(deliveries + 2 + len(window)) // the late message and its reply, one forced reply per window room
	if n := len(p.BotMessages(late)); n != 1 {
		t.Errorf("the message that arrived after the run started has %d replies, want 1", n)
	}
	for _, room := range window {
		if n := len(p.BotMessages(room)); n != 2 {
			t.Errorf("room %s has %d replies, want 2 (its reply and the forced one)", room, n)
		}
	}
}
