package events

import "github.com/nats-io/nats.go"

// Headers ingest sets on every stored event. The body of the stored message
// is always the webhook's raw bytes, unchanged, so the signature can be
// re-verified later from HeaderSignature.
const (
	// HeaderMsgID is JetStream's dedup header; ingest sets it to MsgID of
	// the DedupKey.
	HeaderMsgID = "Nats-Msg-Id"
	// HeaderWebhookID is the envelope's "id": the webhook registration, not the event.
	HeaderWebhookID = "Webex-Webhook-Id"
	// HeaderResource is the envelope's "resource".
	HeaderResource = "Webex-Resource"
	// HeaderEvent is the envelope's "event".
	HeaderEvent = "Webex-Event"
	// HeaderReceivedAt is the time ingest received the delivery, RFC 3339 with nanoseconds, UTC.
	HeaderReceivedAt = "Webex-Received-At"
	// HeaderSignature is the X-Spark-Signature header as Webex sent it.
	HeaderSignature = "Webex-Signature"
	// HeaderDedupKey carries the original dedup key on copies whose
	// Nats-Msg-Id must differ from it (replays, dead letters).
	HeaderDedupKey = "Webex-Dedup-Key"
	// HeaderWorker names the worker type a dead letter came from.
	HeaderWorker = "Webex-Worker"
	// HeaderDLQReason is a short reason on a dead letter.
	HeaderDLQReason = "Webex-DLQ-Reason"
	// HeaderOrigSubject is the subject the dead-lettered event was stored under.
	HeaderOrigSubject = "Webex-Orig-Subject"
	// HeaderOrigStream, on a dead letter, is the stream its HeaderOrigSeq
	// belongs to: the events shard (or WEBEX_CALLS) it was stored in. A
	// dead letter stored before shards existed has none: WEBEX_EVENTS (see
	// OrigStreamOf).
	HeaderOrigStream = "Webex-Orig-Stream"
	// HeaderOrigSeq is the stream sequence of the dead-lettered or replayed event.
	HeaderOrigSeq = "Webex-Orig-Seq"
	// HeaderDeliveries is how many times the dead-lettered event was delivered.
	HeaderDeliveries = "Webex-Deliveries"
	// HeaderReplayForce, "true" on a replayed copy, makes the worker handle
	// it even when its idempotency marker says it was handled already.
	HeaderReplayForce = "Webex-Replay-Force"
	// HeaderTrackingID, on a dead letter, is the Webex tracking id of the
	// failed call that made the worker give up, for Webex support.
	HeaderTrackingID = "Webex-Tracking-Id"
	// HeaderCallID, on a stored call and on its dead letter, is the call's
	// id (the last token of its subject, see CallSubject).
	HeaderCallID = "Webex-Call-Id"
	// HeaderReplayRun, on a replayed copy, names the replay run that stored
	// it, so an operator can tell the copies of one run apart from another
	// run's and from the original (HeaderOrigSeq).
	HeaderReplayRun = "Webex-Replay-Run"
	// HeaderBackfilled, "true", marks an event that no webhook delivered:
	// `webexpipe backfill` built it from the REST API after events were
	// lost on the way. It carries no HeaderSignature.
	HeaderBackfilled = "Webex-Backfilled"
	// HeaderBot names the bot an event was delivered to, on the events of
	// every bot but the default bot (which has none), and on every copy of
	// them: replays, requeues, dead letters and stored calls. See BotOf.
	HeaderBot = "Webex-Bot"
)

// BotOf is the bot a stored message belongs to: its HeaderBot, or
// DefaultBot for a message without one.
func BotOf(h nats.Header) string {
	if b := h.Get(HeaderBot); b != "" {
		return b
	}
	return DefaultBot
}

// SetBot records bot on a message's headers: HeaderBot for any bot but the
// default bot, none for that one.
func SetBot(h nats.Header, bot string) {
	if isDefaultBot(bot) {
		h.Del(HeaderBot)
		return
	}
	h.Set(HeaderBot, bot)
}

// SignatureHeader is the HTTP header Webex signs deliveries with.
const SignatureHeader = "X-Spark-Signature"
