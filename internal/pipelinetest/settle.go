package pipelinetest

import (
	"context"
	"fmt"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/backlog"
)

// Settle waits until the emulator has sent deliveries webhooks, each was
// answered, no API call is being served, and the consumer of every worker
// started so far has nothing pending or in flight, so that counting
// messages after it is final.
func (p *Pipeline) Settle(deliveries int) {
	p.T.Helper()
	p.mu.Lock()
	consumers := append([]backlog.Consumer(nil), p.started...)
	p.mu.Unlock()
	waitfor.Until(p.T, 20*time.Second, func() (bool, string) {
		sent := p.Sim.Deliveries()
		if len(sent) < deliveries {
			return false, fmt.Sprintf("%d of %d webhooks sent", len(sent), deliveries)
		}
		for _, c := range p.Sim.Calls() {
			if c.Status == 0 {
				return false, "a Webex call is still being served"
			}
		}
		for _, d := range sent {
			if d.Status == 0 && d.Err == "" {
				return false, "a webhook delivery is in flight"
			}
		}
		for _, c := range consumers {
			if ok, why := p.caughtUp(c); !ok {
				return false, why
			}
		}
		return true, ""
	})
}

// caughtUp reports whether a worker's consumer has handled every event
// stored so far that it takes: nothing waits to be delivered, nothing
// delivered waits for its ack (a nak'd event counts as waiting), and the
// ack floor has reached the last delivery. Consumer sequences are compared,
// not stream sequences: a filtered consumer's delivered stream sequence
// moves past the events of other workers, which it skips and never acks.
func (p *Pipeline) caughtUp(sc backlog.Consumer) (bool, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	name := sc.Stream + "/" + sc.Name
	c, err := p.JS.Consumer(ctx, sc.Stream, sc.Name)
	if err != nil {
		return false, err.Error()
	}
	info, err := c.Info(ctx)
	if err != nil {
		return false, err.Error()
	}
	if info.NumPending != 0 || info.NumAckPending != 0 || info.AckFloor.Consumer < info.Delivered.Consumer {
		return false, fmt.Sprintf("consumer %s: pending %d, ack pending %d, ack floor %d of %d deliveries",
			name, info.NumPending, info.NumAckPending, info.AckFloor.Consumer, info.Delivered.Consumer)
	}
	return true, ""
}

// DLQCount is how many dead letters are stored.
func (p *Pipeline) DLQCount() int {
	p.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := p.JS.Stream(ctx, events.DLQStream)
	if err != nil {
		p.T.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		p.T.Fatal(err)
	}
	return int(info.State.Msgs)
}
