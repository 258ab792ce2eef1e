package replay

import (
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"

	"github.com/webexpipe/webexpipe/events"
)

// copyID is the copy's Nats-Msg-Id.
func copyID(run string, seq uint64) string {
	return "replay:" + run + ":" + strconv.FormatUint(seq, 10)
}

// newCopy builds the copy of the event stored at seq under subject, for
// worker (events.CopyEvent: the original's dedup key kept), marked with
// the run and, when force is set, with HeaderReplayForce; a force flag the
// original carried (it may itself be a copy) is not inherited.
func newCopy(worker, run string, force bool, seq uint64, subject string, h nats.Header, body []byte, key string) (*nats.Msg, error) {
	resource, event, partition, ok := events.SubjectTokens(subject)
	if !ok || events.IsReplaySubject(subject) {
		return nil, fmt.Errorf("event %d: %q is not an event subject", seq, subject)
	}
	msg := events.CopyEvent(events.ReplaySubject(worker, resource, event, partition), body, h,
		events.Provenance{OrigSeq: seq, DedupKey: key})
	msg.Header.Set(events.HeaderReplayRun, run)
	if force {
		msg.Header.Set(events.HeaderReplayForce, "true")
	} else {
		msg.Header.Del(events.HeaderReplayForce)
	}
	return msg, nil
}
