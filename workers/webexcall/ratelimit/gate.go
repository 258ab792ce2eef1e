package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
)

// Defaults applied by Open.
const (
	// DefaultMaxPause caps one pause. Retry-After is parsed defensively
	// (garbage reads as 15 s, huge values as an hour); a cap well below an
	// hour keeps a bad header from stopping a bot for long, at the cost of
	// one more 429 if Webex really meant it.
	DefaultMaxPause = 5 * time.Minute
	// DefaultReadEvery is how long a value read from the bucket is trusted
	// while the watch is not running (for example during a reconnect).
	DefaultReadEvery = time.Second
)

// maxPauseLimit is the longest pause a Gate accepts as MaxPause: the
// bucket's TTL, after which a stored pause would vanish anyway.
const maxPauseLimit = time.Hour

// Options configure a Gate.
type Options struct {
	// Worker is the worker type using the gate; it labels metrics and is
	// recorded with the pauses it writes.
	Worker string
	// Bot is the bot whose token the gate pauses; it labels metrics. ""
	// means events.DefaultBot.
	Bot string
	// MaxPause caps a pause, the ones this gate writes and the ones it
	// reads: a stored pause is obeyed for at most MaxPause after the server
	// stored it, whatever end it names. Zero means DefaultMaxPause, at most
	// one hour.
	MaxPause time.Duration
	// ReadEvery bounds how stale the pause may be when the watch is down;
	// zero means DefaultReadEvery.
	ReadEvery time.Duration
	// Logger receives a line per pause; nil discards.
	Logger *slog.Logger
	// Metrics is where the gate registers its metrics; nil keeps them in a
	// private registry. Several gates may share one registerer.
	Metrics prometheus.Registerer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Gate is the pause of one bot token as this process sees it. It is safe for
// concurrent use. Create it with Open; its watch runs until Close or until
// the NATS connection closes.
type Gate struct {
	kv        jetstream.KeyValue
	key       string
	worker    string
	maxPause  time.Duration
	readEvery time.Duration
	now       func() time.Time
	log       *slog.Logger
	m         *metrics

	mu     sync.Mutex // guards until and readAt
	until  time.Time  // the latest pause-until known
	readAt time.Time  // when until was last read without the watch

	watching  atomic.Bool // the watch delivers updates
	watcher   jetstream.KeyWatcher
	watchDone chan struct{} // closed when the watch loop ends
	closeOnce sync.Once
}

// Open returns the gate of the token identified by tokenKey (see
// webex.Client.TokenKey) and starts watching its key in the
// events.RateLimitBucket bucket. ctx bounds only the setup.
func Open(ctx context.Context, js jetstream.JetStream, tokenKey string, o Options) (*Gate, error) {
	if tokenKey == "" {
		return nil, errors.New("ratelimit: token key is required")
	}
	if o.MaxPause == 0 {
		o.MaxPause = DefaultMaxPause
	}
	if o.MaxPause < 0 || o.MaxPause > maxPauseLimit {
		return nil, fmt.Errorf("ratelimit: max pause %s: want more than 0 and at most %s", o.MaxPause, maxPauseLimit)
	}
	if o.ReadEvery <= 0 {
		o.ReadEvery = DefaultReadEvery
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(o.Metrics, o.Worker, events.BotOrDefault(o.Bot))
	if err != nil {
		return nil, err
	}
	kv, err := js.KeyValue(ctx, events.RateLimitBucket)
	if err != nil {
		return nil, fmt.Errorf("ratelimit: open bucket %s: %w", events.RateLimitBucket, err)
	}
	g := &Gate{
		kv: kv, key: Key(tokenKey), worker: o.Worker,
		maxPause: o.MaxPause, readEvery: o.ReadEvery, now: o.Now,
		log: o.Logger, m: m, watchDone: make(chan struct{}),
	}
	// The watch outlives ctx: its consumer is re-created with this context
	// after a reconnect, so it must not be one that ends.
	w, err := kv.Watch(context.WithoutCancel(ctx), g.key)
	if err != nil {
		return nil, fmt.Errorf("ratelimit: watch %s: %w", g.key, err)
	}
	if err := g.initial(ctx, w); err != nil {
		_ = w.Stop()
		return nil, err
	}
	g.watcher = w
	g.watching.Store(true)
	go g.watch(w)
	return g, nil
}

// initial applies the key's current value, up to the watch's end-of-initial
// marker (a nil entry).
func (g *Gate) initial(ctx context.Context, w jetstream.KeyWatcher) error {
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return fmt.Errorf("ratelimit: watch %s ended before its first value", g.key)
			}
			if e == nil {
				return nil
			}
			g.apply(e)
		case <-ctx.Done():
			return fmt.Errorf("ratelimit: watch %s: %w", g.key, ctx.Err())
		}
	}
}

// watch applies every change of the key until the watch ends (Close, or
// the connection closed); from then on Until reads the bucket itself.
func (g *Gate) watch(w jetstream.KeyWatcher) {
	defer close(g.watchDone)
	defer g.watching.Store(false)
	for e := range w.Updates() {
		if e != nil {
			g.apply(e)
		}
	}
}

// apply takes in one value of the key. A deleted key ends the pause (an
// operator cleared it); a stored pause can only raise the known one, so an
// older value arriving late cannot shorten a pause this process just wrote.
func (g *Gate) apply(e jetstream.KeyValueEntry) {
	if e.Operation() != jetstream.KeyValuePut {
		g.mu.Lock()
		g.until = time.Time{}
		g.mu.Unlock()
		return
	}
	p, err := decodePause(e.Value())
	if err != nil {
		g.log.Warn("unreadable rate-limit pause ignored", "key", g.key, "error", err)
		return
	}
	g.raise(g.bound(p, e.Created()))
}

// bound is the end of a stored pause as this gate obeys it: at most
// MaxPause after the server stored it. Any process with write access to
// the bucket can store any time (an older release, a bug, an operator's
// typo); without the bound a pause "until 2099" would stop every worker
// of the token for as long as the value stays. The server's timestamp is
// the anchor rather than this process's clock, so that reading the same
// value again (after a reconnect, or every ReadEvery without the watch)
// gives the same end instead of pushing it further away.
func (g *Gate) bound(p pause, stored time.Time) time.Time {
	limit := stored.Add(g.maxPause)
	if p.Until.After(limit) {
		g.log.Warn("stored rate-limit pause longer than the maximum; capped",
			"key", g.key, "stored_until", p.Until.UTC().Format(time.RFC3339), "capped_until", limit.UTC().Format(time.RFC3339Nano), "max_pause", g.maxPause)
		return limit
	}
	return p.Until
}

// raise extends the known pause to until if that is later.
func (g *Gate) raise(until time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if until.After(g.until) {
		g.until = until
	}
}

// Close stops the watch and waits for it to end. It is safe to call more
// than once.
func (g *Gate) Close() error {
	var err error
	g.closeOnce.Do(func() {
		err = g.watcher.Stop()
		<-g.watchDone
	})
	return err
}

// Until returns the end of the token's pause (in the past or zero when not
// paused). While the watch runs it costs no call to the server; otherwise
// the bucket is read at most every ReadEvery.
func (g *Gate) Until(ctx context.Context) time.Time {
	if !g.watching.Load() {
		g.refresh(ctx)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.until
}

// refresh reads the key when the last read is older than readEvery. A read
// that fails keeps the known value: better to risk one 429 than to stop.
func (g *Gate) refresh(ctx context.Context) {
	now := g.now()
	g.mu.Lock()
	fresh := now.Sub(g.readAt) < g.readEvery
	if !fresh {
		g.readAt = now
	}
	g.mu.Unlock()
	if fresh {
		return
	}
	e, err := g.kv.Get(ctx, g.key)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		g.mu.Lock()
		g.until = time.Time{}
		g.mu.Unlock()
	case err != nil:
		g.log.Debug("rate-limit pause not read", "key", g.key, "error", err)
	default:
		g.apply(e)
	}
}

// Check returns nil when a call may be sent now, or a *PausedError saying
// how long to wait. It never sleeps.
func (g *Gate) Check(ctx context.Context) error {
	until := g.Until(ctx)
	now := g.now()
	if !now.Before(until) {
		return nil
	}
	left := until.Sub(now)
	g.m.held.Inc()
	g.m.heldSeconds.Add(left.Seconds())
	return &PausedError{Until: until, Remaining: left}
}
