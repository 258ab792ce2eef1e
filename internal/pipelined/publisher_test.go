package pipelined_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/internal/pipelined"
	"github.com/webexpipe/webexpipe/internal/waitfor"
)

const testStream = "PIPE"

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newStream creates the test stream on file storage, with cfg's limits.
func newStream(t *testing.T, js jetstream.JetStream, cfg jetstream.StreamConfig) jetstream.Stream {
	t.Helper()
	cfg.Name, cfg.Subjects, cfg.Storage = testStream, []string{"pipe.>"}, jetstream.FileStorage
	s, err := js.CreateStream(testCtx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// msg is message i of a test run: its id is its Nats-Msg-Id and its body.
func msg(i int) *nats.Msg {
	m := nats.NewMsg("pipe.events." + strconv.Itoa(i%3))
	m.Data = []byte("m" + strconv.Itoa(i))
	m.Header.Set(jetstream.MsgIDHeader, "m"+strconv.Itoa(i))
	return m
}

// storedBodies lists the stream's messages in order.
func storedBodies(t *testing.T, s jetstream.Stream) []string {
	t.Helper()
	ctx := testCtx(t)
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatalf("get %d: %v", seq, err)
		}
		got = append(got, string(m.Data))
	}
	return got
}

func bodies(from, to int) []string {
	var b []string
	for i := from; i < to; i++ {
		b = append(b, "m"+strconv.Itoa(i))
	}
	return b
}

func equal(a, b []string) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

// TestResultsInPublishOrder: every result is reported once, in the order
// of publishing, with the stream's sequence; publishing the same ids again
// reports duplicates and stores nothing.
func TestResultsInPublishOrder(t *testing.T) {
	_, js := localnats.StartTest(t).ConnectTest(t)
	s := newStream(t, js, jetstream.StreamConfig{})
	ctx := testCtx(t)
	const n, window = 300, 16
	p := pipelined.New(js, pipelined.Options{MaxInFlight: window, PublishOpts: []jetstream.PublishOpt{jetstream.WithExpectStream(testStream)}})

	var got []pipelined.Result
	for i := range n {
		m := msg(i)
		err := p.Publish(ctx, m, func(r pipelined.Result) {
			if r.Msg != m {
				t.Errorf("result %d is for %q, want %q", len(got), r.Msg.Data, m.Data)
			}
			got = append(got, r)
		})
		if err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
		if p.InFlight() > window {
			t.Fatalf("%d in flight, over the bound %d", p.InFlight(), window)
		}
	}
	if err := p.Wait(ctx); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if len(got) != n {
		t.Fatalf("%d results, want %d", len(got), n)
	}
	for i, r := range got {
		if r.Err != nil || r.Ack == nil || r.Ack.Sequence != uint64(i+1) || r.Ack.Duplicate {
			t.Fatalf("result %d = %+v %v, want stored at sequence %d", i, r.Ack, r.Err, i+1)
		}
	}

	got = got[:0]
	for i := range 50 {
		if err := p.Publish(ctx, msg(i), func(r pipelined.Result) { got = append(got, r) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	for i, r := range got {
		if r.Err != nil || !r.Ack.Duplicate || r.Ack.Sequence != uint64(i+1) {
			t.Fatalf("republished %d = %+v %v, want a duplicate of sequence %d", i, r.Ack, r.Err, i+1)
		}
	}
	if b := storedBodies(t, s); !equal(b, bodies(0, n)) {
		t.Errorf("stream holds %d messages, want the %d published once, in order", len(b), n)
	}
}

// TestFailureStopsAndReports: the stream takes 5 messages and refuses the
// rest. With 3 in flight, the publisher learns of the first refusal by the
// time it would send the 9th, sends nothing more, and reports exactly which
// of those sent were stored. Publishing again from the first refused one, once
// there is room, completes the sequence in order.
func TestFailureStopsAndReports(t *testing.T) {
	_, js := localnats.StartTest(t).ConnectTest(t)
	s := newStream(t, js, jetstream.StreamConfig{MaxMsgs: 5, Discard: jetstream.DiscardNew})
	ctx := testCtx(t)
	p := pipelined.New(js, pipelined.Options{MaxInFlight: 3})

	var got []pipelined.Result
	record := func(r pipelined.Result) { got = append(got, r) }
	sent := 0
	var pubErr error
	for i := range 10 {
		if pubErr = p.Publish(ctx, msg(i), record); pubErr != nil {
			break
		}
		sent++
	}
	if !errors.Is(pubErr, pipelined.ErrStopped) || !isAPIError(pubErr, errCodeStoreFailed) {
		t.Fatalf("Publish error = %v, want ErrStopped wrapping the stream's refusal", pubErr)
	}
	// The 6th is the first refused, and at most 3 go unanswered.
	if sent < 6 || sent > 8 {
		t.Errorf("%d sent, want 6 to 8", sent)
	}
	if err := p.Wait(ctx); err == nil || errors.Is(err, pipelined.ErrStopped) {
		t.Errorf("Wait = %v, want the first refusal itself", err)
	}
	if len(got) != sent {
		t.Fatalf("%d results, want one per message sent (%d)", len(got), sent)
	}
	for i, r := range got {
		stored := r.Err == nil && r.Ack != nil && !r.Ack.Duplicate
		if want := i < 5; stored != want {
			t.Errorf("result %d: stored %v (%+v, %v), want %v", i, stored, r.Ack, r.Err, want)
		}
	}
	if b := storedBodies(t, s); !equal(b, bodies(0, 5)) {
		t.Fatalf("stream holds %v, want %v", b, bodies(0, 5))
	}

	// Room again: resume from the first unacknowledged message, and once
	// more from an earlier one, which the duplicate window drops.
	if _, err := js.UpdateStream(ctx, jetstream.StreamConfig{Name: testStream, Subjects: []string{"pipe.>"}, Storage: jetstream.FileStorage, Discard: jetstream.DiscardNew}); err != nil {
		t.Fatal(err)
	}
	for i := 3; i < 10; i++ {
		if err := p.Publish(ctx, msg(i), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if b := storedBodies(t, s); !equal(b, bodies(0, 10)) {
		t.Errorf("stream holds %v, want %v", b, bodies(0, 10))
	}
}

// errCodeStoreFailed is nats-server's JSStreamStoreFailedF, which a full
// stream answers with ("maximum messages exceeded").
const errCodeStoreFailed jetstream.ErrorCode = 10077

func isAPIError(err error, code jetstream.ErrorCode) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == code
}

// TestInFlightBounded: a responder that never answers takes the messages.
// The publisher sends MaxInFlight of them, then waits for the oldest
// acknowledgement; when it does not come within AckTimeout, the publisher
// stops without sending another.
func TestInFlightBounded(t *testing.T) {
	nc, js := localnats.StartTest(t).ConnectTest(t)
	sub, err := nc.SubscribeSync("pipe.silent")
	if err != nil {
		t.Fatal(err)
	}
	const window = 4
	p := pipelined.New(js, pipelined.Options{MaxInFlight: window, AckTimeout: 300 * time.Millisecond})
	ctx := testCtx(t)
	var got []pipelined.Result
	var pubErr error
	for range window + 3 {
		if pubErr = p.Publish(ctx, nats.NewMsg("pipe.silent"), func(r pipelined.Result) { got = append(got, r) }); pubErr != nil {
			break
		}
	}
	if !errors.Is(pubErr, pipelined.ErrStopped) || !errors.Is(pubErr, pipelined.ErrAckTimeout) {
		t.Fatalf("Publish error = %v, want ErrStopped wrapping ErrAckTimeout", pubErr)
	}
	if err := p.Wait(ctx); !errors.Is(err, pipelined.ErrAckTimeout) {
		t.Errorf("Wait = %v, want ErrAckTimeout", err)
	}
	// The subscription shares the connection: once the server answered
	// the flush, every message it got is in the subscription's queue.
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := sub.Pending(); n != window {
		t.Errorf("the responder got %d messages, want %d (the bound)", n, window)
	}
	if len(got) != window {
		t.Fatalf("%d results, want %d", len(got), window)
	}
	for i, r := range got {
		if !errors.Is(r.Err, pipelined.ErrAckTimeout) {
			t.Errorf("result %d: %v, want ErrAckTimeout", i, r.Err)
		}
	}
}

// TestThenKeepsItsPlace: a Then callback runs after the results of the
// publishes before it and before those after it; with nothing outstanding
// it runs at once.
func TestThenKeepsItsPlace(t *testing.T) {
	_, js := localnats.StartTest(t).ConnectTest(t)
	newStream(t, js, jetstream.StreamConfig{})
	ctx := testCtx(t)
	p := pipelined.New(js, pipelined.Options{})
	var order []string
	note := func(s string) func(pipelined.Result) {
		return func(r pipelined.Result) {
			if r.Err != nil {
				t.Errorf("%s: %v", s, r.Err)
			}
			order = append(order, s)
		}
	}
	p.Then(func() { order = append(order, "first") })
	if len(order) != 1 {
		t.Fatalf("Then with nothing outstanding did not run at once: %v", order)
	}
	for i, s := range []string{"a", "b"} {
		if err := p.Publish(ctx, msg(i), note(s)); err != nil {
			t.Fatal(err)
		}
	}
	p.Then(func() { order = append(order, "then") })
	if err := p.Publish(ctx, msg(2), note("c")); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if want := []string{"first", "a", "b", "then", "c"}; !equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
}

// TestServerStopMidway: the server stops while messages are in flight.
// Every acknowledged message is in the stream after the restart, and
// publishing again from the first unacknowledged one with the same ids
// leaves each message stored once, in order.
func TestServerStopMidway(t *testing.T) {
	dir := t.TempDir()
	srv, err := localnats.Start(localnats.Config{StoreDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown() })
	port := srv.Port()
	_, js := srv.ConnectTest(t, nats.ReconnectWait(20*time.Millisecond), nats.MaxReconnects(-1), nats.ReconnectBufSize(-1))
	newStream(t, js, jetstream.StreamConfig{})
	ctx := testCtx(t)
	p := pipelined.New(js, pipelined.Options{MaxInFlight: 8, AckTimeout: 2 * time.Second})

	const n, stopAt = 60, 20
	acked := 0 // results acknowledged before the first failure
	failed := false
	for i := range n {
		err := p.Publish(ctx, msg(i), func(r pipelined.Result) {
			switch {
			case r.Err != nil:
				failed = true
			case !failed:
				acked++
			default:
				t.Errorf("%q acknowledged after an earlier failure", r.Msg.Data)
			}
			if acked == stopAt && !failed {
				srv.Shutdown()
			}
		})
		if err != nil {
			break
		}
	}
	if err := p.Wait(ctx); err == nil {
		t.Fatal("Wait reported no failure with the server stopped")
	}
	if acked < stopAt {
		t.Fatalf("%d acknowledged before the failure, want at least %d", acked, stopAt)
	}

	srv, err = localnats.Start(localnats.Config{StoreDir: dir, Port: port})
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	t.Cleanup(func() { srv.Shutdown() })
	var s jetstream.Stream
	waitfor.Until(t, 10*time.Second, func() (bool, string) {
		s, err = js.Stream(ctx, testStream)
		return err == nil, fmt.Sprintf("stream after restart: %v", err)
	})
	b := storedBodies(t, s)
	if len(b) < acked || !equal(b, bodies(0, len(b))) {
		t.Fatalf("after the restart the stream holds %v, want a prefix of at least the %d acknowledged", b, acked)
	}
	for i := acked; i < n; i++ {
		if err := p.Publish(ctx, msg(i), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if b := storedBodies(t, s); !equal(b, bodies(0, n)) {
		t.Errorf("stream holds %v, want each of the %d once, in order", b, n)
	}
}

// TestPollReportsWhatIsIn: a result that has arrived is reported by Poll
// without another publish or a Wait.
func TestPollReportsWhatIsIn(t *testing.T) {
	_, js := localnats.StartTest(t).ConnectTest(t)
	newStream(t, js, jetstream.StreamConfig{})
	p := pipelined.New(js, pipelined.Options{})
	var got *pipelined.Result
	if err := p.Publish(testCtx(t), msg(0), func(r pipelined.Result) { got = &r }); err != nil {
		t.Fatal(err)
	}
	waitfor.True(t, 5*time.Second, "the result reported by Poll", func() bool {
		p.Poll()
		return got != nil
	})
	if got.Err != nil || got.Ack.Sequence != 1 || p.InFlight() != 0 {
		t.Errorf("result %+v %v, %d in flight; want stored at 1, none in flight", got.Ack, got.Err, p.InFlight())
	}
}

// TestUnansweredPublishesAreForgotten: publishes nobody answers, many more
// than a JetStream context keeps pending (4,000), each time out and none
// blocks the ones after it.
func TestUnansweredPublishesAreForgotten(t *testing.T) {
	nc, js := localnats.StartTest(t).ConnectTest(t)
	if _, err := nc.SubscribeSync("pipe.silent"); err != nil {
		t.Fatal(err)
	}
	const window, rounds = 500, 10
	p := pipelined.New(js, pipelined.Options{MaxInFlight: window, AckTimeout: 100 * time.Millisecond})
	ctx := testCtx(t)
	for round := range rounds {
		results := 0
		for range window {
			err := p.Publish(ctx, nats.NewMsg("pipe.silent"), func(r pipelined.Result) {
				results++
				if !errors.Is(r.Err, pipelined.ErrAckTimeout) {
					t.Fatalf("round %d: %v, want ErrAckTimeout", round, r.Err)
				}
			})
			if err != nil {
				t.Fatalf("round %d: Publish: %v", round, err)
			}
		}
		if err := p.Wait(ctx); !errors.Is(err, pipelined.ErrAckTimeout) {
			t.Fatalf("round %d: Wait = %v, want ErrAckTimeout", round, err)
		}
		if results != window {
			t.Fatalf("round %d: %d results, want %d", round, results, window)
		}
	}
}
