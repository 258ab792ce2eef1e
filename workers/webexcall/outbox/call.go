package outbox

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/webexpipe/webexpipe/events"
)

// Version is the record format this package writes. Decode refuses newer
// formats rather than misread them.
const Version = 1

// MaxHistory bounds the attempts a record keeps; older ones are dropped and
// counted in HistoryDropped. With the default retry policy a call is given
// up on long before.
const MaxHistory = 100

// ErrUnknownVersion means a record was written by a newer webexpipe.
var ErrUnknownVersion = errors.New("unknown call record version")

// Call is a stored Webex API call and what happened to it so far.
type Call struct {
	// V is the record format, Version.
	V int `json:"v"`
	// ID names the call; it is the last token of its subject.
	ID string `json:"id"`
	// Worker is the worker type whose call it is.
	Worker string `json:"worker"`
	// Bot is the bot whose token makes the call; empty for the default
	// bot (events.DefaultBot), whose records predate bots.
	Bot string `json:"bot,omitempty"`
	// Method, Path and Body are the request: Path relative to the API root
	// and escaped (as webex.Client.Do takes it), Body JSON or empty.
	Method string          `json:"method"`
	Path   string          `json:"path"`
	Body   json.RawMessage `json:"body,omitempty"`
	// Event is the event whose handler made the call.
	Event *EventRef `json:"event,omitempty"`
	// Trace is the W3C trace context (traceparent, tracestate) of that
	// handler's span, when tracing was on: the spans of later attempts
	// link to it. It is kept as the record changes and is redriven.
	Trace map[string]string `json:"trace,omitempty"`

	// Attempts counts attempts since the call was stored or redriven.
	Attempts int `json:"attempts"`
	// FirstAttempt is when the first attempt began: an ambiguous POST is
	// looked for among messages created since then.
	FirstAttempt time.Time `json:"first_attempt"`
	// FirstFailure is when the first failed attempt (since a redrive)
	// ended; the retry policy's elapsed time counts from it.
	FirstFailure time.Time `json:"first_failure,omitzero"`
	// NotBefore is the earliest time of the next attempt.
	NotBefore time.Time `json:"not_before,omitzero"`
	// Scheduled is set once the retry worker has put its policy's delay
	// into NotBefore; a worker storing a call only sets what Webex asked.
	Scheduled bool `json:"scheduled,omitempty"`
	// Ambiguous is set when an attempt may have taken effect (a timeout,
	// 502 or 504 on a POST): the next one must look before it resends.
	Ambiguous bool `json:"ambiguous,omitempty"`
	// LastError, LastStatus and LastTrackingID describe the last failure.
	LastError      string `json:"last_error,omitempty"`
	LastStatus     int    `json:"last_status,omitempty"`
	LastTrackingID string `json:"last_tracking_id,omitempty"`
	// History holds the attempts, oldest first, across redrives.
	History        []Attempt `json:"history"`
	HistoryDropped int       `json:"history_dropped,omitempty"`
	// Redriven counts the times an operator sent the call back from the
	// dead-letter queue.
	Redriven int `json:"redriven,omitempty"`
}

// EventRef locates the event a call came from.
type EventRef struct {
	Stream   string `json:"stream"`
	Seq      uint64 `json:"seq"`
	Subject  string `json:"subject"`
	DedupKey string `json:"dedup_key,omitempty"`
}

// Outcome is what became of one attempt.
type Outcome string

const (
	OutcomeOK          Outcome = "ok"           // Webex accepted it
	OutcomeFound       Outcome = "found"        // an earlier ambiguous attempt had taken effect: not resent
	OutcomeRetryable   Outcome = "retryable"    // 5xx or no connection: try again
	OutcomeRateLimited Outcome = "rate_limited" // 429 or 423: try again after Retry-After
	OutcomeUnknown     Outcome = "unknown"      // may have taken effect: look before resending
	OutcomePermanent   Outcome = "permanent"    // no retry can help
)

// Attempt is one try of a call.
type Attempt struct {
	At         time.Time     `json:"at"`
	By         string        `json:"by"` // the worker type that made it
	Took       time.Duration `json:"took_ns"`
	Outcome    Outcome       `json:"outcome"`
	Status     int           `json:"status,omitempty"` // 0: no answer
	Error      string        `json:"error,omitempty"`
	TrackingID string        `json:"tracking_id,omitempty"`
	RetryAfter time.Duration `json:"retry_after_ns,omitempty"`
}

// New returns the record of a call worker is about to store, its id
// derived from the event (nil: a random id) and the request.
func New(worker, method, path string, body json.RawMessage, ev *EventRef) *Call {
	c := &Call{V: Version, Worker: worker, Method: method, Path: path, Body: body, Event: ev}
	if ev != nil && ev.DedupKey != "" {
		c.ID = CallID(worker, ev.DedupKey, method, path, body)
	} else {
		c.ID = randomID()
	}
	return c
}

// CallID is the id of a call made for the event with dedupKey: 32 hex
// characters of SHA-256 over the worker, the key and the request, so that
// the same call of the same event always gets the same id and a handler
// that makes two different calls gets two.
func CallID(worker, dedupKey, method, path string, body []byte) string {
	h := sha256.New()
	for _, part := range [][]byte{[]byte(worker), []byte(dedupKey), []byte(method), []byte(path), body} {
		fmt.Fprintf(h, "%d:", len(part))
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails on supported platforms
	return hex.EncodeToString(b)
}

// Subject is where the record is stored.
func (c *Call) Subject() string { return events.BotCallSubject(c.Worker, c.Bot, c.ID) }

// ForBot sets the bot whose call it is (empty for the default bot).
func (c *Call) ForBot(bot string) {
	if bot == events.DefaultBot {
		bot = ""
	}
	c.Bot = bot
}

// MsgID is the record's Nats-Msg-Id: one per state of the call, so that a
// record stored twice (a retried publish, an event delivered twice) is kept
// once, while each new state is stored. A replayed copy of the event is
// stored under a new sequence, so its call is a new state too, even within
// the duplicate window.
func (c *Call) MsgID() string {
	id := c.ID
	if c.Event != nil && c.Event.Seq != 0 {
		id += ".e" + strconv.FormatUint(c.Event.Seq, 10)
	}
	id += "." + strconv.Itoa(c.Attempts)
	if c.Scheduled {
		id += "s"
	}
	if c.Redriven > 0 {
		id += ".r" + strconv.Itoa(c.Redriven)
	}
	return id
}

// Record adds an attempt that did not succeed and updates the summary
// fields. An attempt whose outcome is unknown makes the call ambiguous for
// good: a later clean failure does not prove the earlier one had no effect.
func (c *Call) Record(a Attempt) {
	c.Attempts++
	if c.FirstAttempt.IsZero() {
		c.FirstAttempt = a.At
	}
	if c.FirstFailure.IsZero() {
		c.FirstFailure = a.At.Add(a.Took)
	}
	if a.Outcome == OutcomeUnknown {
		c.Ambiguous = true
	}
	c.LastError, c.LastStatus, c.LastTrackingID = a.Error, a.Status, a.TrackingID
	c.History = append(c.History, a)
	if over := len(c.History) - MaxHistory; over > 0 {
		// Keep the first attempt: it says how the trouble began.
		c.History = append(c.History[:1], c.History[1+over:]...)
		c.HistoryDropped += over
	}
	c.Scheduled = false
}

// LastAttemptEnd is when the latest attempt ended (zero before any).
func (c *Call) LastAttemptEnd() time.Time {
	if len(c.History) == 0 {
		return time.Time{}
	}
	a := c.History[len(c.History)-1]
	return a.At.Add(a.Took)
}

// Redrive prepares the record to be sent back to the retry worker after it
// was dead-lettered: the attempt count and the elapsed-time budget start
// over, the history stays.
func (c *Call) Redrive() {
	c.Redriven++
	c.Attempts = 0
	c.FirstFailure = time.Time{}
	c.NotBefore = time.Time{}
	c.Scheduled = false
}

// Encode returns the record as JSON.
func (c *Call) Encode() ([]byte, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode call %s: %w", c.ID, err)
	}
	return b, nil
}

// Decode reads a record. It fails on anything that is not a record this
// version can act on: bad JSON, ErrUnknownVersion, or a missing field.
func Decode(b []byte) (*Call, error) {
	var c Call
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("decode call record: %w", err)
	}
	switch {
	case c.V > Version:
		return nil, fmt.Errorf("call record version %d: %w", c.V, ErrUnknownVersion)
	case c.V < 1:
		return nil, errors.New("decode call record: no version")
	case c.ID == "" || c.Worker == "" || c.Method == "" || c.Path == "":
		return nil, errors.New("decode call record: id, worker, method and path are required")
	}
	return &c, nil
}
