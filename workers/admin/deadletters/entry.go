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
	Worker string `json:"worker"`
	// Bot is the bot whose event or call it is: its Webex-Bot header, else
	// the bot its original subject names.
	Bot        string `json:"bot"`
	Reason     string `json:"reason"`
	TrackingID string `json:"tracking_id,omitempty"`
	// OrigSubject, OrigStream and OrigSeq locate what was given up on: the
	// event in its events shard's stream (WEBEX_EVENTS, WEBEX_EVENTS_1,
	// ...), or the call's record in WEBEX_CALLS. OrigStream is the one the
	// worker recorded (events.OrigStreamOf: WEBEX_EVENTS for an event dead
	// letter from before shards, which has none).
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
		OrigStream:  events.OrigStreamOf(h),
		DedupKey:    h.Get(events.HeaderDedupKey),
		Header:      h,
		Data:        m.Data,
	}
	e.Bot = events.BotOf(h)
	if h.Get(events.HeaderBot) == "" {
		if b, ok := events.BotOfSubject(e.OrigSubject); ok {
			e.Bot = b
		}
	}
	e.OrigSeq, _ = strconv.ParseUint(h.Get(events.HeaderOrigSeq), 10, 64)
	e.Deliveries, _ = strconv.Atoi(h.Get(events.HeaderDeliveries))
	if e.Worker == "" {
		e.Worker = strings.TrimPrefix(m.Subject, events.DLQSubject(""))
	}
	if h.Get(events.HeaderCallID) != "" || strings.HasPrefix(e.OrigSubject, events.CallsSubject("")) {
		e.Kind = KindCall
		if h.Get(events.HeaderOrigStream) == "" {
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

// Body returns the stored body for display: JSON as is when it is JSON,
// else a quoted string.
func (e *Entry) Body() json.RawMessage {
	if json.Valid(e.Data) {
		return e.Data
	}
	b, _ := json.Marshal(string(e.Data))
	return b
}
