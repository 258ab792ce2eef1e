package bench

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Bounds keep a run from turning into a denial of service by mistake.
const (
	MaxDuration    = 10 * time.Minute
	MaxCount       = 5_000_000
	MaxConnections = 1024
	MaxRate        = 200_000
)

// Config is one load run against an ingest URL.
type Config struct {
	// URL is the webhook endpoint, e.g. http://127.0.0.1:8080/webhooks/webex.
	// It must be on loopback.
	URL string
	// Secret signs every delivery (X-Spark-Signature); required.
	Secret []byte
	// Rate is deliveries per second, sent on schedule whether or not earlier
	// ones were answered (latency counts from the scheduled time, so a
	// stalled server is not hidden). 0 sends as fast as Connections allow.
	Rate int
	// Connections is how many requests may be in flight; default 16.
	Connections int
	// Duration bounds the run; default 10s unless Count is set.
	Duration time.Duration
	// Count bounds the number of deliveries; 0 means only Duration bounds it.
	Count int
	// Rooms is how many rooms the messages are spread over; default 16.
	Rooms int
	// Timeout bounds one request; default 10s.
	Timeout time.Duration
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	if err := CheckLoopback(c.URL); err != nil {
		return err
	}
	switch {
	case len(c.Secret) == 0:
		return fmt.Errorf("%w: a webhook secret is required", ErrInvalidConfig)
	case c.Rate < 0 || c.Rate > MaxRate:
		return fmt.Errorf("%w: rate %d: want 0 to %d", ErrInvalidConfig, c.Rate, MaxRate)
	case c.Connections < 0 || c.Connections > MaxConnections:
		return fmt.Errorf("%w: connections %d: want 1 to %d", ErrInvalidConfig, c.Connections, MaxConnections)
	case c.Duration < 0 || c.Duration > MaxDuration:
		return fmt.Errorf("%w: duration %s: want at most %s", ErrInvalidConfig, c.Duration, MaxDuration)
	case c.Count < 0 || c.Count > MaxCount:
		return fmt.Errorf("%w: count %d: want at most %d", ErrInvalidConfig, c.Count, MaxCount)
	case c.Rooms < 0 || c.Timeout < 0:
		return fmt.Errorf("%w: rooms and timeout must not be negative", ErrInvalidConfig)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Connections == 0 {
		c.Connections = 16
	}
	if c.Duration == 0 {
		if c.Count == 0 {
			c.Duration = 10 * time.Second
		} else {
			c.Duration = MaxDuration
		}
	}
	if c.Rooms == 0 {
		c.Rooms = 16
	}
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
	}
	return c
}

// CheckLoopback returns ErrNotLoopback unless raw is an http URL whose host
// is localhost or a loopback IP. Names other than localhost are not
// resolved: what they point at may change between the check and the run.
func CheckLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidConfig, err)
	}
	if u.Scheme != "http" {
		return fmt.Errorf("%w: scheme %q: want http", ErrInvalidConfig, u.Scheme)
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%w: %q", ErrNotLoopback, host)
}
