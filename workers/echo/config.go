package echo

import (
	"fmt"
	"log/slog"
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
	// Logger receives a line per reply; default discards.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Mode == "" {
		c.Mode = ModeBoth
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports a setting that cannot work.
func (c Config) Validate() error {
	switch c.withDefaults().Mode {
	case ModeText, ModeWebhook, ModeBoth:
		return nil
	}
	return fmt.Errorf("echo mode %q: want text, webhook or both", c.Mode)
}
