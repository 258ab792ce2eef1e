package workers

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// fetchWait bounds one pull request. The request is deliberately not tied
// to the run's context: cancelling a pull request drops the messages the
// server has already sent for it, and those then sit unacknowledged until
// their AckWait runs out (30 s by default), delaying them at every
// shutdown. The last request is left to expire instead, at most fetchWait
// after shutdown began, and what it brings is given back (see giveBack).
const fetchWait = time.Second

// pullFrom fetches messages from f until ctx is cancelled and passes each
// to start together with the function that frees its slot. It fetches only
// as many messages as f has free slots.
//
// It does not wait for one pull request to be complete before sending the
// next: another request goes out while earlier ones may still be waiting
// for their messages, so the round trip does not set the pace. While one is
// open, the next waits until f.batch slots are free, so that a busy worker
// sends a few larger requests rather than one per freed slot. Each request
// holds the slots of the messages it asked for.
func (r *Runner) pullFrom(ctx context.Context, f *feed, start func(msg jetstream.Msg, done func())) {
	cons := f.cons
	opts := append([]jetstream.FetchOpt{jetstream.FetchMaxWait(fetchWait)}, f.opts...)
	pause := &backoff.ExponentialBackOff{
		InitialInterval: 100 * time.Millisecond, RandomizationFactor: 0.2, Multiplier: 2,
		MaxInterval: 5 * time.Second, Stop: backoff.Stop, Clock: backoff.SystemClock,
	}
	pause.Reset()
	var (
		batches sync.WaitGroup
		ended   batchResults
		open    atomic.Int32 // pull requests not yet complete
	)
	defer batches.Wait()
	for {
		if !r.holdOff(ctx) {
			return
		}
		want := 1
		if open.Load() > 0 {
			want = f.batch
		}
		n, err := f.slots.acquire(ctx, want)
		if err != nil {
			return
		}
		if n > maxBatch {
			f.slots.release(n - maxBatch)
			n = maxBatch
		}
		// How the requests that ended meanwhile went decides whether to
		// pause and whether the consumer must be set up again.
		if gone, failed := r.review(ended.take(), pause); failed != nil {
			what := "fetch failed"
			if gone {
				cons, what = nil, "consumer gone" // set up again on the next round
			}
			f.slots.release(n)
			r.pauseAfter(ctx, pause, what, failed)
			continue
		}
		if cons == nil {
			if cons, err = r.ensure(ctx, f.spec); err != nil {
				f.slots.release(n)
				r.pauseAfter(ctx, pause, "consumer setup failed", err)
				continue
			}
		}
		batch, err := cons.Fetch(n, opts...)
		if err != nil {
			f.slots.release(n)
			r.pauseAfter(ctx, pause, "fetch failed", err)
			continue
		}
		open.Add(1)
		batches.Go(func() {
			got := 0
			for msg := range batch.Messages() {
				got++
				if ctx.Err() != nil {
					// Shutdown began after the fetch: give the message
					// back rather than start work now.
					r.giveBack(msg)
					f.slots.release(1)
					continue
				}
				start(msg, func() { f.slots.release(1) })
			}
			// Recorded before the unused slots are freed, so the loop,
			// woken by them, sees how this request ended.
			ended.add(batch.Error())
			open.Add(-1)
			f.slots.release(n - got)
		})
	}
}

// review reads how finished pull requests ended. It reports the error to
// pause after, if any, and whether the consumer is gone and must be set up
// again. Several requests failing together (a server restart fails every
// open one) make one pause, not one each.
func (r *Runner) review(results []error, pause backoff.BackOff) (gone bool, failed error) {
	for _, err := range results {
		switch {
		case err == nil:
			pause.Reset()
		case errors.Is(err, jetstream.ErrPinIDMismatch):
			// Ordered mode: the partition was given to another replica
			// while this one did not pull. The client forgot the old pin;
			// the next request waits its turn.
			pause.Reset()
			r.log.Debug("partition moved to another replica", "error", err)
		case errors.Is(err, jetstream.ErrConsumerDeleted), errors.Is(err, nats.ErrNoResponders):
			gone, failed = true, err
		default:
			if failed == nil {
				failed = err
			}
		}
	}
	return gone, failed
}

// batchResults collects how pull requests ended, for the pull loop to
// review before its next request.
type batchResults struct {
	mu   sync.Mutex
	errs []error
}

func (b *batchResults) add(err error) {
	b.mu.Lock()
	b.errs = append(b.errs, err)
	b.mu.Unlock()
}

func (b *batchResults) take() []error {
	b.mu.Lock()
	defer b.mu.Unlock()
	errs := b.errs
	b.errs = nil
	return errs
}

// giveBack returns a message that arrived after shutdown began. It is
// delayed by fetchWait so that it does not come straight back into this
// runner's last pull request, still open, but goes to another replica or
// the next run.
func (r *Runner) giveBack(msg jetstream.Msg) {
	if err := msg.NakWithDelay(fetchWait); err != nil {
		r.log.Debug("returning unstarted message failed", "subject", msg.Subject(), "error", err)
	}
}

// pauseAfter logs a pull error and waits before the next attempt, or until
// ctx is cancelled.
func (r *Runner) pauseAfter(ctx context.Context, pause backoff.BackOff, msg string, err error) {
	if ctx.Err() != nil {
		return
	}
	d := pause.NextBackOff()
	r.log.Warn(msg, "error", err, "retry_in", d)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// holdOff waits while Config.Hold says to fetch nothing, or until ctx ends;
// it reports whether the runner should go on. This is flow control in the
// pull loop, not a handler sleeping: nothing is in flight for it.
func (r *Runner) holdOff(ctx context.Context) bool {
	if r.cfg.Hold == nil {
		return ctx.Err() == nil
	}
	for {
		d := time.Until(r.cfg.Hold(ctx))
		if d <= 0 {
			return ctx.Err() == nil
		}
		r.log.Debug("fetching held", "for", d)
		t := time.NewTimer(min(d, fetchWait))
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
	}
}
