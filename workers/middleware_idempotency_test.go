package workers

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

func TestRunnerIdempotency(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	const name = "idem"
	cfg, reg := testConfig(t, name)
	rec := &recorder{}
	seq, key := env.publishEvent(t, "m-1")
	startRunner(t, env.js, cfg, rec)
	waitOutcome := func(o outcome, n float64) {
		t.Helper()
		eventually(t, 10*time.Second, func() bool { return handledCount(t, reg, name, o) == n },
			"%s count did not reach %v", o, n)
	}
	waitOutcome(outcomeOK, 1)

	kv, err := env.js.KeyValue(testCtx(t), events.ProcessedBucket)
	if err != nil {
		t.Fatal(err)
	}
	entry, err := kv.Get(testCtx(t), events.MarkerKey(name, key))
	if err != nil {
		t.Fatalf("marker after success: %v", err)
	}
	var m events.Marker
	if err := json.Unmarshal(entry.Value(), &m); err != nil || m.StreamSeq != seq || m.At.IsZero() {
		t.Errorf("marker = %s (%v), want stream seq %d and a time", entry.Value(), err, seq)
	}

	replay := func(msgID string, force bool) {
		t.Helper()
		msg := nats.NewMsg(events.ReplaySubject(name, "messages", "created", 7))
		msg.Data = webhookBody("m-1")
		msg.Header.Set(events.HeaderMsgID, msgID)
		msg.Header.Set(events.HeaderDedupKey, key)
		msg.Header.Set(events.HeaderOrigSeq, "1")
		msg.Header.Set(events.HeaderReplayRun, strings.SplitN(msgID, ":", 2)[0])
		if force {
			msg.Header.Set(events.HeaderReplayForce, "true")
		}
		env.publish(t, msg)
	}

	// A replayed copy has its own Nats-Msg-Id but the original dedup key.
	replay("replay-1", false)
	waitOutcome(outcomeDuplicate, 1)
	if got := rec.count(); got != 1 {
		t.Fatalf("handler calls after a replay = %d, want 1", got)
	}

	// Forced, it runs again.
	replay("replay-2", true)
	waitOutcome(outcomeOK, 2)
	calls := rec.snapshot()
	if len(calls) != 2 {
		t.Fatalf("handler calls after a forced replay = %d, want 2", len(calls))
	}
	if c := calls[1]; !c.replay || !c.force || c.dedupKey != key {
		t.Errorf("forced replay seen as replay=%v force=%v key=%q, want true, true, %q", c.replay, c.force, c.dedupKey, key)
	}
	if c := calls[0]; c.replay || c.force || c.dedupKey != key {
		t.Errorf("original seen as replay=%v force=%v key=%q, want false, false, %q", c.replay, c.force, c.dedupKey, key)
	}
	if calls[1].retried {
		t.Error("the first forced copy of a run was marked retried")
	}

	// The same forced run stores its copy again (resumed after the
	// duplicate window): handled, but as a retry, so the handler looks for
	// what the first copy did before acting.
	replay("replay-2:again", true)
	waitOutcome(outcomeOK, 3)
	if calls := rec.snapshot(); len(calls) != 3 || !calls[2].retried {
		t.Fatalf("a second forced copy of one run: calls %+v, want a third call marked retried", calls)
	}
	// Another forced run is a new attempt.
	replay("replay-3", true)
	waitOutcome(outcomeOK, 4)
	if calls := rec.snapshot(); len(calls) != 4 || calls[3].retried {
		t.Fatalf("a forced copy of another run: calls %+v, want a fourth call not marked retried", calls)
	}
}

// TestIdempotencyMarksOnlySuccess checks that only a success or a deferral
// writes a marker, so an ignored, failed or retried event is handled again,
// and an event whose work was handed over is not.
func TestIdempotencyMarksOnlySuccess(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	kv, err := env.js.KeyValue(testCtx(t), events.ProcessedBucket)
	if err != nil {
		t.Fatal(err)
	}
	var result error // what the wrapped handler returns next
	calls := 0
	h := Chain(HandlerFunc(func(context.Context, *Event) error {
		calls++
		return result
	}), Idempotency(kv, "unit", func(_ *Event, err error) { t.Errorf("marker write failed: %v", err) }))
	ev := &Event{DedupKey: "messages:created:x", StreamSeq: 9}

	steps := []struct {
		name      string
		key       string // the event's dedup key when not the first one
		result    error
		wantErr   error // matched with errors.Is
		wantCalls int
	}{
		{name: "ignored", result: Ignore("not for me"), wantCalls: 1},
		{name: "permanent", result: Permanent(context.Canceled), wantErr: context.Canceled, wantCalls: 2},
		{name: "retryable", result: context.DeadlineExceeded, wantErr: context.DeadlineExceeded, wantCalls: 3},
		{name: "success", result: nil, wantCalls: 4},
		{name: "duplicate", result: nil, wantErr: ErrDuplicate, wantCalls: 4},
		{name: "forced", result: nil, wantCalls: 5},
		{name: "deferred on a new event", key: "messages:created:y", result: Deferred(context.Canceled), wantErr: context.Canceled, wantCalls: 6},
		{name: "duplicate after deferral", key: "messages:created:y", result: nil, wantErr: ErrDuplicate, wantCalls: 6},
	}
	for _, st := range steps {
		result = st.result
		ev.Force = st.name == "forced"
		if st.key != "" {
			ev.DedupKey = st.key
		}
		err := h.Handle(testCtx(t), ev)
		switch {
		case st.wantErr != nil && !errors.Is(err, st.wantErr):
			t.Errorf("%s: got %v, want %v", st.name, err, st.wantErr)
		case st.wantErr == nil && st.result == nil && err != nil:
			t.Errorf("%s: got %v, want nil", st.name, err)
		}
		if calls != st.wantCalls {
			t.Errorf("%s: handler calls = %d, want %d", st.name, calls, st.wantCalls)
		}
	}
}

// failingKV is a marker bucket whose reads or writes fail.
type failingKV struct {
	jetstream.KeyValue
	getErr, putErr error
}

func (f failingKV) Get(ctx context.Context, key string) (jetstream.KeyValueEntry, error) {
	if f.getErr != nil {
		return nil, f.getErr
	}
	return f.KeyValue.Get(ctx, key)
}

func (f failingKV) Put(ctx context.Context, key string, value []byte) (uint64, error) {
	if f.putErr != nil {
		return 0, f.putErr
	}
	return f.KeyValue.Put(ctx, key, value)
}

// TestIdempotencyWhenTheBucketFails checks the two failure rules: a marker
// that cannot be read means the event is retried without running the
// handler (it may have been handled); one that cannot be written is
// reported, and the event still counts as done (its side effect happened).
func TestIdempotencyWhenTheBucketFails(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	kv, err := env.js.KeyValue(testCtx(t), events.ProcessedBucket)
	if err != nil {
		t.Fatal(err)
	}
	errDown := errors.New("bucket unavailable")
	tests := []struct {
		name         string
		kv           jetstream.KeyValue
		wantCalls    int
		wantErr      bool
		wantReported bool
	}{
		{name: "unreadable marker", kv: failingKV{KeyValue: kv, getErr: errDown}, wantCalls: 0, wantErr: true},
		{name: "unwritable marker", kv: failingKV{KeyValue: kv, putErr: errDown}, wantCalls: 1, wantReported: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls, reported := 0, false
			h := Chain(HandlerFunc(func(context.Context, *Event) error { calls++; return nil }),
				Idempotency(tt.kv, "unit", func(_ *Event, err error) { reported = errors.Is(err, errDown) }))
			err := h.Handle(testCtx(t), &Event{DedupKey: "messages:created:" + tt.name})
			if (err != nil) != tt.wantErr || IsPermanent(err) || IsIgnored(err) {
				t.Errorf("err = %v, want a retryable error: %v", err, tt.wantErr)
			}
			if calls != tt.wantCalls || reported != tt.wantReported {
				t.Errorf("handler calls %d, write failure reported %v; want %d, %v", calls, reported, tt.wantCalls, tt.wantReported)
			}
		})
	}
}

// Markers expire: the bucket's TTL is the configured marker lifetime, so a
// replay within it is recognised and the bucket does not grow for ever.
func TestMarkersExpire(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	kv, err := env.js.KeyValue(testCtx(t), events.ProcessedBucket)
	if err != nil {
		t.Fatal(err)
	}
	st, err := kv.Status(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if want := events.DefaultStreamOptions().ProcessedTTL; st.TTL() != want {
		t.Errorf("marker TTL = %s, want %s", st.TTL(), want)
	}
}

// countingKV counts marker reads.
type countingKV struct {
	jetstream.KeyValue
	mu   sync.Mutex
	gets map[string]int
}

func (c *countingKV) Get(ctx context.Context, key string) (jetstream.KeyValueEntry, error) {
	c.mu.Lock()
	if c.gets == nil {
		c.gets = map[string]int{}
	}
	c.gets[key]++
	c.mu.Unlock()
	return c.KeyValue.Get(ctx, key)
}

func (c *countingKV) markerReads(worker, dedupKey string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gets[events.MarkerKey(worker, dedupKey)]
}

// TestIdempotencyReadsMarkersOnlyWhereARepeatCanBe: the first delivery of
// an event as ingest stored it creates its attempt record and reads no
// marker; a redelivery, a copy, and a first delivery whose attempt record
// exists (a second stored copy, or a server that lost count) read it, and
// skip the handler when it is there.
func TestIdempotencyReadsMarkersOnlyWhereARepeatCanBe(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	bucket, err := env.js.KeyValue(testCtx(t), events.ProcessedBucket)
	if err != nil {
		t.Fatal(err)
	}
	kv := &countingKV{KeyValue: bucket}
	const worker = "reads"
	calls := 0
	h := Chain(HandlerFunc(func(context.Context, *Event) error { calls++; return nil }), Idempotency(kv, worker, nil))

	first := &Event{DedupKey: "k-1", Delivered: 1, Header: nats.Header{}}
	if err := h.Handle(testCtx(t), first); err != nil || calls != 1 {
		t.Fatalf("first delivery: err %v, calls %d", err, calls)
	}
	if n := kv.markerReads(worker, "k-1"); n != 0 {
		t.Errorf("first delivery read the marker %d times; want none", n)
	}
	if !first.marked || first.Retried() {
		t.Errorf("first delivery: marked %v, retried %v; want marked, not retried", first.marked, first.Retried())
	}

	for name, ev := range map[string]*Event{
		"redelivery":         {DedupKey: "k-1", Delivered: 2, Header: nats.Header{}},
		"second stored copy": {DedupKey: "k-1", Delivered: 1, Header: nats.Header{}},
		"requeued copy":      {DedupKey: "k-1", Delivered: 1, Header: nats.Header{events.HeaderOrigSeq: {"4"}}},
		"replayed copy":      {DedupKey: "k-1", Delivered: 1, Replay: true, Header: nats.Header{}},
	} {
		before := kv.markerReads(worker, "k-1")
		err := h.Handle(testCtx(t), ev)
		if !errors.Is(err, ErrDuplicate) {
			t.Errorf("%s: err = %v, want a duplicate", name, err)
		}
		if kv.markerReads(worker, "k-1") != before+1 {
			t.Errorf("%s: marker not read", name)
		}
	}
	if calls != 1 {
		t.Errorf("handler ran %d times; want once", calls)
	}
}
