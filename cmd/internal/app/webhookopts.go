package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

// WebhookOptions describe the webhooks a deployment wants on Webex, for
// ingest (its start check and its watchdog) and `webexpipe webhooks
// ensure|watch`. Resources is the one setting that says which webhooks must
// exist: checked with webhooks.Check, and created by ensure. The secret
// comes from the ingest settings (--webex-webhook-secret, -file): the
// first one is registered.
type WebhookOptions struct {
	Target        string
	Resources     []string
	NamePrefix    string
	Filter        string
	WatchInterval time.Duration
}

// AddFlags registers the webhook settings. watchDefault is the default
// watchdog interval (0: no watchdog unless asked for; negative: no
// --webhook-watch-interval flag, for commands that do not watch).
func (o *WebhookOptions) AddFlags(fs *pflag.FlagSet, watchDefault time.Duration) {
	o.AddPrefixFlag(fs)
	fs.StringVar(&o.Target, "webhook-target", "", "the public URL Webex delivers to (ingest's webhook path behind the proxy)")
	fs.StringSliceVar(&o.Resources, "webhook-resources", DefaultWebhookResources,
		"the webhooks that must exist, comma-separated: resource (its created event) or resource/event, e.g. memberships/all; "+
			"checked against Webex, and created by ensure (or the watchdog) with --webhook-target (empty: none)")
	fs.StringVar(&o.Filter, "webhook-filter", "", "a Webex filter for every managed webhook, e.g. roomType=direct")
	if watchDefault >= 0 {
		fs.DurationVar(&o.WatchInterval, "webhook-watch-interval", watchDefault,
			"how often the watchdog checks the webhooks and re-activates disabled ones (0: no watchdog)")
	}
}

// DefaultWebhookResources are the webhooks that must exist by default:
// those the shipped worker types (echo and cards) consume. A test in
// package shipped keeps the two equal; ingest does not import the worker
// types to learn it.
var DefaultWebhookResources = []string{"messages", "attachmentActions"}

// Wanted parses Resources: the resource/event pairs that must have a
// webhook, none when Resources is empty.
func (o WebhookOptions) Wanted() ([]events.ResourceEvent, error) {
	return webhooks.ParseEvents(o.Resources)
}

// AddPrefixFlag registers --webhook-name-prefix alone, for commands that
// only need to know which webhooks are managed.
func (o *WebhookOptions) AddPrefixFlag(fs *pflag.FlagSet) {
	fs.StringVar(&o.NamePrefix, "webhook-name-prefix", webhooks.DefaultNamePrefix,
		"the name prefix of the webhooks webexpipe manages; others are never touched")
}

// Spec is the desired set, signed with secret; unsigned allows none.
func (o WebhookOptions) Spec(secret string, unsigned bool) (webhooks.Spec, error) {
	evs, err := o.Wanted()
	if err != nil {
		return webhooks.Spec{}, err
	}
	s := webhooks.Spec{TargetURL: o.Target, Secret: secret, Unsigned: unsigned, Events: evs, Filter: o.Filter}
	if err := s.Validate(); err != nil {
		return webhooks.Spec{}, err
	}
	return s, nil
}

// ManagerOptions are the manager settings, logging to log.
func (o WebhookOptions) ManagerOptions(log *slog.Logger) webhooks.Options {
	return webhooks.Options{NamePrefix: o.NamePrefix, Logger: log}
}

// WebhookSecret is the secret to register: the first of the ingest
// secrets (flag, then file), the new one during a rotation; "" when none is
// set.
func WebhookSecret(in IngestOptions) (string, error) {
	secrets, err := in.ResolveSecrets()
	if err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	if len(secrets) == 0 {
		return "", nil
	}
	return string(secrets[0]), nil
}

// StartWebhookWatch runs the webhook watchdog in the background when
// --webhook-watch-interval is set and a Webex token is: with
// --webhook-target every round ensures the desired set (signed with the
// first ingest secret), otherwise it only re-activates disabled managed
// webhooks; either way every round checks the webhooks that must exist
// (--webhook-resources). Its metrics go to reg. The returned function
// waits for it to stop after ctx ends.
func StartWebhookWatch(ctx context.Context, js jetstream.JetStream, webexO process.WebexOptions, wh WebhookOptions, in IngestOptions,
	reg prometheus.Registerer, log *slog.Logger) (func(), error) {
	if wh.WatchInterval <= 0 {
		return func() {}, nil
	}
	client, err := optionalClient(webexO)
	if err != nil {
		return nil, err
	}
	if client == nil {
		log.Warn("webhook watchdog off: it needs WEBEX_TOKEN or WEBEX_TOKEN_FILE")
		return func() {}, nil
	}
	wanted, err := wh.Wanted()
	if err != nil {
		return nil, err
	}
	o := webhooks.WatchOptions{Interval: wh.WatchInterval, Want: wanted, Metrics: reg}
	if wh.Target != "" {
		secret, err := WebhookSecret(in)
		if err != nil {
			return nil, err
		}
		spec, err := wh.Spec(secret, in.Insecure)
		if err != nil {
			return nil, err
		}
		o.Spec = &spec
	}
	m, err := webhooks.Open(ctx, client, js, wh.ManagerOptions(log.With("component", "webhook-watchdog")))
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := m.Watch(ctx, o); err != nil {
			log.Error("webhook watchdog", "err", err)
		}
	}()
	return func() { <-done }, nil
}
