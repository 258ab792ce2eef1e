// Package workers is the consumer runtime every webexpipe worker type runs
// on. A worker type supplies a Handler; a Runner takes care of the rest:
// it creates or updates the worker's durable pull consumer on WEBEX_EVENTS,
// pulls with bounded concurrency, decodes each stored webhook into an Event,
// keeps long handlers alive with InProgress, maps what the handler returned
// to a JetStream verb, dead-letters what cannot succeed, skips events it has
// already processed, records metrics, and drains in-flight work on shutdown.
//
// # Outcomes
//
// A handler says what kind of failure happened; the runner decides what to
// do with the message:
//
//	nil                     Ack                               outcome "ok"
//	Deferred(err)           Ack (marker written)              outcome "deferred"
//	Ignore(reason)          Ack                               outcome "ignored"
//	already processed       Ack (handler not called)          outcome "duplicate"
//	RetryAfter(err, d)      NakWithDelay(d, clamped)          outcome "retry"
//	Wait(reason, d)         NakWithDelay(d, clamped), quietly outcome "retry"
//	any other error         NakWithDelay(Backoff.Delay(n))    outcome "retry"
//	Permanent(err)          copy to webex.dlq.<worker>, Term  outcome "dead_letter"
//	failure on the last delivery (Delivered >= MaxDeliver) is dead-lettered too.
//
// Deferred means the rest of the work was stored durably elsewhere (a failed
// Webex call handed to the retry worker); it wins wherever it appears in the
// error's chain, since nak'ing such an event would repeat the stored work.
//
// A body that does not decode with events.Decode can never succeed and is
// dead-lettered at once. A panic is recovered and retried. When the copy to
// the DLQ cannot be stored, the event is Nak'd with a backoff instead
// (outcome "dlq_failed") so that it is not dropped; on the last delivery
// JetStream will not deliver it again, but it stays in WEBEX_EVENTS and can
// be replayed: the log line names its stream sequence.
//
// The handler's context carries the event (EventFrom), so that code below
// the handler, such as a Webex client wrapper, can tell which event a call
// belongs to.
//
// # Other streams
//
// With Config.Input a runner consumes a stream other than WEBEX_EVENTS; the
// retry worker runs this way on WEBEX_CALLS. Its messages reach the handler
// undecoded, and Input.DeadLetter may build their dead letters.
//
// # Pulling
//
// The runner fetches only as many messages as it has free handler slots
// (Config.Concurrency), so every message it holds is being handled and kept
// alive with InProgress. Nothing waits in a local prefetch buffer while its
// AckWait runs out, at the cost of one pull request per batch.
//
// # Idempotency
//
// With Config.Idempotent the handler is wrapped by Idempotency: a marker per
// (worker, dedup key) in the webex_processed bucket makes a redelivered or
// replayed event a no-op. The marker is written after the handler succeeded
// and before the Ack. One window remains and cannot be closed without help
// from the Webex API (it has no idempotency key): a process that crashes
// after the side effect but before the marker write repeats the side effect
// on redelivery. Markers guard against sequential repeats; two copies of an
// event handled at the same instant by two replicas both pass the check (the
// stream's duplicate window already keeps such copies out at publish).
//
// # Shutdown
//
// Run stops pulling when its context is cancelled. Its last pull request is
// left to expire (within a second) rather than cancelled, because a
// cancelled request loses what the server already sent for it until AckWait;
// what still arrives is given back with a short delay. Handlers already
// running keep a context of their own, which is not cancelled then; Run waits
// up to DrainTimeout for them to finish and settles each of them. Only after
// DrainTimeout are their contexts cancelled; Run then returns ErrDrainTimeout.
package workers
