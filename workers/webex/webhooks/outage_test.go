package webhooks_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

// recovery is a webhooks.Recovery that keeps what it is handed; it
// refuses while refuse is set.
type recovery struct {
	mu      sync.Mutex // guards the fields below
	outages []webhooks.Outage
	runs    int
	refuse  bool
}

func (r *recovery) Record(_ context.Context, o webhooks.Outage) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.refuse {
		return errors.New("refused")
	}
	r.outages = append(r.outages, o)
	return nil
}

func (r *recovery) Run(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runs++
	return nil
}

func (r *recovery) state() ([]webhooks.Outage, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]webhooks.Outage(nil), r.outages...), r.runs
}

func (r *recovery) setRefuse(v bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refuse = v
}

// TestWatchHandsOutagesToTheRecovery: an outage that ends, by the
// watchdog's re-activation or by someone else's, is handed to the
// recovery once, from when the webhook was first seen disabled to when it
// was seen active; one that ends under an ensure without a recovery, or
// while the recovery refuses it, waits in the record for the next round.
func TestWatchHandsOutagesToTheRecovery(t *testing.T) {
	e := newEnv(t)
	m := e.manager(t, webhooks.Options{})
	h := e.create(t, webex.WebhookRequest{Name: "webexpipe messages/created", TargetURL: okTarget(t), Resource: "messages", Secret: secret})
	disable := func() {
		t.Helper()
		if _, err := e.client.UpdateWebhook(testCtx(t), h.ID, webex.WebhookUpdate{Name: h.Name, TargetURL: h.TargetURL, Status: "disabled"}); err != nil {
			t.Fatal(err)
		}
	}
	spec := webhooks.Spec{TargetURL: h.TargetURL, Secret: secret, Events: []events.ResourceEvent{messages}}

	// Ended under ensures, with no recovery to take it.
	disable()
	t0 := e.clock.Now()
	if _, err := m.Ensure(testCtx(t), spec); err != nil { // first seen disabled
		t.Fatal(err)
	}
	e.clock.Set(t0.Add(5 * time.Minute))
	rep, err := m.Ensure(testCtx(t), spec)
	if err != nil || rep.Count(webhooks.KindReactivated) != 1 {
		t.Fatalf("ensure: %v %+v", err, rep)
	}

	rec := &recovery{refuse: true}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Watch(ctx, webhooks.WatchOptions{Interval: 20 * time.Millisecond, Recovery: rec}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch = %v", err)
		}
	})
	waitfor.True(t, 10*time.Second, "rounds with a refusing recovery", func() bool { _, runs := rec.state(); return runs >= 2 })
	rec.setRefuse(false)
	waitfor.True(t, 10*time.Second, "the outage handed over", func() bool { o, _ := rec.state(); return len(o) == 1 })
	got, _ := rec.state()
	want := webhooks.Outage{WebhookID: h.ID, Name: h.Name, Resource: "messages", Event: "created", From: t0, Until: t0.Add(5 * time.Minute),
		Cause: webhooks.CauseReactivated}
	if !got[0].From.Equal(want.From) || !got[0].Until.Equal(want.Until) {
		t.Errorf("outage %+v, want %+v", got[0], want)
	}
	got[0].From, got[0].Until = want.From, want.Until
	if got[0] != want {
		t.Errorf("outage %+v, want %+v", got[0], want)
	}

	// Re-enabled by someone else while the watchdog waits.
	disable()
	_, runs := rec.state()
	waitfor.True(t, 10*time.Second, "the webhook seen disabled", func() bool { _, r := rec.state(); return r >= runs+2 })
	t1 := e.clock.Now()
	if _, err := e.client.UpdateWebhook(testCtx(t), h.ID, webex.WebhookUpdate{Name: h.Name, TargetURL: h.TargetURL, Status: "active"}); err != nil {
		t.Fatal(err)
	}
	waitfor.True(t, 10*time.Second, "the second outage handed over", func() bool { o, _ := rec.state(); return len(o) == 2 })
	_, runs = rec.state()
	waitfor.True(t, 10*time.Second, "more rounds", func() bool { _, r := rec.state(); return r >= runs+3 })
	got, _ = rec.state()
	if len(got) != 2 || got[1].Cause != webhooks.CauseFoundActive || !got[1].Until.Equal(t1) {
		t.Errorf("outages %+v: want the second found active, once", got)
	}
}

// TestWatchRecoversItsOwnAbsence: a watchdog that starts long after the
// last round of one with a recovery hands that time to its recovery, once;
// one that starts soon after does not.
func TestWatchRecoversItsOwnAbsence(t *testing.T) {
	e := newEnv(t)
	// A watchdog stopped while it takes the lock may leave the lease
	// behind: a short one keeps the next from waiting long for it.
	m := e.manager(t, webhooks.Options{LockTTL: 200 * time.Millisecond})
	e.create(t, webex.WebhookRequest{Name: "webexpipe messages/created", TargetURL: okTarget(t), Resource: "messages", Secret: secret})
	want := []events.ResourceEvent{messages}
	// watch runs a watchdog for a few rounds and returns what its
	// recovery was handed.
	watch := func() []webhooks.Outage {
		t.Helper()
		rec := &recovery{}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- m.Watch(ctx, webhooks.WatchOptions{Interval: 20 * time.Millisecond, Want: want, Recovery: rec, AbsentAfter: time.Minute})
		}()
		waitfor.True(t, 10*time.Second, "three rounds", func() bool { _, runs := rec.state(); return runs >= 3 })
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		out, _ := rec.state()
		return out
	}

	if got := watch(); len(got) != 0 {
		t.Fatalf("the first watchdog ever was handed %+v", got)
	}
	last := e.clock.Now()
	e.clock.Set(last.Add(30 * time.Second))
	if got := watch(); len(got) != 0 {
		t.Fatalf("a watchdog back after 30s was handed %+v", got)
	}
	last = e.clock.Now()
	e.clock.Set(last.Add(10 * time.Minute))
	got := watch()
	if len(got) != 1 || got[0].Cause != webhooks.CauseWatchdogAbsent || !got[0].From.Equal(last) || !got[0].Until.Equal(last.Add(10*time.Minute)) ||
		got[0].Resource != "messages" {
		t.Fatalf("a watchdog back after 10m was handed %+v, want the 10 minutes", got)
	}
}
