package backlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
)

// Defaults of Options.
const (
	// DefaultTimeout bounds one reading, so a slow or absent NATS holds a
	// scrape up for at most this long.
	DefaultTimeout = 2 * time.Second
	// DefaultMaxAge is how long a reading is reused by later scrapes.
	DefaultMaxAge = 5 * time.Second
)

// Options tune a Collector; the zero value uses the defaults.
type Options struct {
	Timeout time.Duration
	MaxAge  time.Duration
	// Logger gets a warning when readings start failing and a note when
	// they work again; nil discards them.
	Logger *slog.Logger
	// Now is the clock ages are measured with; nil means time.Now.
	Now func() time.Time
}

var (
	pendingDesc = prometheus.NewDesc("webexpipe_worker_backlog_pending",
		"Events the worker type's consumers have not delivered yet (all its consumers together, on every events shard), by bot.", []string{"worker", "bot"}, nil)
	ackPendingDesc = prometheus.NewDesc("webexpipe_worker_backlog_ack_pending",
		"Events delivered to the worker type and not acknowledged yet: being handled, or waiting for a redelivery.", []string{"worker", "bot"}, nil)
	oldestDesc = prometheus.NewDesc("webexpipe_worker_backlog_oldest_age_seconds",
		"How long ago the oldest event the worker type has not handled yet was stored; 0 when it has handled everything.", []string{"worker", "bot"}, nil)
	deadLettersDesc = prometheus.NewDesc("webexpipe_worker_dead_letters",
		"Messages in the dead-letter queue for the worker type (webex.dlq.<worker>).", []string{"worker"}, nil)
	readErrorsDesc = prometheus.NewDesc("webexpipe_worker_backlog_read_errors_total",
		"Readings of the backlog or the dead letters that failed; their series are left out until a reading works.", []string{"worker", "bot"}, nil)
)

// Collector exports the backlog of one worker type (see the package doc).
// It is an unchecked collector: several, for different worker types, may
// be registered on one registry. Safe for concurrent use.
type Collector struct {
	js  jetstream.JetStream
	src Source
	o   Options

	mu      sync.Mutex // guards the fields below; held during a reading, so scrapes at once read once
	last    reading
	readAt  time.Time
	errors  uint64
	failing bool
	streams map[string]jetstream.Stream // handles, looked up once
}

// reading is what one pass found; a part that could not be read is not
// valid and its series are left out.
type reading struct {
	pending, ackPending uint64
	oldest              time.Duration
	backlogOK, ageOK    bool
	deadLetters         uint64
	deadLettersOK       bool
}

// NewCollector returns the Collector of src.
func NewCollector(js jetstream.JetStream, src Source, o Options) *Collector {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxAge <= 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Collector{js: js, src: src, o: o, streams: map[string]jetstream.Stream{}}
}

// Describe sends nothing: the collector is unchecked, so that the
// collectors of several worker types share a registry.
func (c *Collector) Describe(chan<- *prometheus.Desc) {}

// Collect reads the backlog, or reuses a reading younger than MaxAge.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	now := c.o.Now()
	// A clock set back counts as stale too.
	if since := now.Sub(c.readAt); c.readAt.IsZero() || since < 0 || since >= c.o.MaxAge {
		ctx, cancel := context.WithTimeout(context.Background(), c.o.Timeout)
		c.last = c.read(ctx)
		cancel()
		c.readAt = now
	}
	r, errs := c.last, c.errors
	c.mu.Unlock()

	w, b := c.src.Worker, events.BotOrDefault(c.src.Bot)
	if r.backlogOK {
		ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(r.pending), w, b)
		ch <- prometheus.MustNewConstMetric(ackPendingDesc, prometheus.GaugeValue, float64(r.ackPending), w, b)
	}
	if r.ageOK {
		ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, r.oldest.Seconds(), w, b)
	}
	if r.deadLettersOK {
		ch <- prometheus.MustNewConstMetric(deadLettersDesc, prometheus.GaugeValue, float64(r.deadLetters), w)
	}
	ch <- prometheus.MustNewConstMetric(readErrorsDesc, prometheus.CounterValue, float64(errs), w, b)
}

// read takes one reading; c.mu is held.
func (c *Collector) read(ctx context.Context) reading {
	var r reading
	err := c.readBacklog(ctx, &r)
	if !c.src.SkipDeadLetters {
		// Another collector of the worker type reads them.
		err = errors.Join(err, c.readDeadLetters(ctx, &r))
	}
	switch {
	case err != nil:
		c.errors++
		if !c.failing {
			c.o.Logger.Warn("cannot read the worker's backlog for /metrics; its series are left out until it can", "worker", c.src.Worker, "err", err)
		}
		c.failing = true
	case c.failing:
		c.o.Logger.Info("the worker's backlog can be read again", "worker", c.src.Worker)
		c.failing = false
	}
	return r
}

// readBacklog sums the consumers' counts over every shard and partition
// and finds the oldest event not yet handled, the oldest over all of
// them. A consumer that does not exist yet (ordered mode before a
// partition was first taken) counts as empty.
func (c *Collector) readBacklog(ctx context.Context, r *reading) error {
	var oldest time.Time
	for _, sc := range c.src.Consumers {
		name := sc.Name
		if len(c.src.Consumers) > 1 {
			name = sc.Stream + "/" + sc.Name // the shared consumers of the shards share a name
		}
		cons, err := c.js.Consumer(ctx, sc.Stream, sc.Name)
		if errors.Is(err, jetstream.ErrConsumerNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("consumer %s: %w", name, err)
		}
		info := cons.CachedInfo()
		r.pending += info.NumPending
		r.ackPending += uint64(info.NumAckPending)
		if info.NumPending == 0 && info.NumAckPending == 0 {
			continue
		}
		t, ok, err := c.firstUnacked(ctx, sc.Stream, info)
		if err != nil {
			return fmt.Errorf("consumer %s: oldest event not handled: %w", name, err)
		}
		if ok && (oldest.IsZero() || t.Before(oldest)) {
			oldest = t
		}
	}
	r.backlogOK, r.ageOK = true, true
	if !oldest.IsZero() {
		r.oldest = max(c.o.Now().Sub(oldest), 0)
	}
	return nil
}

// firstUnacked is FirstUnhandled on the consumer's stream.
func (c *Collector) firstUnacked(ctx context.Context, streamName string, info *jetstream.ConsumerInfo) (t time.Time, ok bool, err error) {
	stream, err := c.stream(ctx, streamName)
	if err != nil {
		return time.Time{}, false, err
	}
	return FirstUnhandled(ctx, stream, info)
}

// FirstUnhandled is the stored time of the oldest event a consumer has not
// finished with: the first message after its ack floor that one of its
// filters selects (everything at or below the floor is done). ok is false
// when there is none (it expired, or the counts moved on meanwhile).
func FirstUnhandled(ctx context.Context, stream jetstream.Stream, info *jetstream.ConsumerInfo) (t time.Time, ok bool, err error) {
	filters := info.Config.FilterSubjects
	if info.Config.FilterSubject != "" {
		filters = append(filters, info.Config.FilterSubject)
	}
	if len(filters) == 0 {
		filters = []string{">"}
	}
	from := info.AckFloor.Stream + 1
	for _, f := range filters {
		msg, err := stream.GetMsg(ctx, from, jetstream.WithGetMsgSubject(f))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return time.Time{}, false, err
		}
		if !ok || msg.Time.Before(t) {
			t, ok = msg.Time, true
		}
	}
	return t, ok, nil
}

// readDeadLetters counts the worker type's messages in WEBEX_DLQ.
func (c *Collector) readDeadLetters(ctx context.Context, r *reading) error {
	stream, err := c.stream(ctx, events.DLQStream)
	if err != nil {
		return fmt.Errorf("dead letters: %w", err)
	}
	subject := events.DLQSubject(c.src.Worker)
	info, err := stream.Info(ctx, jetstream.WithSubjectFilter(subject))
	if err != nil {
		return fmt.Errorf("dead letters: %w", err)
	}
	r.deadLetters, r.deadLettersOK = info.State.Subjects[subject], true
	return nil
}

// stream is a handle on name, looked up on first use.
func (c *Collector) stream(ctx context.Context, name string) (jetstream.Stream, error) {
	if s, ok := c.streams[name]; ok {
		return s, nil
	}
	s, err := c.js.Stream(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", name, err)
	}
	c.streams[name] = s
	return s, nil
}
