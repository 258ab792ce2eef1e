package replay

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/pipelined"
	"github.com/webexpipe/webexpipe/workers/admin/scan"
)

// publishTimeout bounds storing one copy, and every other call a replay
// makes to NATS.
const publishTimeout = 10 * time.Second

// copiesInFlight is how many copies may wait for their acknowledgement at
// a time when no rate is set; storing them pipelined is what makes a large
// replay fast. With a rate, the pacing sets the speed and each copy is
// acknowledged before the next goes.
const copiesInFlight = 128

// Run replays the events o selects to o.Worker and returns the summary.
// Copies are stored pipelined; the counters and OnEvent follow their
// acknowledgements, in scan order. It stops at the first copy it cannot
// store, returning the progress so far (Stored and Duplicates count
// exactly the copies JetStream acknowledged, including any sent before the
// failure was known) and the error; running it again with the same RunID stores no second copy
// of what was stored within the duplicate window. Errors from the options
// wrap ErrInvalidOptions, an unknown worker ErrUnknownWorker.
func Run(ctx context.Context, js jetstream.JetStream, o Options) (Progress, error) {
	if err := o.Validate(); err != nil {
		return Progress{}, err
	}
	o = o.withDefaults()
	o, w, resumed, err := resolveWindow(ctx, js, o)
	if err != nil {
		return Progress{}, err
	}
	filters, err := workerFilters(ctx, js, o.Worker, o.Bots, o.Resource, o.Event)
	if err != nil {
		return Progress{}, err
	}
	r := &run{js: js, o: o, sharding: o.sharding(), markers: openMarkers(ctx, js), acked: newAcked(js, o.Worker), pace: newPacer(o.Rate), start: time.Now(),
		pipe: pipelined.New(js, pipelined.Options{MaxInFlight: copiesInFlight, AckTimeout: publishTimeout})}
	ends := w.ends()
	r.p = Progress{Run: o.RunID, Worker: o.Worker, Bots: o.Bots, DryRun: o.DryRun, Force: o.Force, Resumed: resumed, ToSeq: w.ToSeq, Ends: ends}
	r.reported = r.start
	// Shard after shard: sequences are per stream, and the order that
	// matters to a worker, a room's, is within one partition, so within
	// one stream.
	for _, stream := range sortedStreams(ends) {
		if ends[stream] == 0 {
			continue // empty when the run started
		}
		err = scan.Each(ctx, js, scan.Range{Stream: stream, Filters: filters, FromSeq: o.FromSeq, Since: o.Since, Until: o.Until, ToSeq: ends[stream]},
			func(s scan.Start) { r.p.Total += s.Pending },
			func(m *scan.Msg) error { return r.one(ctx, m) })
		if err != nil || r.failed != nil {
			break
		}
	}
	// The acknowledgements of what was sent are awaited even when ctx
	// ended, each for at most publishTimeout, so the summary is exact.
	r.pipe.Wait(context.WithoutCancel(ctx))
	if r.failed != nil {
		err = r.failed
	}
	r.p.update(time.Since(r.start))
	r.p.ETA = 0
	return r.p, err
}

// resolveWindow returns the window of o's run. A run seen before keeps the
// window it was started with (o's window, filters and force are replaced by
// it); a new one ends at the stream's last sequence now, and is stored
// under its id unless it is a dry run. Checking the worker first keeps a
// run for a worker that cannot be replayed to from being stored.
func resolveWindow(ctx context.Context, js jetstream.JetStream, o Options) (Options, window, bool, error) {
	rs, err := openRuns(ctx, js, !o.DryRun)
	if err != nil {
		return o, window{}, false, err
	}
	if rs != nil {
		w, ok, err := rs.load(ctx, o.RunID)
		if err != nil {
			return o, window{}, false, err
		}
		if ok {
			if w.Worker != o.Worker {
				return o, window{}, false, fmt.Errorf("run %s replays to worker %s, not %s: %w", o.RunID, w.Worker, o.Worker, ErrRunMismatch)
			}
			return w.apply(o), w, true, nil
		}
	}
	if _, err := workerFilters(ctx, js, o.Worker, o.Bots, o.Resource, o.Event); err != nil {
		return o, window{}, false, err
	}
	ends, err := lastSeqs(ctx, js, o.streams())
	if err != nil {
		return o, window{}, false, err
	}
	w := windowOf(o, ends, time.Now())
	if o.DryRun || rs == nil {
		return o, w, false, nil
	}
	if w, err = rs.create(ctx, o.RunID, w); err != nil {
		return o, window{}, false, err
	}
	return w.apply(o), w, false, nil
}

// run is the state of one Run; it is used by one goroutine.
type run struct {
	js       jetstream.JetStream
	o        Options
	sharding events.Sharding
	markers  jetstream.KeyValue // nil when the bucket cannot be read
	acked    *acked
	pace     *pacer
	pipe     *pipelined.Publisher
	failed   error // the first copy JetStream did not acknowledge
	start    time.Time
	reported time.Time
	p        Progress
}

// one handles one scanned event.
func (r *run) one(ctx context.Context, m *scan.Msg) error {
	r.p.Scanned++
	defer r.report()
	env, _ := events.Decode(m.Data) // an undecodable event is replayed as is: the worker dead-letters it
	var room string
	if env != nil {
		room = env.Data.RoomID
	}
	if r.o.RoomID != "" && room != r.o.RoomID {
		return nil
	}
	key := events.StoredDedupKey(m.Header, env, m.Data)
	msg, err := newCopy(r.o.Worker, r.o.RunID, r.o.Force, m.Seq, m.Subject, m.Header, m.Data, key)
	if err != nil {
		return err
	}
	copyStream, _ := r.sharding.StreamOfSubject(msg.Subject)
	bot, _ := events.BotOfSubject(m.Subject)
	item := Item{Stream: m.Stream, Seq: m.Seq, Time: m.Time, Subject: m.Subject, Bot: bot, DedupKey: key, RoomID: room,
		CopySubject: msg.Subject, CopyStream: copyStream}
	item.Handled = r.handled(ctx, key)
	if !item.Handled && r.acked.settled(ctx, m.Stream, m.Subject, m.Seq, m.Time) {
		// Settled, and its marker gone: the worker could not tell, so
		// only a forced replay stores the copy.
		item.Handled = true
		item.Skipped = !r.o.Force
	}
	if r.o.DryRun || item.Skipped {
		r.pipe.Then(func() { r.selected(item) })
		return nil
	}
	if err := r.pace.wait(ctx); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err // the pacer does not look when no wait was due
	}
	// Waiting for room in the pipeline is bounded by publishTimeout; an
	// ended ctx stops the scan, not an acknowledgement on its way.
	err = r.pipe.Publish(context.WithoutCancel(ctx), msg, r.stored(m.Seq, item),
		jetstream.WithMsgID(copyID(r.o.RunID, m.Stream, m.Seq)), jetstream.WithExpectStream(copyStream))
	if err == nil && r.pace.interval > 0 {
		// Paced: the pacing sets the speed, so each copy is acknowledged
		// before the next goes and the progress is never behind.
		r.pipe.Wait(context.WithoutCancel(ctx))
		err = r.failed
	}
	return err
}

// stored returns what to do with the result of the copy of the event at
// seq: count it and report item, or keep the first failure.
func (r *run) stored(seq uint64, item Item) func(pipelined.Result) {
	return func(res pipelined.Result) {
		if res.Err != nil {
			if r.failed == nil {
				r.failed = fmt.Errorf("store the copy of event %s:%d on %s: %w", item.Stream, seq, item.CopySubject, res.Err)
			}
			return
		}
		if res.Ack.Duplicate {
			r.p.Duplicates++
		} else {
			r.p.Stored++
		}
		item.CopySeq = res.Ack.Sequence
		r.selected(item)
	}
}

// selected counts a selected event once its copy is acknowledged (at once
// when no copy is stored), in scan order.
func (r *run) selected(item Item) {
	r.p.Selected++
	if item.Handled {
		r.p.Handled++
	}
	if item.Skipped {
		r.p.Skipped++
	}
	if r.p.FirstSeq == 0 {
		r.p.FirstStream, r.p.FirstSeq = item.Stream, item.Seq
	}
	r.p.LastStream, r.p.LastSeq = item.Stream, item.Seq
	if r.o.OnEvent != nil {
		r.o.OnEvent(item)
	}
}

// report calls Progress when ProgressEvery has passed since the last call.
func (r *run) report() {
	now := time.Now()
	if r.o.Progress == nil || now.Sub(r.reported) < r.o.ProgressEvery {
		return
	}
	r.reported = now
	r.p.update(now.Sub(r.start))
	r.o.Progress(r.p)
}

// handled reports whether the worker's idempotency marker for key exists
// (an empty key only says a delivery began).
func (r *run) handled(ctx context.Context, key string) bool {
	if r.markers == nil || key == "" {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	e, err := r.markers.Get(ctx, events.MarkerKey(r.o.Worker, key))
	return err == nil && events.IsMarker(e.Value())
}

// openMarkers opens the idempotency bucket, or returns nil: the markers
// only inform the report, so a replay goes on without them.
func openMarkers(ctx context.Context, js jetstream.JetStream) jetstream.KeyValue {
	kv, err := js.KeyValue(ctx, events.ProcessedBucket)
	if err != nil && !errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil
	}
	return kv
}

// sortedStreams are the streams of ends in shard order: WEBEX_EVENTS, then
// WEBEX_EVENTS_1, WEBEX_EVENTS_2, ...
func sortedStreams(ends map[string]uint64) []string {
	out := make([]string, 0, len(ends))
	for name := range ends {
		out = append(out, name)
	}
	slices.SortFunc(out, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
	})
	return out
}
