package cards

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webexcall"
)

// Name is the worker type: it names the durable consumer and the DLQ subject.
const Name = "cards"

// Events are the events the cards worker consumes. A card submission only
// reaches the bot if a webhook for attachmentActions/created exists.
var Events = []events.ResourceEvent{{Resource: "attachmentActions", Event: "created"}}

// DefaultRecheckAfter is Config.RecheckAfter's default.
const DefaultRecheckAfter = 10 * time.Second

// Config configures the Router.
type Config struct {
	// Routes map submitted action values to their handlers; nil means
	// DefaultRoutes. An empty action name or a nil handler is refused.
	Routes Routes
	// RecheckAfter is how long to wait after a reply whose outcome is
	// unknown (the POST timed out, or Webex answered 502/504) before
	// looking for it in the thread and sending it again; default 10s.
	RecheckAfter time.Duration
	// Logger receives a line per reply; nil discards.
	Logger *slog.Logger
	// Metrics is where the router registers its counters; nil keeps them
	// in a private registry.
	Metrics prometheus.Registerer
	// Identity is the bot, shared with the process's other handlers and its
	// Webex caller; nil asks the router's API.
	Identity *webexcall.Identity
}

func (c Config) withDefaults() Config {
	if c.Routes == nil {
		c.Routes = DefaultRoutes()
	}
	if c.RecheckAfter == 0 {
		c.RecheckAfter = DefaultRecheckAfter
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports a setting that cannot work.
func (c Config) Validate() error {
	c = c.withDefaults()
	if c.RecheckAfter < 0 {
		return fmt.Errorf("cards recheck delay %s: want > 0", c.RecheckAfter)
	}
	for name, h := range c.Routes {
		switch {
		case name == "":
			return errors.New("cards routes: an action name is empty")
		case h == nil:
			return fmt.Errorf("cards routes: action %q has no handler", name)
		}
	}
	return nil
}
