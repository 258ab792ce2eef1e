package replay

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/webexpipe/webexpipe/events"
)

// replayOwn are headers a copy must not inherit from its original: the
// original may itself be a copy (a replayed event redriven from the DLQ).
var replayOwn = []string{events.HeaderReplayForce, events.HeaderReplayRun, events.HeaderOrigSeq, events.HeaderDedupKey}

// copyID is the copy's Nats-Msg-Id.
func copyID(run string, seq uint64) string {
	return "replay:" + run + ":" + strconv.FormatUint(seq, 10)
}

// dedupKey is the original's dedup key: a Webex-Dedup-Key header, else its
// Nats-Msg-Id (what ingest sets), else one computed from the body.
func dedupKey(h nats.Header, env *events.Envelope, body []byte) string {
	if k := h.Get(events.HeaderDedupKey); k != "" {
		return k
	}
	if k := h.Get(events.HeaderMsgID); k != "" {
		return k
	}
	if env != nil {
		return events.DedupKey(env, body)
	}
	return ""
}

// newCopy builds the copy of the event stored at seq under subject, for
// worker. JetStream's own headers (Nats-*) are dropped; the rest are kept.
func newCopy(worker, run string, force bool, seq uint64, subject string, h nats.Header, body []byte, key string) (*nats.Msg, error) {
	resource, event, partition, ok := events.SubjectTokens(subject)
	if !ok || events.IsReplaySubject(subject) {
		return nil, fmt.Errorf("event %d: %q is not an event subject", seq, subject)
	}
	msg := nats.NewMsg(events.ReplaySubject(worker, resource, event, partition))
	msg.Data = body
	for k, v := range h {
		if strings.HasPrefix(strings.ToLower(k), "nats-") || slices.Contains(replayOwn, k) {
			continue
		}
		msg.Header[k] = slices.Clone(v)
	}
	if key != "" {
		msg.Header.Set(events.HeaderDedupKey, key)
	}
	msg.Header.Set(events.HeaderOrigSeq, strconv.FormatUint(seq, 10))
	msg.Header.Set(events.HeaderReplayRun, run)
	if force {
		msg.Header.Set(events.HeaderReplayForce, "true")
	}
	return msg, nil
}
