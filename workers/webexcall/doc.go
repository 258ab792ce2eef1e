// Package webexcall is the Webex client as workers use it. It wraps a
// *webex.Client with the three things every worker needs around a call and
// no handler should have to write:
//
//   - the shared pause: before each call it asks the bot token's
//     ratelimit.Gate whether Webex asked everyone to wait; if so, nothing is
//     sent and the handler gets a workers.Wait error (a RetryAfter logged at
//     debug level) for the rest of the pause: its event is redelivered then,
//     and nothing sleeps. A 429 or 423 with Retry-After starts or extends the
//     pause for every process of the token.
//   - the outbox: a write (POST, PUT, DELETE) made from a handler that fails
//     in a way a later attempt may fix (5xx, 429, no answer) is stored on
//     WEBEX_CALLS for the retry worker, and the handler gets an error made by
//     workers.Deferred, so its event is acked and marked done. A write whose
//     outcome is unknown (a timeout, 502 or 504 on a POST) is stored too,
//     flagged ambiguous: the retry worker looks for its effect before sending
//     it again. Reads are never stored: they fail as before and the event is
//     retried.
//   - metrics: calls by method, path template and status.
//
// For the handler the call stays a plain method call with the signature of
// the webex client's, so a handler's interface (for example echo.WebexAPI)
// is satisfied by *Client as well as by *webex.Client.
//
// The retry worker uses the same client, without an outbox: Send makes a
// stored call through the pause, and SentBefore, built on LookForSent, looks
// for the effect of an attempt whose outcome is unknown. LookForSent is the
// one implementation of that check, for handlers too: it lists the room,
// and where a bot may not (group rooms) it reads the bot's own messages
// whose webhooks were stored (a Witness, StoredEvents). When neither can
// tell, the caller sends again, logs a warning and counts it
// (Client.UnverifiedResend).
package webexcall
