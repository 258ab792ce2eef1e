package main

import (
	"context"
	"errors"
	"fmt"
)

// closers undo what dev mode set up, the last first: the NATS connection
// before the server it talks to, the emulator's state saved before it
// stops.
type closers []func()

func (c *closers) add(f func()) { *c = append(*c, f) }

func (c closers) close() {
	for i := len(c) - 1; i >= 0; i-- {
		c[i]()
	}
}

// services are dev mode's long-running parts (ingest, then the workers).
// Each runs with a context of its own. The first to end on its own, or the
// end of the caller's context, stops them all in the order they were
// started, each awaited before the next: ingest stops taking webhooks
// before the workers drain what it stored.
type services struct {
	list   []*service
	exited chan *service // each service, once, when its run returns
}

// maxServices bounds the services of one dev run (exited's buffer).
const maxServices = 8

type service struct {
	name   string
	cancel context.CancelFunc
	done   chan struct{} // closed when run returned; err is then set
	err    error
}

// start runs run in the background as the service name.
func (s *services) start(ctx context.Context, name string, run func(context.Context) error) {
	if s.exited == nil {
		s.exited = make(chan *service, maxServices)
	}
	if len(s.list) == maxServices {
		panic("dev: more services than maxServices")
	}
	sctx, cancel := context.WithCancel(ctx)
	sv := &service{name: name, cancel: cancel, done: make(chan struct{})}
	s.list = append(s.list, sv)
	go func() {
		sv.err = run(sctx)
		close(sv.done)
		s.exited <- sv
	}()
}

// wait blocks until ctx ends or a service ends on its own, then stops
// every service. It returns the error that ended the run, if any.
func (s *services) wait(ctx context.Context) error {
	var ended error
	select {
	case <-ctx.Done():
	case sv := <-s.exited:
		if sv.err == nil {
			ended = fmt.Errorf("%s stopped on its own", sv.name)
		}
	}
	return errors.Join(ended, s.stop())
}

// stop cancels and awaits each service in start order, and joins their
// errors. It may be called more than once.
func (s *services) stop() error {
	var errs []error
	for _, sv := range s.list {
		sv.cancel()
		<-sv.done
		if sv.err != nil && !errors.Is(sv.err, context.Canceled) {
			errs = append(errs, fmt.Errorf("%s: %w", sv.name, sv.err))
		}
	}
	return errors.Join(errs...)
}
