package workers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events/localnats"
)

// peakHandler wraps an orderLog replica and records how many handlers ran
// at once at most.
type peakHandler struct {
	running, peak atomic.Int32
	next          Handler
}

func (p *peakHandler) Handle(ctx context.Context, ev *Event) error {
	n := p.running.Add(1)
	defer p.running.Add(-1)
	for {
		old := p.peak.Load()
		if n <= old || p.peak.CompareAndSwap(old, n) {
			break
		}
	}
	return p.next.Handle(ctx, ev)
}

// TestOrderedRoomsRunInParallel: with a single partition, and so a single
// consumer, the rooms in it are handled in parallel, each in stream order:
// ordered throughput grows with Concurrency, not with the number of
// consumers.
func TestOrderedRoomsRunInParallel(t *testing.T) {
	t.Parallel()
	_, _, js := localnats.StartProvisioned(t)
	log := &orderLog{work: 20 * time.Millisecond}
	h := &peakHandler{next: log.replica(0)}
	cfg, _ := testConfig(t, "parallel")
	cfg.Ordered = true
	cfg.Partitions = 1
	cfg.Concurrency = 8
	r, err := New(js, cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	runRunner(t, r)

	const rooms, perRoom = 8, 10
	want := 0
	for i := range perRoom {
		for room := range rooms {
			publishRoomEventOn(t, js, fmt.Sprintf("room-%d", room), fmt.Sprintf("m-%d-%d", room, i), 1)
			want++
		}
	}
	eventually(t, 30*time.Second, func() bool { return len(log.handledSeqs()) == want },
		"%d of %d events handled", len(log.handledSeqs()), want)
	for room := range rooms {
		checkRoomOrder(t, log, fmt.Sprintf("room-%d", room))
	}
	if p := h.peak.Load(); p < 2 {
		t.Errorf("at most %d handler ran at once in one partition; want rooms in parallel", p)
	}
	t.Logf("peak handlers at once: %d of %d", h.peak.Load(), cfg.Concurrency)
}

// TestOrderedFailureHoldsOnlyItsRoom: an event that keeps failing is
// retried in place; the room's later events wait behind it while the other
// rooms of the partition go on. The failing event succeeds only once the
// other room is done, so a partition held as a whole would never finish.
func TestOrderedFailureHoldsOnlyItsRoom(t *testing.T) {
	t.Parallel()
	_, _, js := localnats.StartProvisioned(t)
	log := &orderLog{work: time.Millisecond}
	const otherEvents = 5
	var otherDone atomic.Int32
	var failures atomic.Int32
	record := log.replica(0)
	h := HandlerFunc(func(ctx context.Context, ev *Event) error {
		if ev.Envelope.Data.RoomID == "room-ok" {
			defer otherDone.Add(1)
			return record.Handle(ctx, ev)
		}
		if ev.Envelope.Data.ID == "stuck-0" && otherDone.Load() < otherEvents {
			failures.Add(1)
			return errors.New("webex unavailable")
		}
		return record.Handle(ctx, ev)
	})
	cfg, reg := testConfig(t, "holds")
	cfg.Ordered = true
	cfg.Partitions = 1
	cfg.MaxDeliver = 1000
	cfg.Backoff = Backoff{Initial: 10 * time.Millisecond, Max: 50 * time.Millisecond, Multiplier: 2}
	r, err := New(js, cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	runRunner(t, r)

	want := 0
	for i := range 3 {
		publishRoomEventOn(t, js, "room-stuck", fmt.Sprintf("stuck-%d", i), 1)
		want++
	}
	for i := range otherEvents {
		publishRoomEventOn(t, js, "room-ok", fmt.Sprintf("ok-%d", i), 1)
		want++
	}
	eventually(t, 30*time.Second, func() bool { return len(log.handledSeqs()) == want },
		"%d of %d events handled", len(log.handledSeqs()), want)
	checkRoomOrder(t, log, "room-stuck")
	checkRoomOrder(t, log, "room-ok")
	if failures.Load() == 0 {
		t.Fatal("the stuck event never failed: the test proves nothing")
	}
	stuck := log.byRoom("room-stuck")
	ok := log.byRoom("room-ok")
	if !ok[len(ok)-1].end.Before(stuck[0].start) && !ok[len(ok)-1].end.Equal(stuck[0].start) {
		t.Errorf("room-stuck's first event succeeded before room-ok was done")
	}
	if n := handledCount(t, reg, "holds", outcomeDeadLetter); n != 0 {
		t.Errorf("%v events dead-lettered", n)
	}
}

// TestOrderedTakeoverWaitsForThePreviousOwner: a replica dies while it
// handles a room's event; the replica that takes the partition over gets
// the room's later events at once but starts none of them before the dead
// replica's event came back to it (after its AckWait) and was handled.
func TestOrderedTakeoverWaitsForThePreviousOwner(t *testing.T) {
	t.Parallel()
	srv, _, js := localnats.StartProvisioned(t)
	log := &orderLog{work: time.Millisecond}
	// Longer than the pin timeout: without the wait, the new owner would
	// start the room's later events before the first one comes back.
	const pinTimeout, ackWait = 2 * time.Second, 5 * time.Second

	blocked := make(chan int, 2)
	release := make(chan struct{})
	var once sync.Once
	replica := func(n int) Handler {
		rec := log.replica(n)
		return HandlerFunc(func(ctx context.Context, ev *Event) error {
			if ev.Envelope.Data.ID == "a-0" && ev.Delivered == 1 {
				first := false
				once.Do(func() { first = true })
				if first {
					blocked <- n
					select {
					case <-release:
					case <-ctx.Done():
					}
					return errors.New("replica gone")
				}
			}
			return rec.Handle(ctx, ev)
		})
	}
	type replicaConn struct {
		close func()
	}
	conns := make([]replicaConn, 2)
	for i := range conns {
		nc, rjs := srv.ConnectTest(t)
		conns[i] = replicaConn{close: nc.Close}
		cfg, _ := testConfig(t, "takeover")
		cfg.Ordered = true
		cfg.Partitions = 1
		cfg.PinTimeout = pinTimeout
		cfg.AckWait = ackWait
		cfg.DrainTimeout = time.Second
		r, err := New(rjs, cfg, replica(i))
		if err != nil {
			t.Fatal(err)
		}
		runRunner(t, r)
	}
	t.Cleanup(func() { close(release) })

	first := publishRoomEventOn(t, js, "room-a", "a-0", 1)
	var owner int
	select {
	case owner = <-blocked:
	case <-time.After(20 * time.Second):
		t.Fatal("the first event was never handled")
	}
	conns[owner].close()
	want := map[uint64]bool{first: true}
	for i := 1; i <= 3; i++ {
		want[publishRoomEventOn(t, js, "room-a", fmt.Sprintf("a-%d", i), 1)] = true
	}
	eventually(t, 30*time.Second, func() bool {
		got := log.handledSeqs()
		for seq := range want {
			if !got[seq] {
				return false
			}
		}
		return true
	}, "room-a's events not all handled after replica %d died", owner)
	checkRoomOrder(t, log, "room-a")
	if calls := log.byRoom("room-a"); calls[0].seq != first {
		t.Errorf("the new owner handled seq %d before the dead replica's seq %d", calls[0].seq, first)
	}
}
