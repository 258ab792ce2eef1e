package ingest

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/bots"
	"github.com/webexpipe/webexpipe/events"
)

// botRoute is one bot as the service routes deliveries to it.
type botRoute struct {
	id string
	// verifier holds every secret of the bot's registrations: what a
	// delivery whose webhook id no registration names is checked against.
	verifier *events.Verifier
	// The bot's series every stored delivery touches, looked up once.
	stored, duplicate prometheus.Counter
}

// webhookRoute is a registration that names its Webex webhook id.
type webhookRoute struct {
	bot      *botRoute
	verifier *events.Verifier // the registration's own secrets
}

// botRoutes are the bots a delivery may be for. Read-only once built.
type botRoutes struct {
	byID map[string]*botRoute
	// byWebhook holds the registrations that name their webhook id; empty
	// in a single-bot deployment, whose settings never name one.
	byWebhook map[string]webhookRoute
	// bare is the bot of a delivery to the bare webhook path whose webhook
	// id no registration names: the only bot of a one-bot deployment,
	// else the bot events.DefaultBot when the registry has it (a
	// single-bot deployment that added bots keeps its first bot's webhooks
	// as they are), else nil: refused.
	bare *botRoute
}

// newBotRoutes builds the routes of cfg (with defaults): the bots of
// cfg.Bots, or the one bot events.DefaultBot verified with cfg.Secrets.
func newBotRoutes(cfg Config, m *metrics) *botRoutes {
	rs := &botRoutes{byID: map[string]*botRoute{}, byWebhook: map[string]webhookRoute{}}
	add := func(id string, secrets [][]byte) *botRoute {
		b := &botRoute{
			id:        id,
			verifier:  events.NewVerifier(secrets),
			stored:    m.requests.WithLabelValues(outcomeStored, id),
			duplicate: m.requests.WithLabelValues(outcomeDuplicate, id),
		}
		rs.byID[id] = b
		return b
	}
	if cfg.Bots == nil {
		rs.bare = add(events.DefaultBot, cfg.Secrets)
		return rs
	}
	for _, bot := range cfg.Bots.Bots() {
		b := add(bot.ID, revealAll(bot.Secrets()))
		for _, w := range bot.Webhooks {
			if w.ID != "" {
				rs.byWebhook[w.ID] = webhookRoute{bot: b, verifier: events.NewVerifier(revealAll(w.Secrets))}
			}
		}
	}
	if cfg.Bots.Len() == 1 {
		rs.bare = rs.byID[cfg.Bots.IDs()[0]]
	} else {
		rs.bare = rs.byID[events.DefaultBot] // nil without it
	}
	return rs
}

// revealAll turns secrets into the keys a Verifier takes.
func revealAll(secrets []bots.Secret) [][]byte {
	out := make([][]byte, len(secrets))
	for i, s := range secrets {
		out[i] = []byte(s.Reveal())
	}
	return out
}

// choice is the bot a delivery is taken to be for, and what verifies it.
type choice struct {
	bot      *botRoute
	verifier *events.Verifier
	// claimed is the webhook id the body claims, read to pick the
	// verifier; byID tells whether it was read at all.
	claimed string
	byID    bool
}

// choose picks the bot of a delivery and the secrets that must have signed
// it: those of the registration named by the body's webhook id, else all
// of the bot's. pathBot is the bot the URL names, nil for the bare webhook
// path. The id comes from a body whose signature is not checked yet: it
// only selects which secrets to check, or refuses; the caller acts on the
// delivery only once those secrets verified it, and then checks that the
// decoded envelope names the same id.
func (rs *botRoutes) choose(pathBot *botRoute, body []byte) (choice, *rejection) {
	if len(rs.byWebhook) == 0 {
		// No registration names an id, so the id selects nothing: the
		// single-bot case reads nothing before the signature is checked.
		b := pathBot
		if b == nil {
			b = rs.bare
		}
		if b == nil {
			return choice{}, unknownWebhook()
		}
		return choice{bot: b, verifier: b.verifier}, nil
	}
	id := claimedWebhook(body)
	w, registered := rs.byWebhook[id] // never holds ""
	switch {
	case registered && pathBot != nil && w.bot != pathBot:
		return choice{}, &rejection{http.StatusForbidden, outcomeWrongBot, "webhook not registered to this bot"}
	case registered:
		return choice{bot: w.bot, verifier: w.verifier, claimed: id, byID: true}, nil
	case pathBot != nil:
		return choice{bot: pathBot, verifier: pathBot.verifier, claimed: id, byID: true}, nil
	case rs.bare != nil:
		return choice{bot: rs.bare, verifier: rs.bare.verifier, claimed: id, byID: true}, nil
	}
	return choice{}, unknownWebhook()
}

func unknownWebhook() *rejection {
	return &rejection{http.StatusNotFound, outcomeUnknownWebhook, "unknown webhook; deliver to the webhook path followed by /<bot>"}
}
