package console

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/workers/admin/status"
	"github.com/webexpipe/webexpipe/workers/backlog"
)

// oldestUnacked returns when the oldest event a consumer has not finished
// with was stored (see backlog.FirstUnhandled, which the worker binaries'
// backlog metrics use too). Zero when nothing waits.
func oldestUnacked(ctx context.Context, js jetstream.JetStream, c status.Consumer) (time.Time, error) {
	if c.Pending == 0 && c.AckPending == 0 {
		return time.Time{}, nil
	}
	cons, err := js.Consumer(ctx, c.Stream, c.Name)
	if err != nil {
		return time.Time{}, err
	}
	s, err := js.Stream(ctx, c.Stream)
	if err != nil {
		return time.Time{}, err
	}
	t, _, err := backlog.FirstUnhandled(ctx, s, cons.CachedInfo())
	if err != nil {
		return time.Time{}, fmt.Errorf("oldest event of %s: %w", c.Name, err)
	}
	return t, nil
}
