package workers

import (
	"context"
	"log/slog"
	"time"
)

// keepAlive calls ev.InProgress every interval so JetStream does not hand
// the event to another replica while its handler still runs. It stops when
// ctx ends (the handler's deadline or an aborted drain: from then on the
// event may be redelivered) or when the returned stop is called; stop waits
// for the goroutine to exit.
func keepAlive(ctx context.Context, ev *Event, interval time.Duration, log *slog.Logger) (stop func()) {
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if err := ev.InProgress(); err != nil {
					log.Debug("in-progress signal failed", "stream_seq", ev.StreamSeq, "error", err)
				}
			}
		}
	}()
	return func() {
		close(done)
		<-exited
	}
}
