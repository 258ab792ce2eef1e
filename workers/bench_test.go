package workers

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
)

// BenchmarkRunnerThroughput measures how fast one runner gets through a
// backlog when each event waits on I/O for a while (the handler stands for
// a Webex call): the pulling, acking and marker writes around the handler
// are what is measured, with the handler's wait as the floor. Per event,
// the ideal is wait/concurrency.
func BenchmarkRunnerThroughput(b *testing.B) {
	for _, c := range []struct {
		concurrency int
		wait        time.Duration
	}{{4, 0}, {4, 2 * time.Millisecond}, {16, 2 * time.Millisecond}} {
		b.Run(fmt.Sprintf("concurrency=%d/wait=%s", c.concurrency, c.wait), func(b *testing.B) {
			_, _, js := localnats.StartProvisioned(b)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			for i := range b.N {
				body := webhookBody(fmt.Sprintf("msg-%d", i))
				env, err := events.Decode(body)
				if err != nil {
					b.Fatal(err)
				}
				msg := nats.NewMsg(env.Subject(events.DefaultPartitions))
				msg.Data = body
				msg.Header.Set(events.HeaderMsgID, events.DedupKey(env, body))
				if _, err := js.PublishMsgAsync(msg); err != nil {
					b.Fatal(err)
				}
			}
			select {
			case <-js.PublishAsyncComplete():
			case <-ctx.Done():
				b.Fatal("backlog not stored")
			}
			var handled atomic.Int64
			all := make(chan struct{})
			cfg := DefaultConfig("bench")
			cfg.Events = []events.ResourceEvent{{Resource: "messages", Event: "created"}}
			cfg.StartAt = StartAll
			cfg.Concurrency = c.concurrency
			r, err := New(js, cfg, HandlerFunc(func(ctx context.Context, ev *Event) error {
				if c.wait > 0 {
					time.Sleep(c.wait) // stands for a Webex call
				}
				if handled.Add(1) == int64(b.N) {
					close(all)
				}
				return nil
			}))
			if err != nil {
				b.Fatal(err)
			}
			rctx, stop := context.WithCancel(ctx)
			done := make(chan error, 1)
			b.ResetTimer()
			go func() { done <- r.Run(rctx) }()
			select {
			case <-all:
			case <-ctx.Done():
				b.Fatalf("handled %d of %d", handled.Load(), b.N)
			}
			b.StopTimer()
			stop()
			<-done
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
