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
	if n, err := s.acquire(ctx); n != 3 || err != nil {
		t.Fatalf("acquire on free slots = %d, %v; want all 3", n, err)
	}
	s.release(1)
	if n, err := s.acquire(ctx); n != 1 || err != nil {
		t.Fatalf("acquire after one release = %d, %v; want 1", n, err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if n, err := s.acquire(cancelled); n != 0 || !errors.Is(err, context.Canceled) {
		t.Fatalf("acquire with none free and a cancelled context = %d, %v; want 0, context.Canceled", n, err)
	}
}
