package bots

import (
	"cmp"
	"slices"
	"time"

	"github.com/webexpipe/webexpipe/events"
)

// MaxBots bounds a registry. A bot id is a label value of every metric
// labelled by bot, so each bot adds its own series to each of them; a
// thousand bots keeps that within what one Prometheus scrape handles. A
// deployment with more bots is several deployments.
const MaxBots = 1000

// DefaultBotID is the id of the one bot of a registry built from the
// single-bot settings (Single). Its events keep the subjects and consumers
// of a single-bot deployment (see events.DefaultBot).
const DefaultBotID = events.DefaultBot

// ValidID reports whether id may be a bot id: a lowercase letter, then up
// to 31 lowercase letters, digits or '_'. Such an id is a NATS subject
// token, a Prometheus label value and a URL path segment as it is.
func ValidID(id string) bool { return events.ValidBot(id) }

// SourceKind says where a secret was read from.
type SourceKind string

const (
	// SourceFile is a file (token_file, secret_file, WEBEX_TOKEN_FILE).
	SourceFile SourceKind = "file"
	// SourceEnv is an environment variable named in the registry
	// (token_env, secret_env).
	SourceEnv SourceKind = "env"
	// SourceSetting is a single-bot setting given as a value
	// (WEBEX_TOKEN, --webex-token).
	SourceSetting SourceKind = "setting"
	// SourceNone means no secret was given (only possible in Single).
	SourceNone SourceKind = "none"
)

// Bot is one bot of a registry. It is read-only: do not modify it or what
// its slices hold.
type Bot struct {
	// ID names the bot everywhere: subjects, metric labels, the webhook path.
	ID string
	// Token is the bot's Webex access token. Zero only in a registry from
	// Single without a token, as today's ingest runs.
	Token Secret
	// TokenSource says where the token came from, never what it is.
	TokenSource SourceKind
	// Webhooks are the bot's webhook registrations, in the file's order.
	Webhooks []Webhook
	// MaxPause is the longest rate-limit pause of the bot's token (the
	// bot's WEBEX_MAX_PAUSE); 0: the deployment's.
	MaxPause time.Duration
	// TargetURL is where Webex delivers the bot's webhooks (the bot's
	// WEBHOOK_TARGET); "": the deployment's.
	TargetURL string
}

// Webhook is one webhook registration of a bot.
type Webhook struct {
	// ID is the Webex webhook id; "" when it is not known yet (a webhook
	// still to be created, or the single-bot settings, which never name one).
	ID string
	// Secrets verify the registration's deliveries; several while a secret
	// is rotated, the one to register first. Empty only when the registry
	// allows unsigned webhooks.
	Secrets []Secret
	// Resources are the resource/event pairs the registration covers, as
	// WEBHOOK_RESOURCES lists them; empty: the registry does not say.
	Resources []events.ResourceEvent
}

// Secrets returns every secret of every registration of the bot, each once,
// in the file's order: what a delivery whose webhook id is not registered
// (yet) is checked against.
func (b *Bot) Secrets() []Secret {
	var out []Secret
	for _, w := range b.Webhooks {
		for _, s := range w.Secrets {
			if !slices.ContainsFunc(out, s.Equal) {
				out = append(out, s)
			}
		}
	}
	return out
}

// Resources returns the resource/event pairs of all the bot's
// registrations, each once: the webhooks that must exist for the bot.
func (b *Bot) Resources() []events.ResourceEvent {
	var out []events.ResourceEvent
	for _, w := range b.Webhooks {
		for _, re := range w.Resources {
			if !slices.Contains(out, re) {
				out = append(out, re)
			}
		}
	}
	return out
}

// Registry is a checked set of bots. It is read-only and safe for
// concurrent use.
type Registry struct {
	bots      []*Bot // sorted by id
	byID      map[string]*Bot
	byWebhook map[string]webhookRef
}

// webhookRef locates a registration.
type webhookRef struct {
	bot *Bot
	at  int // index in bot.Webhooks
}

// newRegistry indexes bots, which are valid and have unique ids and
// webhook ids.
func newRegistry(bots []*Bot) *Registry {
	r := &Registry{
		bots:      slices.Clone(bots),
		byID:      make(map[string]*Bot, len(bots)),
		byWebhook: map[string]webhookRef{},
	}
	slices.SortFunc(r.bots, func(a, b *Bot) int { return cmp.Compare(a.ID, b.ID) })
	for _, b := range r.bots {
		r.byID[b.ID] = b
		for i, w := range b.Webhooks {
			if w.ID != "" {
				r.byWebhook[w.ID] = webhookRef{bot: b, at: i}
			}
		}
	}
	return r
}

// Len is the number of bots.
func (r *Registry) Len() int { return len(r.bots) }

// IDs returns the bot ids, sorted: the same list for the same registry,
// whatever the order of the file.
func (r *Registry) IDs() []string {
	out := make([]string, len(r.bots))
	for i, b := range r.bots {
		out[i] = b.ID
	}
	return out
}

// Bots returns the bots in the order of IDs.
func (r *Registry) Bots() []*Bot { return slices.Clone(r.bots) }

// Bot returns the bot with id.
func (r *Registry) Bot(id string) (*Bot, bool) {
	b, ok := r.byID[id]
	return b, ok
}

// Webhook returns the bot that registered the Webex webhook id, and that
// registration (whose Secrets verify the delivery).
func (r *Registry) Webhook(id string) (*Bot, *Webhook, bool) {
	ref, ok := r.byWebhook[id] // never holds ""
	if !ok {
		return nil, nil, false
	}
	return ref.bot, &ref.bot.Webhooks[ref.at], true
}
