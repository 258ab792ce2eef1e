package retry

import (
	"errors"

	"github.com/nats-io/nats.go"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers"
)

// DeadLetter builds the dead letter of a call record (workers.Input's
// DeadLetter): its body is the record with every attempt, including the
// last, when the handler gave up with a *GaveUpError, else the record as
// delivered. The headers name the call, where it was stored, why it was
// given up on and the last tracking id.
func DeadLetter(ev *workers.Event, reason string, cause error) *nats.Msg {
	msg := nats.NewMsg(events.DLQSubject(events.RetryWorker))
	msg.Data = ev.Raw
	var gu *GaveUpError
	if errors.As(cause, &gu) {
		if b, err := gu.Call.Encode(); err == nil {
			msg.Data = b
		}
		msg.Header.Set(events.HeaderCallID, gu.Call.ID)
		if gu.Call.LastTrackingID != "" {
			msg.Header.Set(events.HeaderTrackingID, gu.Call.LastTrackingID)
		}
		if gu.Call.Event != nil && gu.Call.Event.DedupKey != "" {
			msg.Header.Set(events.HeaderDedupKey, gu.Call.Event.DedupKey)
		}
	} else if id := ev.Header.Get(events.HeaderCallID); id != "" {
		msg.Header.Set(events.HeaderCallID, id)
	}
	events.DeadLetter{
		Worker: events.RetryWorker, Reason: reason, OrigSubject: ev.Subject, OrigStream: ev.Stream, OrigSeq: ev.StreamSeq, Deliveries: ev.Delivered,
	}.Set(msg.Header)
	return msg
}
