package workers

import (
	"context"
	"errors"
	"testing"
)

func TestSlots(t *testing.T) {
	t.Parallel()
	s := newSlots(3)
	ctx := context.Background()
	if n, err := s.acquire(ctx, 1); n != 3 || err != nil {
		t.Fatalf("acquire on free slots = %d, %v; want all 3", n, err)
	}
	s.release(1)
	if n, err := s.acquire(ctx, 1); n != 1 || err != nil {
		t.Fatalf("acquire after one release = %d, %v; want 1", n, err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if n, err := s.acquire(cancelled, 1); n != 0 || !errors.Is(err, context.Canceled) {
		t.Fatalf("acquire with none free and a cancelled context = %d, %v; want 0, context.Canceled", n, err)
	}
}

// TestSlotsWaitForABatch: asked for several, acquire waits until that
// many are free, then takes them all.
func TestSlotsWaitForABatch(t *testing.T) {
	t.Parallel()
	s := newSlots(4)
	ctx := context.Background()
	if n, _ := s.acquire(ctx, 4); n != 4 {
		t.Fatalf("acquire = %d; want 4", n)
	}
	got := make(chan int)
	go func() {
		n, _ := s.acquire(ctx, 2)
		got <- n
	}()
	s.release(1)
	select {
	case n := <-got:
		t.Fatalf("acquire(2) returned %d with one slot free", n)
	default:
	}
	s.release(2)
	if n := <-got; n < 2 {
		t.Fatalf("acquire(2) = %d; want at least 2", n)
	}
	s.release(len(s) - 1)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if n, err := s.acquire(cancelled, 3); n != 0 || !errors.Is(err, context.Canceled) {
		t.Fatalf("acquire cancelled = %d, %v", n, err)
	}
	if len(s) != 1 {
		t.Fatalf("a cancelled acquire kept slots: %d taken, want 1", len(s))
	}
}
