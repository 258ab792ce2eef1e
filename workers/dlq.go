package workers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// maxReasonBytes keeps a dead letter's reason header and Term reason short.
const maxReasonBytes = 200

// deadLetter is the copy of ev stored on worker's DLQ subject: the raw
// body and the original headers (events.CopyEvent), and headers saying
// where it came from and why.
func deadLetter(worker string, ev *Event, reason string) *nats.Msg {
	msg := events.CopyEvent(events.DLQSubject(worker), ev.Raw, ev.Header, events.Provenance{DedupKey: ev.DedupKey})
	events.DeadLetter{
		Worker: worker, Reason: reason, OrigSubject: ev.Subject, OrigStream: ev.Stream, OrigSeq: ev.StreamSeq, Deliveries: ev.Delivered,
	}.Set(msg.Header)
	events.SetBot(msg.Header, events.BotOrDefault(ev.Bot))
	return msg
}

// deadLetterID is the dead letter's Nats-Msg-Id: a DLQ publish retried
// after a lost PubAck is stored once.
func deadLetterID(worker, stream string, streamSeq uint64) string {
	return worker + ":" + storedID(stream, streamSeq)
}

// storedID names a stored event in the Nats-Msg-Id of a message made from
// it (a dead letter, a requeued copy). Stream sequences repeat across the
// events shards, so an event of a shard past the first has its stream in
// the id too; the others keep the id they always had.
func storedID(stream string, seq uint64) string {
	if strings.HasPrefix(stream, events.EventsStream+"_") {
		return stream + ":" + strconv.FormatUint(seq, 10)
	}
	return strconv.FormatUint(seq, 10)
}

// publishDeadLetter stores msg, the dead letter of ev, which failed with
// cause, on worker's DLQ subject and waits for the PubAck. The Webex
// tracking id of cause, if any, is added as a header so that an operator
// can quote it to Webex support.
func publishDeadLetter(ctx context.Context, js jetstream.JetStream, worker string, ev *Event, cause error, msg *nats.Msg) error {
	msg.Subject = events.DLQSubject(worker)
	if msg.Header == nil {
		msg.Header = nats.Header{}
	}
	if tid := trackingID(cause); tid != "" && msg.Header.Get(events.HeaderTrackingID) == "" {
		msg.Header.Set(events.HeaderTrackingID, tid)
	}
	_, err := js.PublishMsg(ctx, msg,
		jetstream.WithMsgID(deadLetterID(worker, ev.Stream, ev.StreamSeq)),
		jetstream.WithExpectStream(events.DLQStream))
	if err != nil {
		return fmt.Errorf("publish dead letter to %s: %w", msg.Subject, err)
	}
	return nil
}

// TrackedError is an error that carries the id an upstream service gave the
// failed request, such as Webex's TrackingID. A dead letter made from such an
// error keeps the id in events.HeaderTrackingID, so an operator can quote it
// to the service's support. webex.APIError implements it; the runtime knows
// no more of Webex than this.
type TrackedError interface {
	error
	UpstreamTrackingID() string
}

// trackingID is the upstream tracking id carried by err, or "".
func trackingID(err error) string {
	var te TrackedError
	if errors.As(err, &te) {
		return te.UpstreamTrackingID()
	}
	return ""
}

// shortReason makes a one-line reason of at most maxReasonBytes from why
// and the error. Errors never carry secrets (a rule of every package); the limit keeps
// untrusted text quoted in them from bloating headers.
func shortReason(why string, err error) string {
	s := why
	if err != nil {
		s += ": " + err.Error()
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxReasonBytes {
		return s
	}
	cut := maxReasonBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
