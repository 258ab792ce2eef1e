package webhooks

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
)

// DefaultWatchInterval is how often the watchdog looks by default: well
// within the five minutes a disabled webhook waits anyway.
const DefaultWatchInterval = time.Minute

// DefaultAbsentAfter is how long no watchdog may have run before its
// absence counts as an outage: longer than a restart or a rollout takes.
const DefaultAbsentAfter = 5 * time.Minute

// WatchOptions configure Watch.
type WatchOptions struct {
	// Interval between rounds; default DefaultWatchInterval.
	Interval time.Duration
	// Spec, when set, makes every round an Ensure: missing webhooks are
	// created and drift is fixed too. Without it a round only re-activates
	// disabled managed webhooks (Reactivate), which needs neither the
	// target nor the secret.
	Spec *Spec
	// Want are the webhooks that must exist (default: Spec's events). After
	// its changes every round checks them (Check), fills Report.Missing,
	// sets webexpipe_webhook_missing and logs a warning when one goes
	// missing: without a Spec nothing else would notice a webhook that was
	// deleted or never created.
	Want []events.ResourceEvent
	// Metrics is where the webhook health metrics go; nil keeps them in a
	// private registry.
	Metrics prometheus.Registerer
	// Recovery, when set, is handed the outages that end (a disabled
	// webhook re-activated, or found active again) and runs after every
	// round, so that what was lost meanwhile is recovered without an
	// operator (see Recovery). Outages a watchdog without one saw end wait
	// in the webhook's record for one that has it.
	Recovery Recovery
	// AbsentAfter: with a Recovery, a watchdog that starts and finds that
	// no watchdog with one completed a round for longer than this hands
	// the recovery that time as an outage (CauseWatchdogAbsent), when new
	// messages are among Want. Default DefaultAbsentAfter, and at least
	// three intervals.
	AbsentAfter time.Duration
	// OnRound, when set, is called after every round, and after the
	// recovery that followed it.
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
	if o.Want == nil && o.Spec != nil {
		o.Want = o.Spec.Events
	}
	if o.AbsentAfter <= 0 {
		o.AbsentAfter = DefaultAbsentAfter
	}
	o.AbsentAfter = max(o.AbsentAfter, 3*o.Interval)
	met, err := newWatchMetrics(o.Metrics)
	if err != nil {
		return err
	}
	var absent *Outage // handed to the recovery once it takes it
	if o.Recovery != nil {
		if absent, err = m.absence(ctx, o); err != nil {
			m.o.Logger.Warn("the watchdog's heartbeat could not be read; a time without watchdog goes unrecovered", "err", err)
		}
	}
	m.o.Logger.Info("webhook watchdog started", "interval", o.Interval, "name_prefix", m.o.NamePrefix, "ensure", o.Spec != nil)
	t := time.NewTicker(o.Interval)
	defer t.Stop()
	var missing []Gap // found by the last round that could check
	for {
		rep, err := m.round(ctx, o)
		if ctx.Err() != nil {
			return nil
		}
		met.observe(rep, err, m.o.Now())
		if err == nil && len(o.Want) > 0 {
			met.observeMissing(o.Want, rep.Missing)
			m.logMissingChanges(missing, rep.Missing)
			missing = rep.Missing
		}
		if err != nil {
			m.o.Logger.Warn("webhook check failed; trying again next round", "err", err, "next_in", o.Interval)
		}
		if o.Recovery != nil {
			if err == nil {
				if herr := m.watched(ctx, m.o.Now()); herr != nil {
					m.o.Logger.Warn("writing the watchdog's heartbeat failed", "err", herr)
				}
			}
			if absent != nil {
				if rerr := o.Recovery.Record(ctx, *absent); rerr == nil {
					absent = nil
				} else if ctx.Err() == nil {
					m.o.Logger.Warn("the time without watchdog was not handed to the recovery; trying again next round", "err", rerr)
				}
			}
			m.runRecovery(ctx, rep, o)
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
// stall the watchdog: the changes (Ensure with a Spec, Reactivate without),
// then the check of what must exist.
func (m *Manager) round(ctx context.Context, o WatchOptions) (*Report, error) {
	ctx, cancel := context.WithTimeout(ctx, max(o.Interval, m.o.LockWait+10*time.Second))
	defer cancel()
	var (
		rep *Report
		err error
	)
	if o.Spec != nil {
		rep, err = m.Ensure(ctx, *o.Spec)
	} else {
		rep, err = m.Reactivate(ctx)
	}
	if err != nil || len(o.Want) == 0 {
		return rep, err
	}
	rep.Missing, err = Check(ctx, m.api, o.Want)
	return rep, err
}

// runRecovery hands the outages that ended to the recovery, then runs it. Its
// failures are logged; the next round tries again.
func (m *Manager) runRecovery(ctx context.Context, rep *Report, o WatchOptions) {
	hctx, cancel := context.WithTimeout(ctx, max(o.Interval, m.o.LockWait))
	err := m.handOver(hctx, rep, o.Recovery)
	cancel()
	if err != nil && ctx.Err() == nil {
		m.o.Logger.Warn("handing ended webhook outages to the recovery failed; trying again next round", "err", err)
	}
	if err := o.Recovery.Run(ctx); err != nil && ctx.Err() == nil {
		m.o.Logger.Warn("recovery failed; trying again next round", "err", err)
	}
}

// logMissingChanges logs a webhook that went missing since the last round
// (a warning, with the fix) and one that is back; a gap that lasts is
// logged once, and stays visible in webexpipe_webhook_missing.
func (m *Manager) logMissingChanges(before, now []Gap) {
	was := map[events.ResourceEvent]bool{}
	for _, g := range before {
		was[events.ResourceEvent{Resource: g.Resource, Event: g.Event}] = true
	}
	for _, g := range now {
		re := events.ResourceEvent{Resource: g.Resource, Event: g.Event}
		if !was[re] {
			logGap(m.o.Logger, g)
		}
		delete(was, re)
	}
	for re := range was {
		m.o.Logger.Info("the Webex webhook for "+re.Resource+"/"+re.Event+" delivers again", "resource", re.Resource, "event", re.Event)
	}
}
