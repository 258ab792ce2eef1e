package workers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// Runner runs one worker type: it consumes the worker's events and hands
// them to its Handler. Create it with New and start it with Run.
type Runner struct {
	js      jetstream.JetStream
	cfg     Config
	handler Handler
	log     *slog.Logger
	metrics *workerMetrics
	src     source

	running  atomic.Bool  // guards against two concurrent Runs
	inFlight atomic.Int64 // handlers running, for the drain report

	ready     chan struct{} // closed once the consumer exists
	readyOnce sync.Once
}

// New checks cfg, fills its defaults and registers the runner's metrics. It
// does not touch the server; Run does.
func New(js jetstream.JetStream, cfg Config, h Handler) (*Runner, error) {
	if js == nil {
		return nil, errors.New("workers: JetStream is required")
	}
	if h == nil {
		return nil, errors.New("workers: handler is required")
	}
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m, err := newMetrics(cfg.Metrics)
	if err != nil {
		return nil, err
	}
	return &Runner{
		js:      js,
		cfg:     cfg,
		handler: h,
		log:     runnerLogger(cfg),
		metrics: m.forWorker(cfg.Name, events.BotOrDefault(cfg.Bot)),
		src:     cfg.source(),
		ready:   make(chan struct{}),
	}, nil
}

// runnerLogger is cfg's logger with the worker type and, for any bot but
// the default one, the bot.
func runnerLogger(cfg Config) *slog.Logger {
	log := cfg.Logger.With("worker", cfg.Name)
	if bot := events.BotOrDefault(cfg.Bot); bot != events.DefaultBot {
		log = log.With("bot", bot)
	}
	return log
}

// Ready is closed once Run has created or updated the durable consumer.
// A consumer that starts at new events misses what is stored before it
// exists, so whoever starts the flow of events (dev mode registering its
// webhook, a test) waits for Ready first.
func (r *Runner) Ready() <-chan struct{} { return r.ready }

// Run creates or updates the worker's durable consumers, then handles
// events, at most Config.Concurrency at a time, until ctx is cancelled.
// The shared mode pulls from one consumer per events shard (one in all
// with the default single shard); ordered mode from one per partition,
// each with its events queued by room (see rooms). Every consumer draws on
// the same handlers. Everything else is the same path for both.
//
// Shutdown: when ctx is cancelled Run stops pulling; its last pull request
// ends within a second, and a message fetched but not yet started is given
// back for redelivery elsewhere. Handlers
// already running go on with a context that ctx's cancellation does not
// reach; Run waits up to DrainTimeout for them and settles each (ack, nak or
// dead letter). Run returns nil after a clean drain, or an error wrapping
// ErrDrainTimeout when it had to cancel handlers; an event whose handler is
// still stuck after that is redelivered once its AckWait runs out.
//
// Run returns an error at once when a consumer or the idempotency bucket
// cannot be set up (e.g. the stream was never provisioned). Errors while
// pulling are logged and retried. A Runner runs once at a time.
func (r *Runner) Run(ctx context.Context) error {
	if !r.running.CompareAndSwap(false, true) {
		return ErrAlreadyRunning
	}
	defer r.running.Store(false)

	specs := r.src.feeds(r.cfg)
	feeds := make([]*feed, len(specs))
	for i, spec := range specs {
		cons, err := r.ensure(ctx, spec)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		feeds[i] = r.newFeed(spec, cons)
	}
	h, err := r.chain(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	r.readyOnce.Do(func() { close(r.ready) })
	r.logStart()

	// work is the parent of every handler's context. It keeps ctx's values
	// but not its cancellation, so shutdown does not cut handlers short; it
	// is cancelled only when the drain times out.
	work, abort := context.WithCancel(context.WithoutCancel(ctx))
	defer abort()
	var handlers, loops sync.WaitGroup
	handlerSlots := handlerGate{own: newSlots(r.cfg.Concurrency)}
	if r.cfg.Handlers != nil {
		handlerSlots.pool = r.cfg.Handlers.s
	}
	for _, f := range feeds {
		if f.spec.partition >= 0 {
			f.rooms = newRooms(r, f, ctx, work, func(item *queued, finished func()) {
				handlers.Go(func() {
					defer finished()
					err := handlerSlots.take(ctx)
					item.stopAlive()
					if err != nil {
						// Shutdown before its turn: another replica or
						// the next run takes it.
						r.giveBack(item.ev.msg)
						return
					}
					defer handlerSlots.release()
					r.processEvent(ctx, work, h, item.ev)
				})
			})
		}
		loops.Go(func() {
			r.pullFrom(ctx, f, func(msg jetstream.Msg, done func()) {
				if f.rooms != nil {
					f.rooms.add(msg, done)
					return
				}
				handlers.Go(func() {
					defer done()
					ev, ok := r.receive(msg)
					if !ok {
						return
					}
					if !r.awaitHandler(ctx, work, handlerSlots, ev) {
						// Shutdown before its turn: another replica or
						// the next run takes it.
						r.giveBack(msg)
						return
					}
					defer handlerSlots.release()
					r.processEvent(ctx, work, h, ev)
				})
			})
		})
	}
	loops.Wait()
	for _, f := range feeds {
		if f.rooms != nil {
			f.rooms.close()
		}
	}
	r.releasePartitions(feeds)
	return r.drain(&handlers, abort)
}

// awaitHandler takes one of the handler slots for ev, which arrived on a
// shared consumer. With one consumer there is always one free: its window
// is no larger than the handlers, and a handler's slot is freed before its
// place in the window. With one consumer per shard, the shards' windows
// together may be larger, so an event that finds every handler busy waits
// for one, kept alive with InProgress as a queued event of ordered mode
// is. It reports false when the run stops first.
func (r *Runner) awaitHandler(stop, work context.Context, handlerSlots handlerGate, ev *Event) bool {
	if handlerSlots.tryTake() {
		return true
	}
	alive := keepAlive(work, ev, r.cfg.AckWait/3, r.log)
	defer alive()
	return handlerSlots.take(stop) == nil
}

// chain wraps the worker's handler with the runtime's middleware.
func (r *Runner) chain(ctx context.Context) (Handler, error) {
	mw := []Middleware{Tracing(r.cfg.TracerProvider, r.cfg.Name), Recover(r.log)}
	if r.cfg.Idempotent {
		kv, err := r.js.KeyValue(ctx, events.ProcessedBucket)
		if err != nil {
			return nil, fmt.Errorf("open idempotency bucket %s: %w", events.ProcessedBucket, err)
		}
		mw = append(mw, Idempotency(kv, r.cfg.Name, r.markerWriteFailed))
	}
	return Chain(r.handler, mw...), nil
}

func (r *Runner) markerWriteFailed(ev *Event, err error) {
	r.metrics.markerFailures.Inc()
	r.log.Warn("idempotency marker not written; a redelivery would repeat the handler",
		"subject", ev.Subject, "stream_seq", ev.StreamSeq, "dedup_key", ev.DedupKey, "error", err)
}

func (r *Runner) logStart() {
	c := r.cfg
	r.log.Info("worker started",
		"events", len(c.Events), "concurrency", c.Concurrency, "ack_wait", c.AckWait,
		"max_deliver", c.MaxDeliver, "max_ack_pending", c.MaxAckPending,
		"handler_timeout", c.HandlerTimeout, "drain_timeout", c.DrainTimeout,
		"backoff_initial", c.Backoff.Initial, "backoff_max", c.Backoff.Max,
		"start_at", c.StartAt.String(), "idempotent", c.Idempotent, "ordered", c.Ordered)
	if c.Input == nil && c.Shards > 1 {
		r.log.Info("events split over shards", "shards", c.Shards, "partitions", c.Partitions, "streams", c.Sharding().Streams())
		if !c.Ordered {
			r.log.Info("shared mode over shards: one consumer per shard", "shard_window", c.shardWindow())
		}
	}
	if c.Ordered {
		r.log.Info("ordered mode: one event per room at a time, rooms in parallel",
			"partitions", c.Partitions, "partition_window", c.partitionWindow(), "pin_timeout", c.PinTimeout)
	}
}
