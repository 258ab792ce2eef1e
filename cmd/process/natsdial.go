package process

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/nats-io/nats.go"
)

// ErrNATSUnreachable means NATS could not be reached within the connect
// timeout (--nats-connect-timeout) or before the context ended.
var ErrNATSUnreachable = errors.New("NATS not reachable")

// dialNATS connects to urls, trying again with backoff for up to wait
// while the failure is one that time may fix (no server answering yet, a
// timeout). A refusal that waiting cannot change (bad credentials, a bad
// URL, a missing file) returns at once.
func dialNATS(ctx context.Context, urls string, wait time.Duration, opts []nats.Option, log *slog.Logger) (*nats.Conn, error) {
	deadline := time.Now().Add(wait)
	b := backoff.NewExponentialBackOff(backoff.WithInitialInterval(250*time.Millisecond), backoff.WithMaxInterval(5*time.Second),
		backoff.WithMaxElapsedTime(0))
	for attempt := 1; ; attempt++ {
		nc, err := nats.Connect(urls, opts...)
		if err == nil {
			return nc, nil
		}
		if !transient(err) {
			return nil, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			if wait > 0 {
				return nil, fmt.Errorf("%w after %d attempts in %s: %w", ErrNATSUnreachable, attempt, wait, err)
			}
			return nil, err
		}
		d := min(b.NextBackOff(), left)
		log.Warn("NATS not reachable yet; retrying", "url", RedactURL(urls), "attempt", attempt, "retry_in", d,
			"gives_up_in", left.Round(time.Second), "err", redactError(err, urls))
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w: %w (last error: %w)", ErrNATSUnreachable, ctx.Err(), err)
		case <-t.C:
		}
	}
}

// transient reports whether a failed connect may succeed later.
func transient(err error) bool {
	var netErr net.Error
	return errors.Is(err, nats.ErrNoServers) || errors.Is(err, nats.ErrTimeout) || errors.As(err, &netErr)
}
