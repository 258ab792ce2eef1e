package main

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
)

// recorder notes the order in which services end.
type recorder struct {
	mu    sync.Mutex
	ended []string
}

func (r *recorder) service(name string, fail <-chan error) func(context.Context) error {
	return func(ctx context.Context) error {
		var err error
		select {
		case <-ctx.Done():
		case err = <-fail:
		}
		r.mu.Lock()
		r.ended = append(r.ended, name)
		r.mu.Unlock()
		return err
	}
}

func TestServicesStopInStartOrder(t *testing.T) {
	t.Parallel()
	var r recorder
	var s services
	s.start(context.Background(), "ingest", r.service("ingest", nil))
	s.start(context.Background(), "workers", r.service("workers", nil))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.wait(ctx); err != nil {
		t.Fatalf("wait after the run's end = %v, want nil", err)
	}
	if want := []string{"ingest", "workers"}; !slices.Equal(r.ended, want) {
		t.Errorf("ended %v, want %v (ingest stops taking webhooks before the workers drain)", r.ended, want)
	}
}

func TestAFailingServiceStopsTheOthers(t *testing.T) {
	t.Parallel()
	var r recorder
	var s services
	fail := make(chan error, 1)
	s.start(context.Background(), "ingest", r.service("ingest", nil))
	s.start(context.Background(), "workers", r.service("workers", fail))
	boom := errors.New("boom")
	fail <- boom
	err := s.wait(context.Background())
	if !errors.Is(err, boom) {
		t.Fatalf("wait = %v, want the workers' error", err)
	}
	if len(r.ended) != 2 {
		t.Errorf("ended %v, want both services", r.ended)
	}
	if err := s.stop(); !errors.Is(err, boom) {
		t.Errorf("a second stop = %v, want the same error again, and no hang", err)
	}
}

func TestClosersRunLastFirst(t *testing.T) {
	t.Parallel()
	var order []int
	var c closers
	for i := range 3 {
		c.add(func() { order = append(order, i) })
	}
	c.close()
	if want := []int{2, 1, 0}; !slices.Equal(order, want) {
		t.Errorf("closed %v, want %v", order, want)
	}
}
