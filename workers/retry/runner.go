package retry

import (
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webexcall/ratelimit"
)

// maxDeliver bounds deliveries of one call record. Waiting for a record to
// be due or for a pause to end costs a delivery; the attempts themselves
// are bounded by Policy.MaxElapsed, and each failed attempt stores a new
// record with a fresh count. The bound only catches a record that can never
// be handled.
const maxDeliver = 1000

// maxWaiting bounds the calls that can wait at once. A call waiting for its
// next attempt is a delivery nak'd with a delay, and JetStream counts it as
// pending acknowledgement, so the consumer's MaxAckPending, not the number
// of calls being sent, is what fills up; past it, newly stored calls queue
// behind the waiting ones.
const maxWaiting = 20000

// RunnerConfig adapts base (the runtime settings shared with the other
// workers: concurrency, ack wait, handler timeout, logger, metrics, the
// bot) to the retry worker: the "retry" consumer on WEBEX_CALLS (retry@<bot>
// for any bot but the default one) taking base.Bot's stored calls, every call from the
// start, dead letters built by DeadLetter, no idempotency markers (the
// record is the state), and a redelivery backoff long enough not to cut
// short a wait for a due time or a pause.
func RunnerConfig(base workers.Config, cfg Config) workers.Config {
	c := base
	c.Name = events.RetryWorker
	c.Events = nil
	c.Input = &workers.Input{
		Stream: events.CallsStream,
		// Each bot's calls have a consumer of their own (retry@<bot>),
		// made with that bot's token under that bot's pause.
		FilterSubjects: []string{events.BotCallsFilter(base.Bot)},
		DeadLetter:     DeadLetter,
	}
	c.Idempotent = false
	c.Ordered = false // calls belong to no room; order comes from their policy
	c.StartAt = workers.StartAll
	c.MaxDeliver = maxDeliver
	c.MaxAckPending = max(c.MaxAckPending, maxWaiting)
	c.Backoff = workers.Backoff{
		Initial:             time.Second,
		Max:                 max(ratelimit.DefaultMaxPause, cfg.Policy.MaxInterval, cfg.RecheckAfter),
		Multiplier:          2,
		RandomizationFactor: 0.2,
	}
	return c
}
