package pipelinetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webexcall"
	"github.com/webexpipe/webexpipe/workers/webexcall/ratelimit"
)

// WorkerType is what the conformance suite needs to know of a worker type
// that consumes webhook events.
type WorkerType struct {
	// Name and Events are the worker type's (its consumer and what it
	// takes); Events are also registered as the emulator's webhooks.
	Name   string
	Events []events.ResourceEvent
	// New builds the handler. api is a Webex caller of the bot with the
	// shared pause (no outbox: a failed write is retried in place), the
	// one a worker binary gives its handler.
	New func(p *Pipeline, api *webexcall.Client) (workers.Handler, error)
	// Act has a user do what the worker type answers with a side effect
	// (a reply, a log line); effects counts the side effects of that act
	// so far.
	Act func(p *Pipeline) (effects func() int)
	// Own has the bot itself cause one of the worker type's events; nil
	// when the bot cannot (memberships).
	Own func(p *Pipeline) (effects func() int)
	// CallsWebex says whether handling an act fetches a message (GET
	// /messages/{id}): the pause check answers that call 429.
	CallsWebex bool
	// RepeatsOnCrash names why a side effect made just before a crash may
	// be repeated by the redelivery (for instance: it is a log line and
	// nothing outside the process sees it); "" means it must not be.
	RepeatsOnCrash string
}

// Conformance checks that a worker type keeps the pipeline's promises
// when it runs on the runtime behind ingest, JetStream and the emulator:
//
//   - an act gets exactly one side effect;
//   - the bot's own events get none (the loop guard);
//   - an event redelivered after its side effect, as after a crash before
//     the ack, gets no second one;
//   - a replayed copy of a handled event is skipped, unless forced;
//   - while Webex's 429 pause lasts the worker fetches nothing, so an
//     event stored meanwhile is handled after the pause on its first
//     delivery;
//   - with the events split over three shards, in the shared and in
//     ordered mode, an act still gets exactly one side effect, its event
//     read from the shard stream its partition belongs to.
func Conformance(t *testing.T, wt WorkerType) {
	for _, mode := range []struct {
		name    string
		ordered bool
	}{{"three shards, shared", false}, {"three shards, ordered", true}} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			c := startConformanceWith(t, wt, nil, conformanceSetup{shards: 3, ordered: mode.ordered})
			effects := wt.Act(c.p)
			waitEffects(t, effects, 1)
			c.p.Settle(0)
			if n := effects(); n != 1 {
				t.Errorf("%d side effects, want 1", n)
			}
			c.mu.Lock()
			defer c.mu.Unlock()
			if len(c.streams) == 0 {
				t.Fatal("no event handled")
			}
			for subject, stream := range c.streams {
				if want, _ := c.p.Sharding.StreamOfSubject(subject); stream != want {
					t.Errorf("event on %s read from %s, want %s", subject, stream, want)
				}
			}
		})
	}
	t.Run("one act, one effect", func(t *testing.T) {
		t.Parallel()
		c := startConformance(t, wt, nil)
		effects := wt.Act(c.p)
		waitEffects(t, effects, 1)
		c.p.Settle(0)
		if n := effects(); n != 1 {
			t.Errorf("%d side effects, want 1", n)
		}
	})
	t.Run("own events ignored", func(t *testing.T) {
		if wt.Own == nil {
			t.Skip("the bot cannot cause this worker type's events")
		}
		t.Parallel()
		c := startConformance(t, wt, nil)
		effects := wt.Own(c.p)
		waitfor.True(t, 20*time.Second, "the bot's own event handled", func() bool { return c.handled() >= 1 })
		c.p.Settle(0)
		if n := effects(); n != 0 {
			t.Errorf("%d side effects for the bot's own event, want 0", n)
		}
	})
	t.Run("redelivery after a crash repeats nothing", func(t *testing.T) {
		if wt.RepeatsOnCrash != "" {
			t.Skip(wt.RepeatsOnCrash)
		}
		t.Parallel()
		// The first delivery does its side effect and then fails as if the
		// process died before it could ack or write its marker.
		crash := func(first bool) error {
			if first {
				return errors.New("conformance: the process died after the side effect")
			}
			return nil
		}
		c := startConformance(t, wt, crash)
		effects := wt.Act(c.p)
		waitfor.True(t, 30*time.Second, "the event delivered again", func() bool { return c.maxDelivered() >= 2 })
		c.p.Settle(0)
		if n := effects(); n != 1 {
			t.Errorf("%d side effects after a redelivery, want 1", n)
		}
	})
	t.Run("replay skipped unless forced", func(t *testing.T) {
		t.Parallel()
		c := startConformance(t, wt, nil)
		effects := wt.Act(c.p)
		waitEffects(t, effects, 1)
		c.p.Settle(0)
		c.replay(false)
		c.p.Settle(0)
		if n := effects(); n != 1 {
			t.Fatalf("%d side effects after an unforced replay, want 1", n)
		}
		c.replay(true)
		waitEffects(t, effects, 2)
	})
	t.Run("a 429 pauses fetching", func(t *testing.T) {
		if !wt.CallsWebex {
			t.Skip("the worker type calls no Webex API")
		}
		t.Parallel()
		c := startConformance(t, wt, nil)
		// The fetch of what the event announced is answered 429: the
		// handler's first Webex call after the bot's identity, and one no
		// Act makes while setting up.
		c.p.Sim.InjectFault(emulator.Fault{Method: "GET", Path: "/messages/", Status: 429, RetryAfter: "3", Times: 1})
		first := wt.Act(c.p)
		waitfor.True(t, 20*time.Second, "the pause started", func() bool {
			return c.api.PausedUntil(context.Background()).After(time.Now().Add(time.Second))
		})
		until := c.api.PausedUntil(context.Background())
		second := wt.Act(c.p)
		waitEffects(t, first, 1)
		waitEffects(t, second, 1)
		c.p.Settle(0)
		// Nothing reached Webex while the pause lasted, and nothing was
		// given up on. (An event stored during the pause may still be
		// delivered once to a pull request sent before it began; its
		// handler then waits without calling Webex.)
		for _, call := range c.p.Sim.Calls() {
			if call.Status != 429 && call.At.After(until.Add(-2*time.Second)) && call.At.Before(until.Add(-100*time.Millisecond)) {
				t.Errorf("%s %s reached Webex at %s, during the pause that ended at %s", call.Method, call.Path, call.At.Format(time.StampMilli), until.Format(time.StampMilli))
			}
		}
		if n := c.p.DLQCount(); n != 0 {
			t.Errorf("%d dead letters, want none", n)
		}
		if n := first(); n != 1 {
			t.Errorf("%d side effects for the event that met the 429, want 1", n)
		}
	})
}

// conformance is one subtest's pipeline and worker.
type conformance struct {
	t   *testing.T
	wt  WorkerType
	p   *Pipeline
	api *webexcall.Client

	mu      sync.Mutex
	seen    map[uint64]uint64 // stream sequence → highest delivery handled
	streams map[string]string // subject → the stream its event was read from
	last    *workers.Event    // the last original (not replayed) event handled with success
}

// conformanceSetup is how a subtest's pipeline and worker differ from the
// defaults.
type conformanceSetup struct {
	shards  int
	ordered bool
}

// startConformance starts a pipeline and the worker; after, when not nil,
// replaces the handler's result (first: the event's first delivery).
func startConformance(t *testing.T, wt WorkerType, after func(first bool) error) *conformance {
	t.Helper()
	return startConformanceWith(t, wt, after, conformanceSetup{})
}

func startConformanceWith(t *testing.T, wt WorkerType, after func(first bool) error, setup conformanceSetup) *conformance {
	t.Helper()
	p := Start(t, Options{Webhooks: wt.Events, Shards: setup.shards})
	c := &conformance{t: t, wt: wt, p: p, seen: map[uint64]uint64{}, streams: map[string]string{}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	gate, err := ratelimit.Open(ctx, p.JS, p.Client.TokenKey(), ratelimit.Options{Worker: wt.Name, Logger: Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gate.Close() })
	if c.api, err = webexcall.New(p.Client, webexcall.Options{Worker: wt.Name, Gate: gate, Logger: Logger(t)}); err != nil {
		t.Fatal(err)
	}
	h, err := wt.New(p, c.api)
	if err != nil {
		t.Fatal(err)
	}
	cfg := p.WorkerConfig(wt.Name, wt.Events)
	cfg.Hold = c.api.PausedUntil
	cfg.Ordered = setup.ordered
	p.StartWorker(cfg, workers.HandlerFunc(func(ctx context.Context, ev *workers.Event) error {
		c.mu.Lock()
		c.seen[ev.StreamSeq] = max(c.seen[ev.StreamSeq], ev.Delivered)
		c.streams[ev.Subject] = ev.Stream
		c.mu.Unlock()
		err := h.Handle(ctx, ev)
		if err == nil && !ev.Replay {
			c.mu.Lock()
			c.last = ev
			c.mu.Unlock()
		}
		if after != nil && err == nil {
			return after(ev.Delivered == 1)
		}
		return err
	}))
	return c
}

func (c *conformance) handled() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

func (c *conformance) maxDelivered() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var m uint64
	for _, n := range c.seen {
		m = max(m, n)
	}
	return m
}

// replay stores a copy of the last handled event on the worker type's
// replay subject, as `webexpipe replay` does.
func (c *conformance) replay(force bool) {
	c.t.Helper()
	c.mu.Lock()
	ev := c.last
	c.mu.Unlock()
	if ev == nil {
		c.t.Fatal("no event handled yet to replay")
	}
	resource, event, partition, ok := events.SubjectTokens(ev.Subject)
	if !ok {
		c.t.Fatalf("%q is not an event subject", ev.Subject)
	}
	msg := events.CopyEvent(events.ReplaySubject(c.wt.Name, resource, event, partition), ev.Raw, ev.Header,
		events.Provenance{OrigSeq: ev.StreamSeq, DedupKey: ev.DedupKey})
	if force {
		msg.Header.Set(events.HeaderReplayForce, "true")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stream, _ := c.p.Sharding.StreamOfSubject(msg.Subject)
	if _, err := c.p.JS.PublishMsg(ctx, msg, jetstream.WithExpectStream(stream)); err != nil {
		c.t.Fatal(err)
	}
}

func waitEffects(t *testing.T, effects func() int, n int) {
	t.Helper()
	waitfor.True(t, 30*time.Second, "the side effects", func() bool { return effects() >= n })
}
