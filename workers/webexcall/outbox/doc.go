// Package outbox stores Webex API calls that failed in a way a later attempt
// may fix, so that a worker can finish with its event at once and the retry
// worker makes the call again later.
//
// A stored call is a Call record: the request (method, path, JSON body), the
// event it came from, and its history of attempts. Records are JSON with a
// version field and live on webex.calls.<worker>.<id> in the WEBEX_CALLS
// work queue, which keeps one message per subject: the retry worker replaces
// a call's record with an updated one after each failed attempt, and the old
// record goes away in the same step.
//
// A call's id is derived from the worker, the event's dedup key and the
// request, so storing the same call twice (an event redelivered after its
// acknowledgement was lost) yields the same subject and Nats-Msg-Id, and
// JetStream's duplicate window keeps one copy.
package outbox
