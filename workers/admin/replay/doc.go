// Package replay sends stored events through a worker type again.
//
// A replay reads a window of the stored events (by time, or from a
// sequence of one stream) with an ordered consumer, shard after shard when
// the events are split over several streams (events.Sharding), and stores
// a copy of each selected event on
// webex.replay.<worker>.<resource>.<event>.<partition>, a subject only that
// worker's durable consumer takes: the other worker types never see the
// copies. The copy's partition is the original's, so it is stored on the
// stream of that partition's shard. It selects what the worker consumes, read from the worker's own
// consumer, narrowed by resource, event and room.
//
// A copy keeps the body and headers of the original and adds:
//
//   - Webex-Dedup-Key, the original's dedup key, so the worker's idempotency
//     marker still applies: an event the worker already handled is skipped
//     (counted as a duplicate) unless the replay is forced, which sets
//     Webex-Replay-Force: true;
//   - Webex-Orig-Seq, the original's stream sequence, and Webex-Replay-Run,
//     the run's id;
//   - a Nats-Msg-Id of its own, "replay:<run>:<seq>" ("replay:<run>:<stream>:<seq>"
//     for an original on a shard other than WEBEX_EVENTS): JetStream would drop a
//     copy carrying the original's id as a duplicate, and running the same
//     run again (after a crash, with the same run id) stores nothing twice
//     within the duplicate window. A copy stored twice after it is still
//     skipped by the marker, or, in a forced run, handled as a retry: the
//     worker's record of the run's first attempt (events.AttemptKey) makes
//     the handler look for what the first copy did before acting.
//
// Copies can be paced (Options.Rate) so a large replay does not run into
// Webex's rate limits all at once.
package replay
