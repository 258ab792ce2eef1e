package echo

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/webexpipe/webexpipe/workers/webexcall"
)

// Name is the worker type: it names the durable consumer and the DLQ subject.
const Name = "echo"

// Mode chooses what the reply contains.
type Mode string

const (
	// ModeText replies with the text the user sent.
	ModeText Mode = "text"
	// ModeWebhook replies with the webhook envelope only.
	ModeWebhook Mode = "webhook"
	// ModeBoth replies with the text and the envelope (the default).
	ModeBoth Mode = "both"
)

// Config configures the echo handler.
type Config struct {
	// Mode chooses the reply's content; default ModeBoth.
	Mode Mode
	// RecheckAfter is how long to wait after a reply whose outcome is
	// unknown (the POST timed out, or Webex answered 502/504) before
	// looking for it in the room and sending it again. Webex may still be
	// storing the first one; looking too early would post twice.
	// Default 10s.
	RecheckAfter time.Duration
	// Logger receives a line per reply; default discards.
	Logger *slog.Logger
	// Metrics is where the handler registers its counters (by command);
	// nil keeps them private.
	Metrics prometheus.Registerer
	// Identity is the bot, shared with the process's other handlers and its
	// Webex caller; nil asks the handler's API.
	Identity *webexcall.Identity
	// Witness finds the bot's own replies among the stored events where
	// the room cannot be listed (group rooms), before a reply is sent
	// again. Default: the Webex API when it is one (webexcall.Client).
	Witness webexcall.Witness
}

func (c Config) withDefaults() Config {
	if c.Mode == "" {
		c.Mode = ModeBoth
	}
	if c.RecheckAfter == 0 {
		c.RecheckAfter = 10 * time.Second
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
		return fmt.Errorf("echo recheck delay %s: want > 0", c.RecheckAfter)
	}
	switch c.Mode {
	case ModeText, ModeWebhook, ModeBoth:
		return nil
	}
	return fmt.Errorf("echo mode %q: want text, webhook or both", c.Mode)
}
