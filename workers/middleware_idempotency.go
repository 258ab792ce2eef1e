package workers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// markerTimeout bounds reading and writing a marker or an attempt
// record; the write does not follow the handler's context, which may be
// about to expire.
const markerTimeout = 5 * time.Second

// Idempotency skips events worker already processed. Before calling the
// handler it looks up the event's marker in kv (events.ProcessedBucket):
// when it exists and the event is not a forced replay, it returns an error
// matching ErrDuplicate without calling the handler. After the handler
// returned nil, or an error made by Deferred (its work is stored and will be
// done elsewhere), it writes the marker. A marker that cannot be read is
// retried (the error is returned); one that cannot be written is reported
// to onWriteError (may be nil) and the event still counts as done: the side
// effect happened, and repeating it is worse than missing the marker.
//
// Before the first delivery's handler runs, it creates the event's attempt
// record (events.AttemptKey). Finding one already there, it marks the event
// Retried: an earlier delivery began, and the server lost count of it. A
// record that cannot be written or read marks the event Retried too: the
// handler then looks before it acts, which costs a look-up, never a
// duplicate.
//
// The record is created before any marker of the event can be written, so
// when a first delivery creates it, no marker can exist and none is read:
// an event as ingest stored it, handled once, costs two writes and no
// read. A copy (a replay, a requeue, a redriven dead letter) and a
// redelivery always read the marker.
//
// Events without a dedup key pass straight through.
func Idempotency(kv jetstream.KeyValue, worker string, onWriteError func(ev *Event, err error)) Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, ev *Event) error {
			if ev.DedupKey == "" {
				return next.Handle(ctx, ev)
			}
			key := events.MarkerKey(worker, ev.DedupKey)
			fresh := false
			if ev.Delivered == 1 && !ev.attempted {
				fresh = noteAttempt(ctx, kv, worker, ev) && !isCopy(ev)
			}
			if !ev.Force && !fresh {
				_, err := getMarker(ctx, kv, key)
				switch {
				case err == nil:
					return duplicate()
				case !errors.Is(err, jetstream.ErrKeyNotFound):
					return fmt.Errorf("read idempotency marker %s: %w", key, err)
				}
			}
			herr := next.Handle(ctx, ev)
			if herr != nil && !IsDeferred(herr) {
				return herr
			}
			if err := putMarker(ctx, kv, key, ev); err != nil {
				if onWriteError != nil {
					onWriteError(ev, err)
				}
			} else {
				ev.marked = true
			}
			return herr
		})
	}
}

// isCopy reports whether ev is a copy of a stored event (its original's
// stream sequence travels with it), which may have been handled as the
// original.
func isCopy(ev *Event) bool {
	return ev.Replay || ev.Header.Get(events.HeaderOrigSeq) != "" || ev.Header.Get(events.HeaderDedupKey) != ""
}

// getMarker reads a marker within markerTimeout: a read that hangs
// while the bucket's leader moves fails fast and the event is retried,
// instead of holding its handler slot until the handler's timeout.
func getMarker(ctx context.Context, kv jetstream.KeyValue, key string) (jetstream.KeyValueEntry, error) {
	ctx, cancel := context.WithTimeout(ctx, markerTimeout)
	defer cancel()
	return kv.Get(ctx, key)
}

func putMarker(ctx context.Context, kv jetstream.KeyValue, key string, ev *Event) error {
	val, err := json.Marshal(events.Marker{StreamSeq: ev.StreamSeq, Subject: ev.Subject, At: time.Now().UTC()})
	if err != nil {
		return fmt.Errorf("encode idempotency marker: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markerTimeout)
	defer cancel()
	if _, err := kv.Put(ctx, key, val); err != nil {
		return fmt.Errorf("write idempotency marker %s: %w", key, err)
	}
	return nil
}

// noteAttempt creates ev's attempt record and reports whether it did; it
// marks ev as retried when a record exists or the bucket cannot tell.
func noteAttempt(ctx context.Context, kv jetstream.KeyValue, worker string, ev *Event) bool {
	var copySeq uint64
	if ev.Force {
		copySeq = ev.StreamSeq
	}
	ctx, cancel := context.WithTimeout(ctx, markerTimeout)
	defer cancel()
	key := events.AttemptKey(worker, ev.DedupKey, copySeq)
	_, err := kv.Create(ctx, key, nil)
	if err == nil {
		return true
	}
	ev.attempted = true
	if errors.Is(err, jetstream.ErrKeyExists) {
		if e, gerr := kv.Get(ctx, key); gerr == nil {
			ev.earlier = e.Created()
		}
	}
	return false
}
