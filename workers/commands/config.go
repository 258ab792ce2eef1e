package commands

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/workers/webexcall"
)

// DefaultRecheckAfter is Config.RecheckAfter's default.
const DefaultRecheckAfter = 10 * time.Second

// HelpCommand is the command that lists the others, unless a Command of
// that name is registered.
const HelpCommand = "help"

// Command is one text command.
type Command struct {
	// Name is the word that selects it, compared without case, e.g. "card".
	// Aliases select it too, e.g. "/card".
	Name    string
	Aliases []string
	// Help is its one-line description in the help reply; a command
	// without one is not listed.
	Help string
	// Handler answers it.
	Handler Handler
}

// Config configures a Router.
type Config struct {
	// Worker names the worker type in log lines and metrics, e.g. "echo".
	// Required.
	Worker string
	// Commands are the commands the router knows; names and aliases must
	// be single words and unique.
	Commands []Command
	// Default answers a message whose first word is no command (and a
	// message without text); nil answers with a short note pointing at
	// help.
	Default Handler
	// Intro starts the help reply, e.g. "I echo what you write."
	Intro string
	// RecheckAfter is how long to wait after a reply whose outcome is
	// unknown (the POST timed out, or Webex answered 502/504) before
	// looking for it in the room and sending it again. Webex may still be
	// storing the first one; looking too early would post twice. Default
	// 10s.
	RecheckAfter time.Duration
	// Witness finds the bot's own replies among the stored events where
	// the room cannot be listed (group rooms), before a reply is sent
	// again; nil uses the API when it is one (a webexcall.Client is).
	Witness webexcall.Witness
	// Identity is the bot, shared with the process's other handlers and its
	// Webex caller; nil asks the router's API.
	Identity *webexcall.Identity
	// Logger receives a line per reply; nil discards.
	Logger *slog.Logger
	// Metrics is where the router registers its counters; nil keeps them
	// in a private registry.
	Metrics prometheus.Registerer
}

func (c Config) withDefaults() Config {
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
	if c.Worker == "" {
		return errors.New("commands: a worker name is required")
	}
	if c.RecheckAfter < 0 {
		return fmt.Errorf("commands: recheck delay %s: want > 0", c.RecheckAfter)
	}
	seen := map[string]bool{}
	for _, cmd := range c.Commands {
		if cmd.Handler == nil {
			return fmt.Errorf("commands: command %q has no handler", cmd.Name)
		}
		for _, w := range append([]string{cmd.Name}, cmd.Aliases...) {
			word, rest := split(w)
			switch {
			case word == "" || rest != "":
				return fmt.Errorf("commands: %q is not a single word", w)
			case seen[word]:
				return fmt.Errorf("commands: %q is registered twice", word)
			}
			seen[word] = true
		}
	}
	return nil
}
