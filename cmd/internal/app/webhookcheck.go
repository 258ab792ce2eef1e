package app

import (
	"context"
	"log/slog"

	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

// StartWebhookCheck is ingest's start check of the webhooks that must
// exist (--webhook-resources): with a token in o it runs webhooks.WarnAsync,
// a warning for each wanted webhook missing or disabled on Webex; without
// one, or with nothing wanted, it logs that at debug level and checks
// nothing. wait returns once the check is done. The error is for settings
// that cannot work (an unreadable token file, a malformed resource).
// learn, when set, gets the id of every webhook the check lists: the
// bot's own, which ingest then names in its signature failures.
func StartWebhookCheck(ctx context.Context, o process.WebexOptions, wh WebhookOptions, learn func(id string), log *slog.Logger) (wait func(), err error) {
	wanted, err := wh.Wanted()
	if err != nil {
		return nil, err
	}
	client, err := optionalClient(o)
	if err != nil {
		return nil, err
	}
	if client == nil || len(wanted) == 0 {
		log.Debug("Webex webhook check skipped: no Webex token, or no webhook wanted")
		return func() {}, nil
	}
	var api webhooks.Lister = client
	if learn != nil {
		api = learningLister{api: client, learn: learn}
	}
	return webhooks.WarnAsync(ctx, api, wanted, log), nil
}

// learningLister passes the id of every webhook it lists to learn.
type learningLister struct {
	api   webhooks.Lister
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
