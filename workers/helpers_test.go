package workers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/internal/metricstest"
	"github.com/webexpipe/webexpipe/internal/syncbuf"
	"github.com/webexpipe/webexpipe/internal/waitfor"
)

// testEnv is an embedded JetStream server with the webexpipe streams and
// buckets provisioned in memory.
type testEnv struct {
	js jetstream.JetStream
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	_, _, js := localnats.StartProvisioned(t)
	return &testEnv{js: js}
}

// testCtx bounds one server call in a test.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// testConfig is a fast configuration: short backoff, three deliveries,
// events from the start of the stream.
func testConfig(t *testing.T, name string) (Config, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	cfg := DefaultConfig(name)
	cfg.Events = []events.ResourceEvent{{Resource: "messages", Event: "created"}}
	cfg.AckWait = 5 * time.Second
	cfg.MaxDeliver = 3
	cfg.Backoff = Backoff{Initial: 50 * time.Millisecond, Max: 400 * time.Millisecond, Multiplier: 2}
	cfg.HandlerTimeout = 10 * time.Second
	cfg.DrainTimeout = 5 * time.Second
	cfg.StartAt = StartAll
	cfg.Logger = testLogger(t)
	cfg.Metrics = reg
	return cfg, reg
}

// testLogger collects the runner's logs and prints them if the test fails.
func testLogger(t *testing.T) *slog.Logger {
	t.Helper()
	buf := &syncbuf.Buffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("runner log:\n%s", buf.String())
		}
	})
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// webhookBody is a messages/created delivery for message id.
func webhookBody(id string) []byte {
	return fmt.Appendf(nil, `{"id":"wh-1","name":"bot","resource":"messages","event":"created",`+
		`"actorId":"p-1","data":{"id":%q,"roomId":"room-1","personId":"p-1","roomType":"direct"}}`, id)
}

// publishEvent stores a messages/created event the way ingest does and
// returns its stream sequence and dedup key.
func (e *testEnv) publishEvent(t *testing.T, id string) (uint64, string) {
	t.Helper()
	body := webhookBody(id)
	env, err := events.Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	key := events.DedupKey(env, body)
	msg := nats.NewMsg(env.Subject(events.DefaultPartitions))
	msg.Data = body
	msg.Header.Set(events.HeaderMsgID, key)
	msg.Header.Set(events.HeaderWebhookID, env.ID)
	msg.Header.Set(events.HeaderResource, env.Resource)
	msg.Header.Set(events.HeaderEvent, env.Event)
	msg.Header.Set(events.HeaderReceivedAt, time.Now().UTC().Format(time.RFC3339Nano))
	msg.Header.Set(events.HeaderSignature, events.Sign([]byte("secret"), body))
	return e.publish(t, msg), key
}

// publish stores msg in the events stream and returns its sequence.
func (e *testEnv) publish(t *testing.T, msg *nats.Msg) uint64 {
	t.Helper()
	ack, err := e.js.PublishMsg(testCtx(t), msg)
	if err != nil {
		t.Fatalf("publish %s: %v", msg.Subject, err)
	}
	if ack.Duplicate {
		t.Fatalf("publish %s: dropped as a duplicate", msg.Subject)
	}
	return ack.Sequence
}

func (e *testEnv) consumerInfo(t *testing.T, name string) *jetstream.ConsumerInfo {
	t.Helper()
	cons, err := e.js.Consumer(testCtx(t), events.EventsStream, name)
	if err != nil {
		t.Fatalf("consumer %s: %v", name, err)
	}
	info, err := cons.Info(testCtx(t))
	if err != nil {
		t.Fatalf("consumer %s info: %v", name, err)
	}
	return info
}

// deadLetters returns the messages on the worker's DLQ subject.
func (e *testEnv) deadLetters(t *testing.T, name string) []*jetstream.RawStreamMsg {
	t.Helper()
	s, err := e.js.Stream(testCtx(t), events.DLQStream)
	if err != nil {
		t.Fatal(err)
	}
	var out []*jetstream.RawStreamMsg
	for seq := uint64(1); ; seq++ {
		m, err := s.GetMsg(testCtx(t), seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject == events.DLQSubject(name) {
			out = append(out, m)
		}
	}
}

// runningRunner is a Runner running in a goroutine owned by the test.
type runningRunner struct {
	cancel   context.CancelFunc
	finished chan struct{} // closed when Run returned
	err      error         // Run's result, set before finished closes
}

func startRunner(t *testing.T, js jetstream.JetStream, cfg Config, h Handler) *runningRunner {
	t.Helper()
	r, err := New(js, cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rr := &runningRunner{cancel: cancel, finished: make(chan struct{})}
	go func() {
		defer close(rr.finished)
		rr.err = r.Run(ctx)
	}()
	t.Cleanup(func() { rr.stop(t) })
	return rr
}

// stop cancels the runner and returns Run's result.
func (rr *runningRunner) stop(t *testing.T) error {
	t.Helper()
	rr.cancel()
	select {
	case <-rr.finished:
		return rr.err
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after cancellation")
		return nil
	}
}

// returned reports whether Run returned, and with what.
func (rr *runningRunner) returned() (bool, error) {
	select {
	case <-rr.finished:
		return true, rr.err
	default:
		return false, nil
	}
}

// eventually polls cond until it holds or the deadline passes; format and
// args say what was awaited.
func eventually(t *testing.T, within time.Duration, cond func() bool, format string, args ...any) {
	t.Helper()
	waitfor.True(t, within, fmt.Sprintf(format, args...), cond)
}

// handledCount reads webexpipe_worker_handled_total for worker and outcome.
func handledCount(t *testing.T, reg *prometheus.Registry, worker string, o outcome) float64 {
	t.Helper()
	return metricstest.Value(t, reg, "webexpipe_worker_handled_total", map[string]string{"worker": worker, "outcome": string(o)})
}

// call is one Handle call seen by a recorder.
type call struct {
	at        time.Time
	seq       uint64
	delivered uint64
	subject   string
	dedupKey  string
	replay    bool
	force     bool
	retried   bool
}

// recorder is a handler that records its calls and answers with fn.
type recorder struct {
	fn func(ctx context.Context, ev *Event, n int) error // n counts calls from 1

	mu    sync.Mutex // guards calls
	calls []call
}

func (r *recorder) Handle(ctx context.Context, ev *Event) error {
	r.mu.Lock()
	r.calls = append(r.calls, call{
		at: time.Now(), seq: ev.StreamSeq, delivered: ev.Delivered, subject: ev.Subject,
		dedupKey: ev.DedupKey, replay: ev.Replay, force: ev.Force, retried: ev.Retried(),
	})
	n := len(r.calls)
	r.mu.Unlock()
	if r.fn == nil {
		return nil
	}
	return r.fn(ctx, ev, n)
}

func (r *recorder) snapshot() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]call(nil), r.calls...)
}

func (r *recorder) count() int { return len(r.snapshot()) }
