package workers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// markerTimeout bounds reading and writing a marker or an attempt
// record; the write does not follow the handler's context, which may be
// about to expire.
const markerTimeout = 5 * time.Second

// Idempotency skips events worker already processed. Each event has one
// key in kv (events.ProcessedBucket, events.MarkerKey): created empty when
// a delivery begins, it holds the events.Marker once the handler returned
// nil, or an error made by Deferred (its work is stored and will be done
// elsewhere). A delivery that finds the marker returns an error matching
// ErrDuplicate without calling the handler, unless it is a forced replay.
// One that finds the key empty marks the event Retried (an earlier delivery
// began, even if the server lost count of it), and the handler looks before
// it acts.
//
// A key that cannot be read is retried (the error is returned); a marker
// that cannot be written is reported to onWriteError (may be nil) and the
// event still counts as done: the side effect happened, and repeating it is
// worse than missing the marker. A key that cannot be created marks the
// event Retried: that costs a look-up, never a duplicate.
//
// The first delivery of an event as ingest stored it creates the key, and
// when that succeeds nothing was there to read: such an event, handled
// once, costs two writes and no read. A redelivery and a copy (a replay, a
// requeue, a redriven dead letter) read the key first. A forced replay does
// not read it, and records its own attempt under events.AttemptKey.
//
// Events without a dedup key pass straight through.
func Idempotency(kv jetstream.KeyValue, worker string, onWriteError func(ev *Event, err error)) Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, ev *Event) error {
			if ev.DedupKey == "" {
				return next.Handle(ctx, ev)
			}
			key := events.MarkerKey(worker, ev.DedupKey)
			switch {
			case ev.Force:
				noteAttempt(ctx, kv, events.AttemptKey(worker, ev.DedupKey, forcedRun(ev)), ev, true)
			case ev.Delivered == 1 && !ev.attempted && !isCopy(ev) && noteAttempt(ctx, kv, key, ev, false):
				// Created: no earlier delivery began.
			default:
				done, err := readKey(ctx, kv, key, ev)
				if err != nil {
					return err
				}
				if done {
					return duplicate()
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

// forcedRun names the replay run of a forced copy, or, for a copy that
// carries none, the copy itself.
func forcedRun(ev *Event) string {
	if run := ev.Header.Get(events.HeaderReplayRun); run != "" {
		return run
	}
	return "seq:" + strconv.FormatUint(ev.StreamSeq, 10)
}

// isCopy reports whether ev is a copy of a stored event (its original's
// dedup key or sequence travels with it), which may have been handled as
// the original.
func isCopy(ev *Event) bool {
	return ev.Replay || ev.Header.Get(events.HeaderOrigSeq) != "" || ev.Header.Get(events.HeaderDedupKey) != ""
}

// readKey reads ev's key: done when it holds the marker. An empty key
// marks ev Retried; a missing one is created, so that a later delivery
// knows this one began.
func readKey(ctx context.Context, kv jetstream.KeyValue, key string, ev *Event) (done bool, err error) {
	e, err := getMarker(ctx, kv, key)
	switch {
	case err == nil:
		if events.IsMarker(e.Value()) {
			return true, nil
		}
		ev.attempted = true
		ev.earlier = e.Created()
		return false, nil
	case errors.Is(err, jetstream.ErrKeyNotFound):
		if !noteAttempt(ctx, kv, key, ev, false) {
			// Created meanwhile: another delivery began, or finished.
			return readAgain(ctx, kv, key, ev)
		}
		return false, nil
	}
	return false, fmt.Errorf("read idempotency marker %s: %w", key, err)
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

// readAgain reads a key that appeared after it was found missing.
func readAgain(ctx context.Context, kv jetstream.KeyValue, key string, ev *Event) (bool, error) {
	e, err := getMarker(ctx, kv, key)
	if err != nil {
		return false, fmt.Errorf("read idempotency marker %s: %w", key, err)
	}
	ev.earlier = e.Created()
	return events.IsMarker(e.Value()), nil
}

// noteAttempt creates the empty key that says a delivery of ev began, and
// reports whether it did. When it did not (the key exists, or the bucket
// cannot tell) ev may have been begun before: it is marked Retried, and
// with lookBack the key's time is read as the earlier attempt's.
func noteAttempt(ctx context.Context, kv jetstream.KeyValue, key string, ev *Event, lookBack bool) bool {
	ctx, cancel := context.WithTimeout(ctx, markerTimeout)
	defer cancel()
	_, err := kv.Create(ctx, key, nil)
	if err == nil {
		return true
	}
	ev.attempted = true
	if lookBack && errors.Is(err, jetstream.ErrKeyExists) {
		if e, gerr := kv.Get(ctx, key); gerr == nil {
			ev.earlier = e.Created()
		}
	}
	return false
}
