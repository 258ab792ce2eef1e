package webhooks

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultWatchInterval is how often the watchdog looks by default: well
// within the five minutes a disabled webhook waits anyway.
const DefaultWatchInterval = time.Minute

// WatchOptions configure Watch.
type WatchOptions struct {
	// Interval between rounds; default DefaultWatchInterval.
	Interval time.Duration
	// Spec, when set, makes every round an Ensure: missing webhooks are
	// created and drift is fixed too. Without it a round only re-activates
	// disabled managed webhooks (Reactivate), which needs neither the
	// target nor the secret.
	Spec *Spec
	// Metrics is where the webhook health metrics go; nil keeps them in a
	// private registry.
	Metrics prometheus.Registerer
	// OnRound, when set, is called after every round.
	OnRound func(*Report, error)
}

// Watch checks the managed webhooks at once and then every Interval until
// ctx ends, re-activating disabled ones by the five-minute rule (with its
// growing waits) and exporting their health as metrics. A round that fails
// (Webex or NATS unreachable) is logged and counted, and the next round
// tries again. Watch returns nil when ctx ends, or an error at once when
// the spec or the metrics cannot be set up.
func (m *Manager) Watch(ctx context.Context, o WatchOptions) error {
	if o.Spec != nil {
		if err := o.Spec.Validate(); err != nil {
			return err
		}
	}
	if o.Interval <= 0 {
		o.Interval = DefaultWatchInterval
	}
	met, err := newWatchMetrics(o.Metrics)
	if err != nil {
		return err
	}
	m.o.Logger.Info("webhook watchdog started", "interval", o.Interval, "name_prefix", m.o.NamePrefix, "ensure", o.Spec != nil)
	t := time.NewTicker(o.Interval)
	defer t.Stop()
	for {
		rep, err := m.round(ctx, o)
		if ctx.Err() != nil {
			return nil
		}
		met.observe(rep, err, m.o.Now())
		if err != nil {
			m.o.Logger.Warn("webhook check failed; trying again next round", "err", err, "next_in", o.Interval)
		}
		if o.OnRound != nil {
			o.OnRound(rep, err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// round is one check, bounded by the interval so that a hung call does not
// stall the watchdog.
func (m *Manager) round(ctx context.Context, o WatchOptions) (*Report, error) {
	ctx, cancel := context.WithTimeout(ctx, max(o.Interval, m.o.LockWait+10*time.Second))
	defer cancel()
	if o.Spec != nil {
		return m.Ensure(ctx, *o.Spec)
	}
	return m.Reactivate(ctx)
}
