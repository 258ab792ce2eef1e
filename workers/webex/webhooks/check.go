package webhooks

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webex"
)

// CheckTimeout bounds one Check of Warn: the check is advice, never a
// reason to hold up a start.
const CheckTimeout = 10 * time.Second

// Lister lists the webhooks of the bot's token; *webex.Client is one.
type Lister interface {
	Webhooks(ctx context.Context) ([]webex.Webhook, error)
}

// Gap is a wanted resource/event that no active webhook delivers: its
// events never reach ingest. It never holds a secret.
type Gap struct {
	Resource string `json:"resource"`
	Event    string `json:"event"`
	// DisabledID and DisabledName name a webhook for it that Webex
	// disabled, when that is why; both empty when none is registered.
	DisabledID   string `json:"disabled_id,omitempty"`
	DisabledName string `json:"disabled_name,omitempty"`
}

// Missing is the one rule for "do the webhooks that must exist exist":
// for each pair of want, in order, it reports a Gap unless an active
// webhook of hooks delivers it. Any webhook counts, managed or not, and one
// for "all" (resource or event) delivers every pair it covers; a wanted
// "all" is delivered only by a webhook for "all".
func Missing(hooks []webex.Webhook, want []events.ResourceEvent) []Gap {
	var gaps []Gap
	for _, re := range want {
		g := Gap{Resource: re.Resource, Event: re.Event}
		delivered := false
		for _, h := range hooks {
			if !delivers(h, re) {
				continue
			}
			if active(h) {
				delivered = true
				break
			}
			if g.DisabledID == "" {
				g.DisabledID, g.DisabledName = h.ID, h.Name
			}
		}
		if !delivered {
			gaps = append(gaps, g)
		}
	}
	return gaps
}

// delivers reports whether webhook h is registered for re.
func delivers(h webex.Webhook, re events.ResourceEvent) bool {
	return (h.Resource == re.Resource || h.Resource == "all") && (h.Event == re.Event || h.Event == "all")
}

// Check lists the webhooks of the token (GET /webhooks) and returns what of
// want none delivers (see Missing).
func Check(ctx context.Context, api Lister, want []events.ResourceEvent) ([]Gap, error) {
	hooks, err := api.Webhooks(ctx)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return Missing(hooks, want), nil
}

// Warn is the check a process runs at start: Check bounded by
// CheckTimeout, a warning logged for each gap (naming the disabled webhook
// when that is why, and how to fix it), and the gaps returned. Without it a
// missing webhook shows nowhere: its events simply never come. When the
// list cannot be read it logs that, unless ctx ended (a shutdown), and
// returns nil.
func Warn(ctx context.Context, api Lister, want []events.ResourceEvent, log *slog.Logger) []Gap {
	if len(want) == 0 {
		return nil
	}
	cctx, cancel := context.WithTimeout(ctx, CheckTimeout)
	defer cancel()
	gaps, err := Check(cctx, api, want)
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("could not check the Webex webhooks", "err", err)
		}
		return nil
	}
	for _, g := range gaps {
		logGap(log, g)
	}
	if len(gaps) == 0 {
		log.Debug("Webex webhooks checked", "wanted", len(want))
	}
	return gaps
}

// WarnAsync runs Warn in the background, so that a slow Webex does not
// delay a start; wait returns once it is done (at once after ctx ends).
func WarnAsync(ctx context.Context, api Lister, want []events.ResourceEvent, log *slog.Logger) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		Warn(ctx, api, want, log)
	}()
	return func() { <-done }
}

// logGap logs one gap as a warning with its fix.
func logGap(log *slog.Logger, g Gap) {
	pair := g.Resource + "/" + g.Event
	if g.DisabledID != "" {
		log.Warn("the Webex webhook for "+pair+" is disabled: its events are not delivered",
			"webhook_id", g.DisabledID, "webhook_name", g.DisabledName,
			"fix", "re-activate it (webexpipe webhooks ensure, or PUT /webhooks/{id} with \"status\": \"active\")")
		return
	}
	log.Warn("no Webex webhook for "+pair+": those events will never arrive",
		"resource", g.Resource, "event", g.Event,
		"fix", "webexpipe webhooks ensure, or POST /webhooks with this resource and event, the ingest URL as targetUrl and a secret")
}
