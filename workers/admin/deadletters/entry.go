package deadletters

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webexcall/outbox"
)

// Kind tells what a dead letter holds.
type Kind string

const (
	// KindEvent is a webhook event a worker gave up on.
	KindEvent Kind = "event"
	// KindCall is a Webex call the retry worker gave up on.
	KindCall Kind = "call"
)

// Entry is one dead letter.
type Entry struct {
	// Seq is the dead letter's sequence in WEBEX_DLQ: its id for show,
	// redrive and purge.
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"`
	Kind Kind      `json:"kind"`
	// Worker is the worker type that gave up.
	Worker     string `json:"worker"`
	Reason     string `json:"reason"`
	TrackingID string `json:"tracking_id,omitempty"`
	// OrigSubject, OrigStream and OrigSeq locate what was given up on: the
	// event in its events shard's stream (WEBEX_EVENTS, WEBEX_EVENTS_1,
	// ...), or the call's record in WEBEX_CALLS. OrigStream is the one the
	// worker recorded (header Webex-Orig-Stream) or, for a dead letter
	// without it, the stream of OrigSubject's partition (see Locate).
	OrigSubject string `json:"orig_subject"`
	OrigStream  string `json:"orig_stream,omitempty"`
	OrigSeq     uint64 `json:"orig_seq,omitempty"`
	Deliveries  int    `json:"deliveries,omitempty"`
	DedupKey    string `json:"dedup_key,omitempty"`
	// Call is the decoded record of a call (nil for an event, or a record
	// that does not decode: CallErr says why).
	Call    *outbox.Call `json:"call,omitempty"`
	CallErr string       `json:"call_error,omitempty"`

	// Header and Data are the stored message.
	Header nats.Header `json:"-"`
	Data   []byte      `json:"-"`
}

// newEntry reads a stored dead letter.
func newEntry(m *jetstream.RawStreamMsg) *Entry {
	h := m.Header
	if h == nil {
		h = nats.Header{}
	}
	e := &Entry{
		Seq:         m.Sequence,
		Time:        m.Time,
		Kind:        KindEvent,
		Worker:      h.Get(events.HeaderWorker),
		Reason:      h.Get(events.HeaderDLQReason),
		TrackingID:  h.Get(events.HeaderTrackingID),
		OrigSubject: h.Get(events.HeaderOrigSubject),
		OrigStream:  h.Get(headerOrigStream),
		DedupKey:    h.Get(events.HeaderDedupKey),
		Header:      h,
		Data:        m.Data,
	}
	e.OrigSeq, _ = strconv.ParseUint(h.Get(events.HeaderOrigSeq), 10, 64)
	e.Deliveries, _ = strconv.Atoi(h.Get(events.HeaderDeliveries))
	if e.Worker == "" {
		e.Worker = strings.TrimPrefix(m.Subject, events.DLQSubject(""))
	}
	if h.Get(events.HeaderCallID) != "" || strings.HasPrefix(e.OrigSubject, events.CallsSubject("")) {
		e.Kind = KindCall
		if e.OrigStream == "" {
			e.OrigStream = events.CallsStream
		}
		c, err := outbox.Decode(m.Data)
		if err != nil {
			e.CallErr = err.Error()
		} else {
			e.Call = c
			if e.TrackingID == "" {
				e.TrackingID = c.LastTrackingID
			}
		}
	}
	return e
}

// headerOrigStream names the stream a dead-lettered event was stored in,
// as the worker runtime records it. Dead letters from before shards lack
// it; Locate then works it out.
const headerOrigStream = "Webex-Orig-Stream"

// Locate fills in OrigStream, when the dead letter did not record it, from
// OrigSubject: the stream of its partition's shard under sh (zero: one
// stream). That is where the event is unless the shard count changed
// since it was stored.
func (e *Entry) Locate(sh events.Sharding) {
	if e.OrigStream != "" {
		return
	}
	if sh.Shards == 0 {
		sh.Shards = events.DefaultShards
	}
	e.OrigStream, _ = sh.StreamOfSubject(e.OrigSubject)
}

// Body returns the stored body for display: JSON as is when it is JSON,
// else a quoted string.
func (e *Entry) Body() json.RawMessage {
	if json.Valid(e.Data) {
		return e.Data
	}
	b, _ := json.Marshal(string(e.Data))
	return b
}
