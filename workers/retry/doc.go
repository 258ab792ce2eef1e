// Package retry is the retry worker: it makes the Webex calls that other
// workers stored on WEBEX_CALLS after they failed (see workers/webexcall/outbox and
// workers/webexcall), until they succeed, turn out to be pointless, or run
// out of time.
//
// It runs on the workers runtime with a workers.Input on WEBEX_CALLS, one
// durable consumer named "retry" taking every call (webex.calls.>). For each
// delivery of a call record it does one of:
//
//   - schedule: a record a worker just stored has only Webex's own lower
//     bound (Retry-After) as its earliest time; the retry worker adds its
//     policy's delay, stores the record again and acks the old one;
//   - wait: a record that is not due yet is nak'd with a delay until it is
//     (NakWithDelay: the wait is in JetStream, so a restart loses nothing and
//     nothing sleeps); so is any call while the bot token is paused;
//   - look: a POST /messages whose earlier outcome is unknown is first looked
//     for among the bot's messages in the room since the first attempt, and
//     not sent again when it is there;
//   - send: on success the record is acked and gone (work queue). On a
//     retryable failure the attempt joins the record's history, the next
//     attempt is scheduled, and the updated record replaces the old one (one
//     message per call subject: the replacement and the removal are one
//     step). A permanent failure, or a call whose next attempt would fall
//     after Policy.MaxElapsed, goes to webex.dlq.retry with its whole history.
//
// # Policy
//
// Delays follow github.com/cenkalti/backoff/v4's exponential backoff:
// Initial, times Multiplier per attempt, capped at MaxInterval, each
// randomized by ±Randomization, with MaxElapsed counted from the first
// failure. A Retry-After from Webex replaces the computed delay (and pauses
// every worker of the token). A 404 within NotFoundGrace of the first
// failure counts as Webex's replication lag and is retried; 400, 401, 403,
// a later 404, 409, 410, 415 and the other 4xx are permanent.
package retry
