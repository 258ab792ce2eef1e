package replay

import (
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"

	"github.com/webexpipe/webexpipe/events"
)

// copyID is the copy's Nats-Msg-Id: "replay:<run>:<seq>" for an original
// in WEBEX_EVENTS (as before shards, so a run started then resumes without
// a second copy), "replay:<run>:<stream>:<seq>" in another shard. The
// stream is part of the id because a copy may land on another stream than
// its original (an event stored before the shard count rose), where an
// original of the same sequence could otherwise claim the id.
func copyID(run, stream string, seq uint64) string {
	if stream == "" || stream == events.EventsStream {
		return "replay:" + run + ":" + strconv.FormatUint(seq, 10)
	}
	return "replay:" + run + ":" + stream + ":" + strconv.FormatUint(seq, 10)
}

// newCopy builds the copy of the event stored at seq under subject, for
// worker (events.CopyEvent: the original's dedup key kept), marked with
// the run and, when force is set, with HeaderReplayForce; a force flag the
// original carried (it may itself be a copy) is not inherited.
func newCopy(worker, run string, force bool, seq uint64, subject string, h nats.Header, body []byte, key string) (*nats.Msg, error) {
	a, ok := events.ParseSubject(subject)
	if !ok || a.Worker != "" {
		return nil, fmt.Errorf("event %d: %q is not an event subject", seq, subject)
	}
	msg := events.CopyEvent(events.BotReplaySubject(worker, a.Bot, a.Resource, a.Event, a.Partition), body, h,
		events.Provenance{OrigSeq: seq, DedupKey: key})
	events.SetBot(msg.Header, a.Bot)
	msg.Header.Set(events.HeaderReplayRun, run)
	if force {
		msg.Header.Set(events.HeaderReplayForce, "true")
	} else {
		msg.Header.Del(events.HeaderReplayForce)
	}
	return msg, nil
}
