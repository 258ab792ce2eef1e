package deadletters

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webexcall/outbox"
)

// ErrCannotRedrive means a dead letter lacks what a redrive needs (an
// event without its original subject, a call whose record does not decode).
var ErrCannotRedrive = errors.New("cannot redrive")

// RedriveOptions choose how a dead letter is sent back.
type RedriveOptions struct {
	// Force makes the worker handle a redriven event even when its
	// idempotency marker says it was handled (Webex-Replay-Force).
	Force bool
	// Keep leaves the dead letter in place; by default it is deleted once
	// its copy is stored.
	Keep bool
	// Sharding places a redriven event on its partition's shard; zero
	// means one events stream.
	Sharding events.Sharding
}

// Redriven says where a dead letter went.
type Redriven struct {
	Seq     uint64 `json:"seq"`
	Kind    Kind   `json:"kind"`
	Subject string `json:"subject"`
	// Stream is where the copy was stored: the shard of its partition, or
	// WEBEX_CALLS for a call.
	Stream  string `json:"stream"`
	MsgID   string `json:"msg_id"`
	Deleted bool   `json:"deleted"`
}

// Redrive sends a dead letter back to be handled again.
//
// An event goes to webex.replay.<worker>.<resource>.<event>.<partition>, on
// the stream of that partition's shard (RedriveOptions.Sharding):
// only the worker that gave up sees it again, not every worker of that
// event type, and a forced redrive works (Webex-Replay-Force is honoured on
// replay subjects only). It keeps its dedup key (Webex-Dedup-Key) so the
// other idempotency rules still hold, with a Nats-Msg-Id of its own.
//
// A call goes back to webex.calls.<worker>.<id> with its attempt count and
// time budget reset and its history kept, for the retry worker.
func Redrive(ctx context.Context, js jetstream.JetStream, e *Entry, o RedriveOptions) (Redriven, error) {
	var r Redriven
	var err error
	switch e.Kind {
	case KindCall:
		r, err = redriveCall(ctx, js, e)
	default:
		r, err = redriveEvent(ctx, js, e, o)
	}
	if err != nil {
		return r, err
	}
	if !o.Keep {
		if _, err := Delete(ctx, js, e.Seq); err != nil {
			return r, fmt.Errorf("redriven, but %w", err)
		}
		r.Deleted = true
	}
	return r, nil
}

func redriveEvent(ctx context.Context, js jetstream.JetStream, e *Entry, o RedriveOptions) (Redriven, error) {
	a, ok := events.ParseSubject(e.OrigSubject)
	if !ok || !events.ValidToken(e.Worker) {
		return Redriven{}, fmt.Errorf("dead letter %d: %w: original subject %q", e.Seq, ErrCannotRedrive, e.OrigSubject)
	}
	// To the bot's replay subject, which only the worker's consumer for
	// that bot takes.
	msg := events.CopyEvent(events.BotReplaySubject(e.Worker, a.Bot, a.Resource, a.Event, a.Partition), e.Data, e.Header,
		events.Provenance{OrigSeq: e.OrigSeq, DedupKey: e.DedupKey})
	events.SetBot(msg.Header, a.Bot)
	if o.Force {
		msg.Header.Set(events.HeaderReplayForce, "true")
	} else {
		msg.Header.Del(events.HeaderReplayForce)
	}
	stream, _ := o.Sharding.StreamOfSubject(msg.Subject)
	id := "redrive:" + strconv.FormatUint(e.Seq, 10)
	if _, err := js.PublishMsg(ctx, msg, jetstream.WithMsgID(id), jetstream.WithExpectStream(stream)); err != nil {
		return Redriven{}, fmt.Errorf("redrive dead letter %d to %s on %s: %w", e.Seq, msg.Subject, stream, err)
	}
	return Redriven{Seq: e.Seq, Kind: KindEvent, Subject: msg.Subject, Stream: stream, MsgID: id}, nil
}

func redriveCall(ctx context.Context, js jetstream.JetStream, e *Entry) (Redriven, error) {
	if e.Call == nil {
		return Redriven{}, fmt.Errorf("dead letter %d: %w: the call record does not decode: %s", e.Seq, ErrCannotRedrive, e.CallErr)
	}
	c := *e.Call
	c.Redrive()
	if _, err := outbox.NewStore(js).Put(ctx, &c); err != nil {
		return Redriven{}, fmt.Errorf("redrive dead letter %d: %w", e.Seq, err)
	}
	return Redriven{Seq: e.Seq, Kind: KindCall, Subject: c.Subject(), Stream: events.CallsStream, MsgID: c.MsgID()}, nil
}
