package workers

import (
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// Event is one stored webhook delivery as a handler sees it. The runner
// builds it; handlers read it and must not keep it after Handle returns.
type Event struct {
	// Envelope is the decoded body. The runner never calls a webhook
	// worker's handler with a nil Envelope: an undecodable body is
	// dead-lettered. With Config.Input it is always nil (see Input).
	Envelope *events.Envelope
	// Raw is the stored body, the webhook's bytes as Webex sent them.
	Raw []byte
	// Subject is the subject the event was stored under.
	Subject string
	// Bot is the bot the event is for: the bot token of its subject, or
	// for a message of another stream (Input) its events.HeaderBot;
	// events.DefaultBot when there is none.
	Bot string
	// Header holds the stored message's headers.
	Header nats.Header
	// Stream, StreamSeq and ConsumerSeq locate the message.
	Stream      string
	StreamSeq   uint64
	ConsumerSeq uint64
	// Delivered counts deliveries of this event to the worker, 1 at first.
	Delivered uint64
	// Timestamp is when the event was stored.
	Timestamp time.Time
	// DedupKey identifies the event across copies: the Webex-Dedup-Key
	// header of a replayed copy, else Nats-Msg-Id, else events.DedupKey.
	DedupKey string
	// Replay is true for a copy stored under webex.replay.<worker>.
	Replay bool
	// Force is true on a replayed copy with "Webex-Replay-Force: true": the
	// handler runs even if the event was processed before.
	Force bool
	// Ordered is true when the runner is in ordered mode (Config.Ordered):
	// the event's room, and the rest of its partition, wait until it is
	// settled. Work must then not be deferred to be done later elsewhere
	// (the retry worker's outbox): it would land after the room's next
	// events. A retryable failure is returned and the event retried in
	// place instead.
	Ordered bool

	msg       jetstream.Msg // nil for an Event built by hand
	decodeErr error         // why Envelope is nil
	attempted bool          // an attempt record of an earlier delivery exists
	marked    bool          // its idempotency marker is written
	earlier   time.Time     // when that record was written; zero if unknown
}

// Retried reports whether an earlier delivery of the event may have begun
// handling it, so that a side effect it had may be there already: JetStream
// counts more than one delivery, or (with Config.Idempotent) the record an
// earlier delivery wrote when it started exists, which also covers a
// nats-server that lost the delivery count in a crash (see
// events.AttemptKey). A handler looks for its earlier effect when Retried
// is true, not only when Delivered > 1.
func (e *Event) Retried() bool { return e.Delivered > 1 || e.attempted }

// EarlierAttempt is when an earlier delivery the server lost count of
// began handling the event (its attempt record), or zero when there was
// none or it is unknown. A handler whose side effect may still be under
// way at Webex (a POST it holds) waits until it has surely finished before
// looking for it: a restarted server redelivers at once.
func (e *Event) EarlierAttempt() time.Time { return e.earlier }

// InProgress tells JetStream the event is still being worked on, which
// restarts its AckWait timer. The runner already calls it every AckWait/3
// while a handler runs; a handler need not. On an Event built by hand (in a
// test) it does nothing.
func (e *Event) InProgress() error {
	if e.msg == nil {
		return nil
	}
	return e.msg.InProgress()
}

// newEvent reads msg's metadata and, for a webhook, decodes its body. It
// fails only when msg carries no JetStream metadata; a webhook body that
// does not decode leaves Envelope nil and decodeErr set.
func newEvent(msg jetstream.Msg, webhook bool) (*Event, error) {
	md, err := msg.Metadata()
	if err != nil {
		return nil, fmt.Errorf("message metadata: %w", err)
	}
	ev := &Event{
		Raw:         msg.Data(),
		Subject:     msg.Subject(),
		Header:      msg.Headers(),
		Stream:      md.Stream,
		StreamSeq:   md.Sequence.Stream,
		ConsumerSeq: md.Sequence.Consumer,
		Delivered:   md.NumDelivered,
		Timestamp:   md.Timestamp,
		msg:         msg,
	}
	ev.Bot = events.BotOf(ev.Header)
	if !webhook {
		ev.DedupKey = ev.Header.Get(events.HeaderMsgID)
		return ev, nil
	}
	if a, ok := events.ParseSubject(ev.Subject); ok {
		ev.Bot = a.Bot
	}
	ev.Replay = events.IsReplaySubject(ev.Subject)
	ev.Force = ev.Replay && strings.EqualFold(ev.Header.Get(events.HeaderReplayForce), "true")
	ev.Envelope, ev.decodeErr = events.Decode(ev.Raw)
	ev.DedupKey = events.StoredDedupKey(ev.Header, ev.Envelope, ev.Raw)
	return ev, nil
}
