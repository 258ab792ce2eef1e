package workers

import "errors"

// ErrNotStarted means the runner has not yet created its consumer.
var ErrNotStarted = errors.New("consumer not set up yet")

// Unready says why the runner cannot handle events now, or nil: its
// consumer does not exist yet, or Config.Unready reports a reason (e.g.
// Webex refuses the bot token). It is meant for a readiness probe and is
// safe for concurrent use.
func (r *Runner) Unready() error {
	select {
	case <-r.ready:
	default:
		return ErrNotStarted
	}
	if r.cfg.Unready != nil {
		return r.cfg.Unready()
	}
	return nil
}
