package bots

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/webexpipe/webexpipe/events"
)

// SingleSettings are the single-bot settings as a binary reads them: one
// token, one list of webhook secrets, one list of webhooks that must exist.
type SingleSettings struct {
	// Token is WEBEX_TOKEN (--webex-token).
	Token string
	// TokenFile is WEBEX_TOKEN_FILE, read when Token is empty.
	TokenFile string
	// Secrets are WEBEX_WEBHOOK_SECRET's entries (the flag splits it at commas).
	Secrets []string
	// SecretFile is WEBEX_WEBHOOK_SECRET_FILE, one secret a line, added
	// after Secrets.
	SecretFile string
	// Resources are WEBHOOK_RESOURCES' entries.
	Resources []string
	// MaxPause is WEBEX_MAX_PAUSE (0: not set).
	MaxPause time.Duration
	// TargetURL is WEBHOOK_TARGET ("": not set).
	TargetURL string
}

// Single is the registry of a deployment that serves one bot, built from
// the single-bot settings: one bot, DefaultBotID, with one webhook
// registration without an id, holding every secret and every resource.
//
// It reads the settings the way the binaries do (a token file trimmed,
// Token winning over TokenFile; secret entries trimmed, the file one a
// line) and requires no more than they do: a bot without a token (ingest
// needs none) or without a secret (INSECURE_SKIP_SIGNATURE, or a worker,
// which verifies nothing) is allowed, and whoever needs one checks
// Bot.Token or Bot.Secrets and names the setting to set. Errors are a file
// that cannot be read and a resource list that does not parse; they never
// hold a secret.
func Single(s SingleSettings) (*Registry, error) {
	b := &Bot{ID: DefaultBotID, TokenSource: SourceNone, MaxPause: s.MaxPause, TargetURL: s.TargetURL}
	switch {
	case s.Token != "":
		b.Token, b.TokenSource = NewSecret(s.Token), SourceSetting
	case s.TokenFile != "":
		data, err := os.ReadFile(s.TokenFile)
		if err != nil {
			return nil, fmt.Errorf("webex token file: %w", err)
		}
		if tok := strings.TrimSpace(string(data)); tok != "" {
			b.Token, b.TokenSource = NewSecret(tok), SourceFile
		}
	}
	var w Webhook
	for _, v := range s.Secrets {
		w.Secrets = append(w.Secrets, splitSecrets(v, ",")...)
	}
	if s.SecretFile != "" {
		data, err := os.ReadFile(s.SecretFile)
		if err != nil {
			return nil, fmt.Errorf("webhook secret file: %w", err)
		}
		w.Secrets = append(w.Secrets, splitSecrets(string(data), "\n")...)
	}
	// An entry given twice is taken once, as the binaries take it.
	res, err := events.ParseResourceEvents(s.Resources)
	if err != nil {
		return nil, fmt.Errorf("webhook resources: %w", err)
	}
	for _, re := range res {
		if !slices.Contains(w.Resources, re) {
			w.Resources = append(w.Resources, re)
		}
	}
	b.Webhooks = []Webhook{w}
	return newRegistry([]*Bot{b}), nil
}
