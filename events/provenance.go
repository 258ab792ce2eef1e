package events

import (
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"
)

// A stored event is copied in five places: a dead letter (the runtime), a
// requeue after a long pause (the runtime), a replay (webexpipe replay), a
// redrive of a dead letter (webexpipe dlq redrive) and the dead letter of a
// stored call (the retry worker). The rules below are the one place that
// says what such a copy keeps and how its dedup key is found, so that every
// copy maps to the idempotency marker of the event it came from.

// deadLetterHeaders describe one dead letter, not the event in it: a copy
// made of a dead letter does not inherit them.
var deadLetterHeaders = []string{
	HeaderWorker, HeaderDLQReason, HeaderOrigSubject, HeaderOrigStream, HeaderDeliveries, HeaderTrackingID,
}

// Provenance is what a copy says about the stored message it was made from.
type Provenance struct {
	// OrigSeq is the stream sequence the copy points back to
	// (HeaderOrigSeq); 0 leaves the header out.
	OrigSeq uint64
	// DedupKey is the original's dedup key (HeaderDedupKey; see
	// StoredDedupKey); "" leaves the header out.
	DedupKey string
}

// CopyEvent builds a copy of a stored message for subject: body unchanged,
// the original's headers kept except JetStream's own (Nats-*: a copy gets a
// Nats-Msg-Id of its own, and an expectation such as Nats-Expected-Stream
// would make its publish fail) and those that describe a dead letter, and
// p's provenance set. Replay headers (HeaderReplayForce, HeaderReplayRun)
// are kept: a forced replay that is requeued stays forced; a caller that
// means otherwise sets or deletes them on the result.
func CopyEvent(subject string, body []byte, from nats.Header, p Provenance) *nats.Msg {
	h := make(nats.Header, len(from)+4)
	for k, v := range from {
		if isNATSHeader(k) || isDeadLetterHeader(k) {
			continue
		}
		h[k] = append([]string(nil), v...)
	}
	if p.DedupKey != "" {
		h.Set(HeaderDedupKey, p.DedupKey)
	} else {
		h.Del(HeaderDedupKey)
	}
	if p.OrigSeq != 0 {
		h.Set(HeaderOrigSeq, strconv.FormatUint(p.OrigSeq, 10))
	} else {
		h.Del(HeaderOrigSeq)
	}
	return &nats.Msg{Subject: subject, Data: body, Header: h}
}

// DeadLetter says why and where from a message was dead-lettered.
type DeadLetter struct {
	Worker      string // the worker type that gave up (HeaderWorker)
	Reason      string // a short reason (HeaderDLQReason)
	OrigSubject string // the subject the message was stored under (HeaderOrigSubject)
	OrigStream  string // the stream it was stored in (HeaderOrigStream); "" leaves the header out
	OrigSeq     uint64 // its stream sequence (HeaderOrigSeq)
	Deliveries  uint64 // how often it was delivered (HeaderDeliveries)
}

// Set writes d's headers on h.
func (d DeadLetter) Set(h nats.Header) {
	h.Set(HeaderWorker, d.Worker)
	h.Set(HeaderDLQReason, d.Reason)
	h.Set(HeaderOrigSubject, d.OrigSubject)
	if d.OrigStream != "" {
		h.Set(HeaderOrigStream, d.OrigStream)
	} else {
		h.Del(HeaderOrigStream)
	}
	h.Set(HeaderOrigSeq, strconv.FormatUint(d.OrigSeq, 10))
	h.Set(HeaderDeliveries, strconv.FormatUint(d.Deliveries, 10))
}

// OrigStreamOf is the stream a dead letter's HeaderOrigSeq belongs to:
// its HeaderOrigStream, or WEBEX_EVENTS for a dead letter stored before
// the events were split over shards, which has none.
func OrigStreamOf(h nats.Header) string {
	if s := h.Get(HeaderOrigStream); s != "" {
		return s
	}
	return EventsStream
}

// StoredDedupKey is the dedup key of a stored message, in the order every
// reader must use: HeaderDedupKey (a copy carries its original's key),
// else a Nats-Msg-Id that is the key itself (ingest stored the key there
// before ids were hashed), else the key computed from the envelope and the
// message's bot (BotOf; ingest's Nats-Msg-Id is now MsgID of it, which
// cannot be turned back), else, when
// env is nil (the body does not decode), the Nats-Msg-Id as it is, or "".
func StoredDedupKey(h nats.Header, env *Envelope, body []byte) string {
	if k := h.Get(HeaderDedupKey); k != "" {
		return k
	}
	if k := h.Get(HeaderMsgID); isLongDedupKey(k) {
		return k
	}
	if env != nil {
		return BotDedupKey(BotOf(h), env, body)
	}
	// A body that does not decode has no key to compute; its id still
	// names the stored message (a dead letter keeps it).
	return h.Get(HeaderMsgID)
}

// OrigSeqOr is the sequence in h's HeaderOrigSeq, or seq when h has none:
// the first original of a chain of copies.
func OrigSeqOr(h nats.Header, seq uint64) uint64 {
	if n, err := strconv.ParseUint(h.Get(HeaderOrigSeq), 10, 64); err == nil && n != 0 {
		return n
	}
	return seq
}

func isNATSHeader(k string) bool {
	return len(k) >= 5 && strings.EqualFold(k[:5], "Nats-")
}

func isDeadLetterHeader(k string) bool {
	for _, d := range deadLetterHeaders {
		if k == d {
			return true
		}
	}
	return false
}
