package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webex"
)

// webhookCheckTimeout bounds the webhook check; it is advice, never a
// reason to hold up a start.
const webhookCheckTimeout = 10 * time.Second

// WebhookLister lists the webhooks of the bot's token; *webex.Client is one.
type WebhookLister interface {
	Webhooks(ctx context.Context) ([]webex.Webhook, error)
}

// DefaultExpectedWebhooks are the webhooks ingest checks for by default:
// those the shipped worker types (echo and cards) consume. A test in
// package shipped keeps the two lists equal; ingest does not import the
// worker types to learn it.
var DefaultExpectedWebhooks = []events.ResourceEvent{
	{Resource: "messages", Event: "created"},
	{Resource: "attachmentActions", Event: "created"},
}

// CheckWebhooks asks Webex (GET /webhooks) whether an active webhook
// delivers each resource/event in need, and logs a warning for each that
// none does, naming a disabled one when that is why: without it those
// events never reach webexpipe, and nothing else would say so. A webhook
// for "all" counts. It returns what is missing. When the list cannot be
// read it logs that and returns nil. It never logs a webhook's secret.
func CheckWebhooks(ctx context.Context, api WebhookLister, need []events.ResourceEvent, log *slog.Logger) []events.ResourceEvent {
	cctx, cancel := context.WithTimeout(ctx, webhookCheckTimeout)
	defer cancel()
	hooks, err := api.Webhooks(cctx)
	if err != nil {
		if ctx.Err() == nil { // not shutting down
			log.Warn("could not check the Webex webhooks", "err", err)
		}
		return nil
	}
	var missing []events.ResourceEvent
	for _, re := range need {
		var disabled []webex.Webhook
		active := false
		for _, h := range hooks {
			if !delivers(h, re) {
				continue
			}
			if h.Status == "" || h.Status == "active" {
				active = true
				break
			}
			disabled = append(disabled, h)
		}
		if active {
			continue
		}
		missing = append(missing, re)
		if len(disabled) > 0 {
			h := disabled[0]
			log.Warn("the Webex webhook for "+re.Resource+"/"+re.Event+" is disabled: its events are not delivered",
				"webhook_id", h.ID, "webhook_name", h.Name, "status", h.Status,
				"fix", "re-enable it with PUT /webhooks/{id} and \"status\": \"active\"")
			continue
		}
		log.Warn("no Webex webhook for "+re.Resource+"/"+re.Event+": those events will never arrive",
			"resource", re.Resource, "event", re.Event,
			"fix", fmt.Sprintf("register one: POST /webhooks with resource %q, event %q, the ingest URL as targetUrl and a secret", re.Resource, re.Event))
	}
	if len(missing) == 0 {
		log.Debug("Webex webhooks checked", "needed", len(need), "registered", len(hooks))
	}
	return missing
}

// CheckWebhooksAsync runs CheckWebhooks in the background, so that a slow
// Webex does not delay the start; wait returns once it is done (or ctx
// ended).
func CheckWebhooksAsync(ctx context.Context, api WebhookLister, need []events.ResourceEvent, log *slog.Logger) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		CheckWebhooks(ctx, api, need, log)
	}()
	return func() { <-done }
}

// delivers reports whether webhook h is registered for re.
func delivers(h webex.Webhook, re events.ResourceEvent) bool {
	return (h.Resource == re.Resource || h.Resource == "all") && (h.Event == re.Event || h.Event == "all")
}

// WebhookCheckOptions say which webhooks a process that receives all
// events (ingest) expects to exist.
type WebhookCheckOptions struct {
	Expect []string
}

// AddFlags registers --expect-webhooks.
func (o *WebhookCheckOptions) AddFlags(fs *pflag.FlagSet) {
	def := make([]string, 0, len(DefaultExpectedWebhooks))
	for _, re := range DefaultExpectedWebhooks {
		def = append(def, re.Resource+"/"+re.Event)
	}
	fs.StringSliceVar(&o.Expect, "expect-webhooks", def,
		"resource/event pairs whose Webex webhook is checked at start when a Webex token is set (empty: no check)")
}

// Needed parses Expect.
func (o WebhookCheckOptions) Needed() ([]events.ResourceEvent, error) {
	var out []events.ResourceEvent
	for _, s := range o.Expect {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		r, e, ok := strings.Cut(s, "/")
		if !ok || !events.ValidToken(r) || !events.ValidToken(e) {
			return nil, fmt.Errorf("expected webhook %q: want resource/event, e.g. messages/created", s)
		}
		out = append(out, events.ResourceEvent{Resource: r, Event: e})
	}
	return out, nil
}

// StartWebhookCheck is the webhook check of a process that uses Webex only
// for this advice (ingest): with a token in o it runs CheckWebhooksAsync for
// what c expects; without one, or with nothing expected, it logs that at
// debug level and checks nothing. wait returns once the check is done. The
// error is for settings that cannot work (an unreadable token file, a
// malformed expectation). learn, when set, gets the id of every webhook the
// check lists: the bot's own, which ingest then names in its signature
// failures.
func StartWebhookCheck(ctx context.Context, o process.WebexOptions, c WebhookCheckOptions, learn func(id string), log *slog.Logger) (wait func(), err error) {
	needed, err := c.Needed()
	if err != nil {
		return nil, err
	}
	client, err := optionalClient(o)
	if err != nil {
		return nil, err
	}
	if client == nil || len(needed) == 0 {
		log.Debug("Webex webhook check skipped: no Webex token, or no webhook expected")
		return func() {}, nil
	}
	var api WebhookLister = client
	if learn != nil {
		api = learningLister{api: client, learn: learn}
	}
	return CheckWebhooksAsync(ctx, api, needed, log), nil
}

// learningLister passes the id of every webhook it lists to learn.
type learningLister struct {
	api   WebhookLister
	learn func(id string)
}

func (l learningLister) Webhooks(ctx context.Context) ([]webex.Webhook, error) {
	hooks, err := l.api.Webhooks(ctx)
	for _, h := range hooks {
		l.learn(h.ID)
	}
	return hooks, err
}

// optionalClient is the Webex client o describes, or nil when no token is
// set.
func optionalClient(o process.WebexOptions) (*webex.Client, error) {
	token, err := o.ResolveToken()
	if err != nil || token == "" {
		return nil, err
	}
	return o.Client()
}
