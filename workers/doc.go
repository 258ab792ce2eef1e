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
// # Per-room order
//
// By default a worker type has one durable consumer shared by its replicas,
// and events are handled in parallel whatever their room. With
// Config.Ordered the events of one room are handled one at a time, in the
// order they were stored, across any number of replicas, while different
// rooms go on in parallel. Ingest puts every event of a room on the same
// partition (the last subject token), so the runner creates one durable
// consumer per partition, <worker>-p<N>, filtered on that partition of each
// of the worker's events and of its replays, with MaxAckPending 1: the
// server does not deliver a partition's next event before the previous one
// is acknowledged or terminated, whichever replica holds it. A retried
// event holds its room (and its partition) until it succeeds or is
// dead-lettered. That is why Event.Ordered is set: code below a handler
// must not defer the event's work elsewhere (webexcall does not store a
// failed write for the retry worker in ordered mode), or the work would be
// done after the room's later events.
//
// Each partition has one owner among the live replicas. The consumers use
// JetStream's pinned-client priority policy (group events.OwnerGroup): the
// server pins a partition to the pull client it first delivers to and gives
// it to another only when the owner sent no pull request for
// Config.PinTimeout. Every replica pulls every partition, one message at a
// time; the owner's requests carry its pin id, the others' wait. A replica
// that dies loses its partitions after PinTimeout; an event it was
// handling comes back after its AckWait, still first in its partition. A
// replica that stops cleanly unpins the partitions it owns, so the others
// take them at once. The pin is renewed by pull requests, and an owner
// busy with an event does not pull: a handler that runs longer than
// PinTimeout may let the partition move, without breaking its order. Which
// replica gets a free partition is up to the server (the first waiting
// request), so partitions are not spread evenly. This was chosen over a lease of our own in a KV
// bucket because the server then decides ownership in the same place it
// decides delivery: there is no window in which a lease has moved but the
// old owner still pulls, no renewal loop, and nothing to clean up. Ordering
// itself does not depend on the pin: MaxAckPending 1 keeps it even while a
// partition changes hands; the pin keeps a partition on one replica so that
// replicas do not take turns on it.
//
// Config.Partitions must equal ingest's number of partitions. In ordered
// mode a process runs at most one handler per partition it owns, and
// Config.Concurrency and MaxAckPending do not apply. Switching a worker
// type to ordered mode creates the partition consumers at Config.StartAt;
// the shared consumer is left as it was (remove it once the switch is done).
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
