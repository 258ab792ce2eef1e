package webexcall

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webex"
)

// PersonGetter is the part of a Webex client Identity needs.
type PersonGetter interface {
	Me(ctx context.Context) (*webex.Person, error)
}

// Identity is the bot as Webex knows it, learned once from GET /people/me.
// Its id is the loop guard (a bot receives webhooks for its own messages
// and actions); its display name is how users mention it. Every handler
// and the Webex caller of one process share one Identity per token. It is
// safe for concurrent use.
type Identity struct {
	api PersonGetter

	mu sync.Mutex    // guards me
	me *webex.Person // nil until a look-up succeeded
}

// NewIdentity returns an Identity that asks api.
func NewIdentity(api PersonGetter) *Identity { return &Identity{api: api} }

// Me returns the bot, asking Webex the first time. A failure is not
// cached: the next call asks again. A person without an id is a permanent
// failure: no handler can tell the bot's own events apart without it.
func (i *Identity) Me(ctx context.Context) (*webex.Person, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.me != nil {
		return i.me, nil
	}
	me, err := i.api.Me(ctx)
	if err != nil {
		return nil, fmt.Errorf("who am I: %w", err)
	}
	if me.ID == "" {
		return nil, workers.Permanent(errors.New("who am I: GET /people/me returned no id"))
	}
	i.me = me
	return me, nil
}

// remember keeps me as the bot when none is known yet and it has an id,
// sparing the first handler a look-up (the token check at start has one).
func (i *Identity) remember(me *webex.Person) {
	if me == nil || me.ID == "" {
		return
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.me == nil {
		i.me = me
	}
}

// ID returns the bot's personId (see Me).
func (i *Identity) ID(ctx context.Context) (string, error) {
	me, err := i.Me(ctx)
	if err != nil {
		return "", err
	}
	return me.ID, nil
}

// SkipOwn is the loop guard as middleware: an event whose data.personId is
// the bot's own is ignored (workers.Ignore) before the handler runs. A
// failed look-up of the bot is classified like any Webex call (Classify).
// Handlers that fetch what an event announced should still compare the
// fetched object's author: the webhook's personId is the actor, which is
// the author for messages but may differ for other resources.
func (i *Identity) SkipOwn() workers.Middleware {
	return func(next workers.Handler) workers.Handler {
		return workers.HandlerFunc(func(ctx context.Context, ev *workers.Event) error {
			bot, err := i.ID(ctx)
			if err != nil {
				return Classify(err)
			}
			if ev.Envelope != nil && ev.Envelope.Data.PersonID == bot {
				return workers.Ignore("the bot's own " + ev.Envelope.Resource)
			}
			return next.Handle(ctx, ev)
		})
	}
}
