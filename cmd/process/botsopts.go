package process

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/bots"
	"github.com/webexpipe/webexpipe/workers/webex"
)

// BotsOptions name the bot registry of a deployment that serves several
// bots (BOTS_FILE). Without one, a binary serves the one bot of the
// single-bot settings (WEBEX_TOKEN, WEBEX_WEBHOOK_SECRET, ...), as the
// bot bots.DefaultBotID.
type BotsOptions struct {
	File string
	// Unsigned allows registrations without a webhook secret (ingest's
	// INSECURE_SKIP_SIGNATURE); set by the binary, not a flag of its own.
	Unsigned bool
	// SkipTokens and SkipSecrets leave the tokens or the webhook secrets
	// unread, for a binary that does not use them (bots.Options); set by
	// the binary.
	SkipTokens, SkipSecrets bool
}

// AddFlags registers BOTS_FILE.
func (o *BotsOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.File, "bots-file", "", "the bot registry (YAML or JSON) of a deployment serving several bots; empty: the one bot of the WEBEX_TOKEN and WEBEX_WEBHOOK_SECRET settings")
}

// Registry loads the registry file or, when none is set, builds the
// one-bot registry from single. A registry file and single-bot settings
// together are refused: the file is then the only place a token or secret
// may come from, so a stale WEBEX_TOKEN cannot quietly serve a bot.
func (o BotsOptions) Registry(single bots.SingleSettings) (*bots.Registry, error) {
	if o.File == "" {
		return bots.Single(single)
	}
	if single.Token != "" || single.TokenFile != "" || len(single.Secrets) > 0 || single.SecretFile != "" {
		return nil, errors.New("BOTS_FILE is set: take the token and the webhook secrets out of WEBEX_TOKEN(_FILE) and WEBEX_WEBHOOK_SECRET(_FILE); the registry names each bot's")
	}
	r, err := bots.LoadFile(o.File, bots.Options{
		LookupEnv: os.LookupEnv, Unsigned: o.Unsigned, SkipTokens: o.SkipTokens, SkipSecrets: o.SkipSecrets,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.File, err)
	}
	return r, nil
}

// Single is the part of the single-bot settings o holds: the token.
func (o WebexOptions) Single() bots.SingleSettings {
	return bots.SingleSettings{Token: o.Token, TokenFile: o.TokenFile}
}

// ClientFor builds the Webex client that calls as b, with b's token.
func (o WebexOptions) ClientFor(b *bots.Bot) (*webex.Client, error) {
	if b.Token.IsZero() {
		if b.ID == bots.DefaultBotID {
			return nil, errNoToken
		}
		return nil, fmt.Errorf("bot %s: no Webex token", b.ID)
	}
	return o.clientWith(b.Token.Reveal())
}
