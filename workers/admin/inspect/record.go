package inspect

import (
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/webexpipe/webexpipe/events"
)

// Record is one stored event, summarised.
type Record struct {
	// Stream is the events shard's stream it is stored in, Seq its
	// sequence there: together they name it (`webexpipe events show
	// STREAM:SEQ`).
	Stream  string    `json:"stream"`
	Seq     uint64    `json:"seq"`
	Time    time.Time `json:"time"`
	Subject string    `json:"subject"`
	// Bot is the bot whose event it is.
	Bot      string `json:"bot"`
	Resource string `json:"resource"`
	Event    string `json:"event"`
	// DataID, RoomID and PersonEmail come from the envelope's data.
	DataID      string `json:"data_id,omitempty"`
	RoomID      string `json:"room_id,omitempty"`
	PersonEmail string `json:"person_email,omitempty"`
	DedupKey    string `json:"dedup_key,omitempty"`
	// Replay names the worker a replayed copy is for; OrigSeq and Run say
	// which event it copies and which replay stored it.
	Replay  string `json:"replay,omitempty"`
	OrigSeq uint64 `json:"orig_seq,omitempty"`
	Run     string `json:"run,omitempty"`
	// Backfilled is true for an event built by `webexpipe backfill`.
	Backfilled bool `json:"backfilled,omitempty"`
	// DecodeError says why the body is not a valid envelope, if it is not.
	DecodeError string `json:"decode_error,omitempty"`

	env *events.Envelope
}

// newRecord reads a stored event.
func newRecord(stream string, seq uint64, t time.Time, subject string, h nats.Header, body []byte) Record {
	r := Record{Stream: stream, Seq: seq, Time: t, Subject: subject}
	if a, ok := events.ParseSubject(subject); ok {
		r.Bot, r.Resource, r.Event, r.Replay = a.Bot, a.Resource, a.Event, a.Worker
	} else {
		r.Bot = events.BotOf(h)
	}
	r.OrigSeq, _ = strconv.ParseUint(h.Get(events.HeaderOrigSeq), 10, 64)
	r.Run = h.Get(events.HeaderReplayRun)
	r.Backfilled = h.Get(events.HeaderBackfilled) == "true"
	env, err := events.Decode(body)
	if err != nil {
		r.DedupKey = events.StoredDedupKey(h, nil, nil)
		r.DecodeError = err.Error()
		return r
	}
	r.DedupKey = events.StoredDedupKey(h, env, body)
	r.env = env
	r.DataID, r.RoomID, r.PersonEmail = env.Data.ID, env.Data.RoomID, env.Data.PersonEmail
	return r
}
