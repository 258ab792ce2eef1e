package retry

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Config configures the retry handler. Start from DefaultConfig.
type Config struct {
	// Policy schedules the attempts of a call.
	Policy Policy
	// RecheckAfter is how long after an attempt whose outcome is unknown
	// the retry worker looks for its effect: Webex may still be storing the
	// message, and looking too early would send it twice.
	RecheckAfter time.Duration
	// NotFoundGrace is how long after a call's first failure a 404 is taken
	// for replication lag inside Webex and retried.
	NotFoundGrace time.Duration
	// Logger receives a line per finished call; nil discards.
	Logger *slog.Logger
	// Metrics is where the handler registers its metrics; nil keeps them in
	// a private registry.
	Metrics prometheus.Registerer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Defaults of DefaultConfig.
const (
	DefaultRecheckAfter  = 10 * time.Second
	DefaultNotFoundGrace = 30 * time.Second
)

// DefaultConfig returns DefaultPolicy, a 10 s recheck delay and a 30 s grace
// for 404s.
func DefaultConfig() Config {
	return Config{Policy: DefaultPolicy(), RecheckAfter: DefaultRecheckAfter, NotFoundGrace: DefaultNotFoundGrace}
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	if err := c.Policy.Validate(); err != nil {
		return err
	}
	switch {
	case c.RecheckAfter < 0:
		return fmt.Errorf("retry recheck delay %s: want at least 0", c.RecheckAfter)
	case c.NotFoundGrace < 0:
		return fmt.Errorf("retry not-found grace %s: want at least 0", c.NotFoundGrace)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}
