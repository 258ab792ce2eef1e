package ratelimit_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/internal/metricstest"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/webexcall/ratelimit"
)

const tokenKey = "0123456789abcdef0123456789abcdef"

// twoProcesses starts a server and returns a JetStream context per
// simulated process: separate connections, as separate processes have.
func twoProcesses(t *testing.T) (a, b jetstream.JetStream) {
	t.Helper()
	srv, _, a := localnats.StartProvisioned(t)
	_, b = srv.ConnectTest(t)
	return a, b
}

func openGate(t *testing.T, js jetstream.JetStream, o ratelimit.Options) *ratelimit.Gate {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	g, err := ratelimit.Open(ctx, js, tokenKey, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestAPauseIsSeenByEveryProcess(t *testing.T) {
	t.Parallel()
	jsA, jsB := twoProcesses(t)
	regA := prometheus.NewRegistry()
	a := openGate(t, jsA, ratelimit.Options{Worker: "echo", Metrics: regA})
	regB := prometheus.NewRegistry()
	b := openGate(t, jsB, ratelimit.Options{Worker: "cards", Metrics: regB})

	if err := b.Check(ctx(t)); err != nil {
		t.Fatalf("paused before any 429: %v", err)
	}
	until, err := a.Pause(ctx(t), 2*time.Second, 429)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Check(ctx(t)); !errors.Is(err, ratelimit.ErrPaused) {
		t.Fatalf("the writer itself is not paused: %v", err)
	}
	// The other process learns of it through its watch, without a read.
	waitfor.True(t, 500*time.Millisecond, "the other process did not see the pause", func() bool {
		return b.Until(ctx(t)).Equal(until)
	})
	var pe *ratelimit.PausedError
	if err := b.Check(ctx(t)); !errors.As(err, &pe) || pe.Remaining <= time.Second || pe.Remaining > 2*time.Second {
		t.Fatalf("Check = %v, want about 2s left", err)
	}
	if got := metricstest.Value(t, regA, "webexpipe_webex_pauses_total", nil); got != 1 {
		t.Errorf("pauses counted by the writer = %v, want 1", got)
	}
	if got := metricstest.Value(t, regB, "webexpipe_webex_paused_calls_total", nil); got != 1 {
		t.Errorf("held calls counted by the reader = %v, want 1", got)
	}
	waitfor.True(t, 3*time.Second, "the pause did not end", func() bool { return b.Check(ctx(t)) == nil })
}

func TestPausesOnlyGetLonger(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		first    time.Duration
		second   time.Duration
		maxPause time.Duration
		want     time.Duration // the pause in force after both, from the first write
	}{
		{name: "a shorter pause does not shorten", first: 3 * time.Second, second: time.Second, want: 3 * time.Second},
		{name: "a longer pause extends", first: time.Second, second: 3 * time.Second, want: 3 * time.Second},
		{name: "a huge pause is clamped", first: time.Second, second: 99999999 * time.Second, maxPause: 2 * time.Second, want: 2 * time.Second},
		{name: "a negative pause does nothing", first: time.Second, second: -time.Second, want: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			jsA, jsB := twoProcesses(t)
			a := openGate(t, jsA, ratelimit.Options{MaxPause: tt.maxPause})
			b := openGate(t, jsB, ratelimit.Options{MaxPause: tt.maxPause})
			start := time.Now()
			if _, err := a.Pause(ctx(t), tt.first, 429); err != nil {
				t.Fatal(err)
			}
			waitfor.True(t, time.Second, "the first pause did not arrive", func() bool { return !b.Until(ctx(t)).IsZero() })
			got, err := b.Pause(ctx(t), tt.second, 429)
			if err != nil {
				t.Fatal(err)
			}
			if d := got.Sub(start); d < tt.want-100*time.Millisecond || d > tt.want+200*time.Millisecond {
				t.Errorf("pause in force ends %s after the start, want about %s", d, tt.want)
			}
			waitfor.True(t, time.Second, "the first writer did not converge", func() bool { return a.Until(ctx(t)).Equal(got) })
		})
	}
}

// Many writers at once: the longest pause wins, whatever the order.
func TestConcurrentPausesKeepTheLongest(t *testing.T) {
	t.Parallel()
	jsA, jsB := twoProcesses(t)
	gates := []*ratelimit.Gate{openGate(t, jsA, ratelimit.Options{}), openGate(t, jsB, ratelimit.Options{})}
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := gates[i%2].Pause(ctx(t), time.Duration(i+1)*time.Second, 429); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	kv, err := jsA.KeyValue(ctx(t), events.RateLimitBucket)
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(ctx(t), ratelimit.Key(tokenKey))
	if err != nil {
		t.Fatal(err)
	}
	var stored struct{ Until time.Time }
	if err := json.Unmarshal(e.Value(), &stored); err != nil {
		t.Fatal(err)
	}
	if left := time.Until(stored.Until); left <= 9*time.Second || left > 10*time.Second {
		t.Errorf("stored pause ends in %s, want the longest, about 10s", left)
	}
	for _, g := range gates {
		waitfor.True(t, time.Second, "gates disagree", func() bool {
			left := time.Until(g.Until(ctx(t)))
			return left > 9*time.Second && left <= 10*time.Second
		})
	}
}

func TestGateWithoutItsWatchReadsTheBucket(t *testing.T) {
	t.Parallel()
	jsA, jsB := twoProcesses(t)
	a := openGate(t, jsA, ratelimit.Options{})
	b := openGate(t, jsB, ratelimit.Options{ReadEvery: 50 * time.Millisecond})
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Pause(ctx(t), 2*time.Second, 423); err != nil {
		t.Fatal(err)
	}
	waitfor.True(t, time.Second, "a closed gate did not read the pause", func() bool {
		return errors.Is(b.Check(ctx(t)), ratelimit.ErrPaused)
	})

	// An operator deleting the key ends the pause everywhere.
	kv, err := jsA.KeyValue(ctx(t), events.RateLimitBucket)
	if err != nil {
		t.Fatal(err)
	}
	if err := kv.Delete(ctx(t), ratelimit.Key(tokenKey)); err != nil {
		t.Fatal(err)
	}
	for name, g := range map[string]*ratelimit.Gate{"watching": a, "reading": b} {
		waitfor.True(t, time.Second, name+" gate still paused after the key was deleted", func() bool { return g.Check(ctx(t)) == nil })
	}
}

func TestOpenRefusesBadOptions(t *testing.T) {
	t.Parallel()
	_, _, js := localnats.StartProvisioned(t)
	for name, o := range map[string]ratelimit.Options{
		"max pause above the bucket TTL": {MaxPause: 2 * time.Hour},
		"negative max pause":             {MaxPause: -time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ratelimit.Open(ctx(t), js, tokenKey, o); err == nil {
				t.Error("accepted")
			}
		})
	}
	if _, err := ratelimit.Open(ctx(t), js, "", ratelimit.Options{}); err == nil {
		t.Error("empty token key accepted")
	}
}

// A pause stored by someone else is obeyed for at most MaxPause after it was
// stored, by a gate that watches and by one that reads, and a later 429
// replaces it instead of being swallowed by it.
func TestAStoredPauseIsCappedOnRead(t *testing.T) {
	t.Parallel()
	jsA, jsB := twoProcesses(t)
	const maxPause = 2 * time.Second
	watching := openGate(t, jsA, ratelimit.Options{MaxPause: maxPause})
	reading := openGate(t, jsB, ratelimit.Options{MaxPause: maxPause, ReadEvery: 50 * time.Millisecond})
	if err := reading.Close(); err != nil {
		t.Fatal(err)
	}
	kv, err := jsA.KeyValue(ctx(t), events.RateLimitBucket)
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	if _, err := kv.Put(ctx(t), ratelimit.Key(tokenKey), []byte(`{"until":"2099-01-01T00:00:00Z","status":429,"by":"someone"}`)); err != nil {
		t.Fatal(err)
	}
	for name, g := range map[string]*ratelimit.Gate{"watching": watching, "reading": reading} {
		waitfor.True(t, 5*time.Second, name+" gate did not see the stored pause", func() bool {
			return errors.Is(g.Check(ctx(t)), ratelimit.ErrPaused)
		})
		if until := g.Until(ctx(t)); until.After(time.Now().Add(maxPause)) {
			t.Errorf("%s gate obeys the pause until %s, more than %s from now", name, until.UTC(), maxPause)
		}
	}
	// Read again and again, the cap stays where it was: the pause ends.
	for name, g := range map[string]*ratelimit.Gate{"watching": watching, "reading": reading} {
		waitfor.True(t, 10*time.Second, name+" gate is still paused long after MaxPause", func() bool { return g.Check(ctx(t)) == nil })
	}
	// A new 429 is stored in place of the bogus value.
	until, err := watching.Pause(ctx(t), time.Second, 429)
	if err != nil {
		t.Fatal(err)
	}
	if until.Year() == 2099 || until.Before(before) {
		t.Fatalf("pause in force ends %s, want about a second from now", until.UTC())
	}
	e, err := kv.Get(ctx(t), ratelimit.Key(tokenKey))
	if err != nil {
		t.Fatal(err)
	}
	var stored struct{ Until time.Time }
	if err := json.Unmarshal(e.Value(), &stored); err != nil {
		t.Fatal(err)
	}
	if !stored.Until.Equal(until) {
		t.Errorf("stored pause ends %s, want the new one, %s", stored.Until.UTC(), until.UTC())
	}
}
