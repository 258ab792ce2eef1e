package app

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/bots"
	"github.com/webexpipe/webexpipe/cmd/process"
)

// ErrUnknownBot is returned by BotChoice.Bots for a --bot the registry
// does not hold.
var ErrUnknownBot = errors.New("no such bot")

// BotChoice is how an operator command says which bots it acts for: the
// deployment's registry (BOTS_FILE, or the one bot "default" of the
// single-bot settings) and --bot, which narrows it to some of its bots.
type BotChoice struct {
	Registry process.BotsOptions
	// IDs are the --bot values; empty: every bot of the registry.
	IDs []string
}

// AddFlags registers --bots-file (BOTS_FILE) and --bot on fs.
func (c *BotChoice) AddFlags(fs *pflag.FlagSet) {
	c.Registry.AddFlags(fs)
	fs.StringSliceVar(&c.IDs, "bot", nil, "only these bots of the registry (repeat the flag or separate with commas); default: every bot")
	process.FlagOnly(fs, "bot")
}

// IDsOnly makes Bots read no token and no webhook secret: for a command
// that needs the bots' ids alone.
func (c *BotChoice) IDsOnly() {
	c.Registry.SkipTokens, c.Registry.SkipSecrets = true, true
}

// Bots loads the registry (single are the single-bot settings the command
// has) and returns the chosen bots, in id order. An id the registry does
// not hold is an error naming the ones it does.
func (c BotChoice) Bots(single bots.SingleSettings) ([]*bots.Bot, error) {
	r, err := c.Registry.Registry(single)
	if err != nil {
		return nil, err
	}
	if len(c.IDs) == 0 {
		return r.Bots(), nil
	}
	var out []*bots.Bot
	for _, id := range c.IDs {
		id = strings.TrimSpace(id)
		b, ok := r.Bot(id)
		if !ok {
			return nil, fmt.Errorf("--bot %q: %w; the registry has %s", id, ErrUnknownBot, strings.Join(r.IDs(), ", "))
		}
		if !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(a, b *bots.Bot) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Named are the ids --bot gives, checked against the registry (read
// without tokens or secrets); nil without --bot, which a command reads as
// every bot, those the registry no longer holds too.
func (c BotChoice) Named() ([]string, error) {
	c.IDsOnly()
	chosen, err := c.Bots(bots.SingleSettings{})
	if err != nil || len(c.IDs) == 0 {
		return nil, err
	}
	return BotIDs(chosen), nil
}

// BotIDs are the ids of bs.
func BotIDs(bs []*bots.Bot) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.ID
	}
	return out
}
