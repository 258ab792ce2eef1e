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
// In the shared mode the runner fetches only as many messages as it has
// free handler slots (Config.Concurrency), so every message it holds is
// being handled and kept alive with InProgress: nothing waits in a local
// prefetch buffer while its AckWait runs out. Pull requests overlap; while
// one is open the next waits until a quarter of the slots (at most 64) are
// free, so a busy worker sends a few larger requests instead of one per
// finished handler.
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
// of the worker's events and of its replays. Its window (MaxAckPending) is
// Config.MaxAckPending shared out over the partitions.
//
// Each partition has one owner among the live replicas. The consumers use
// JetStream's pinned-client priority policy (group events.OwnerGroup): the
// server pins a partition to the pull client it first delivers to and gives
// it to another only when the owner sent no pull request for
// Config.PinTimeout. Every replica pulls every partition; the owner's
// requests carry its pin id, the others' wait. The owner queues the
// partition's events by room, in stream order, and runs the first event of
// every room that is not busy, up to Config.Concurrency handlers across all
// its partitions; the rest wait in their room's queue, kept alive with
// InProgress. So ordered throughput grows with Concurrency and the number of
// rooms, not with the number of consumers.
//
// A retryable failure is retried in place (with Backoff, or the delay the
// error asks for) instead of being handed back, so the room's next events,
// already fetched, wait behind it; other rooms are not held. A planned wait
// (Wait, such as the shared rate-limit pause) spends no delivery. That is
// why Event.Ordered is set: code below a handler must not defer the event's
// work elsewhere (webexcall does not store a failed write for the retry
// worker in ordered mode), or the work would be done after the room's later
// events.
//
// A replica that dies loses its partitions after PinTimeout; the events it
// held come back after their AckWait. A replica that stops cleanly gives
// back what it had queued, finishes what it was running and unpins its
// partitions, so the others take them at once. Either way the new owner may
// receive a room's later events before the earlier ones the old owner still
// holds: so a new owner starts nothing from a partition until the server
// counts no event of it out but those the new owner holds. From then on
// every unsettled event of the partition is in its queues, where stream
// order decides. Which replica gets a free partition is up to the server
// (the first waiting request), so partitions are not spread evenly. This was
// chosen over a lease of our own in a KV bucket because the server then
// decides ownership in the same place it decides delivery: there is no
// window in which a lease has moved but the old owner still pulls, no
// renewal loop, and nothing to clean up.
//
// Config.Partitions must equal ingest's number of partitions. A
// MaxAckPending of one per partition gives the strictest form: one event
// per partition at a time. Switching a worker type to ordered mode creates
// the partition consumers at Config.StartAt; the shared consumer is left as
// it was (remove it once the switch is done).
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
