package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/ingest/spool"
	"github.com/webexpipe/webexpipe/internal/pipelined"
)

// spooler keeps the deliveries JetStream did not acknowledge in time on
// local disk and forwards them, in order and with their original
// Nats-Msg-Id, once JetStream answers. Safe for concurrent use; one
// forward loop at a time.
type spooler struct {
	sp  *spool.Spool
	pub *publisher
	log *slog.Logger

	forwarded prometheus.Counter
	appended  prometheus.Counter
	rejected  prometheus.Counter
}

// spooledMsg is a spool record: the message exactly as it would have been
// published.
type spooledMsg struct {
	Subject string      `json:"subject"`
	Header  nats.Header `json:"header"`
	Body    []byte      `json:"body"`
}

func openSpooler(cfg Config, pub *publisher, reg prometheus.Registerer) (*spooler, error) {
	sp, rec, err := spool.Open(spool.Options{Dir: cfg.SpoolDir, MaxBytes: cfg.SpoolMaxBytes})
	if err != nil {
		return nil, err
	}
	s := &spooler{
		sp:  sp,
		pub: pub,
		log: cfg.Logger,
		forwarded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "webexpipe_ingest_spool_forwarded_total",
			Help: "Spooled deliveries forwarded to JetStream.",
		}),
		appended: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "webexpipe_ingest_spool_appended_total",
			Help: "Deliveries written to the local spool because JetStream did not acknowledge them in time.",
		}),
		rejected: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "webexpipe_ingest_spool_rejected_total",
			Help: "Spooled deliveries JetStream refused for good (too large), set aside under the spool directory's rejected/.",
		}),
	}
	collectors := []prometheus.Collector{
		s.forwarded, s.appended, s.rejected,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "webexpipe_ingest_spool_records",
			Help: "Deliveries waiting in the local spool.",
		}, func() float64 { return float64(sp.Stats().Records) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "webexpipe_ingest_spool_bytes",
			Help: "Bytes waiting in the local spool.",
		}, func() float64 { return float64(sp.Stats().Bytes) }),
	}
	for _, c := range collectors {
		if err := reg.Register(c); err != nil {
			sp.Close()
			return nil, fmt.Errorf("ingest: register spool metrics: %w", err)
		}
	}
	if rec.DroppedBytes > 0 {
		s.log.Warn("spool: a torn record from a crash was cut off (it was never acknowledged)",
			"dir", cfg.SpoolDir, "dropped_bytes", rec.DroppedBytes)
	}
	if rec.Records > 0 {
		s.log.Info("spool: deliveries waiting from before the restart", "records", rec.Records)
	}
	return s, nil
}

// holding reports whether deliveries wait in the spool. While they do, new
// deliveries join them rather than overtaking them.
func (s *spooler) holding() bool { return s.sp.Stats().Records > 0 }

// add appends msg to the spool; when it returns nil, msg survives a crash.
func (s *spooler) add(msg *nats.Msg) error {
	b, err := json.Marshal(spooledMsg{Subject: msg.Subject, Header: msg.Header, Body: msg.Data})
	if err != nil {
		return err
	}
	if err := s.sp.Append(b); err != nil {
		return err
	}
	s.appended.Inc()
	return nil
}

// Forwarding sends up to forwardInFlight records before the first
// acknowledgement is needed, and moves the checkpoint (three fsyncs) once
// per batch of at most forwardBatch records rather than once per record.
const (
	forwardInFlight = 128
	forwardBatch    = 1024
)

// forward drains the spool to JetStream until ctx ends. Records are
// published in order, pipelined, each to the stream of its shard, with
// their original headers (so a
// delivery JetStream did store after all is dropped as a duplicate within
// the duplicate window). After each batch the checkpoint moves past the
// records acknowledged before the first failure, never further; a failure
// ends the batch, and after a pause forwarding resumes at the first record
// not acknowledged (those acknowledged after it are sent again and dropped
// as duplicates). A record JetStream refuses for good (too large for it)
// is set aside under the spool directory's rejected/ and counted, so it
// does not hold up the spool; every other failure is retried.
func (s *spooler) forward(ctx context.Context) error {
	pause := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(200*time.Millisecond),
		backoff.WithMaxInterval(5*time.Second),
		backoff.WithMaxElapsedTime(0),
	)
	pipe := pipelined.New(s.pub.js, pipelined.Options{
		MaxInFlight: forwardInFlight,
		AckTimeout:  s.pub.timeout,
	})
	for {
		b, err := s.sendBatch(ctx, pipe)
		if cerr := s.checkpoint(b); cerr != nil {
			return cerr
		}
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, spool.ErrClosed) {
				return nil
			}
			return err
		}
		if b.failed == nil {
			pause.Reset()
			continue
		}
		s.sp.Rewind()
		if refusedForGood(b.failed) {
			if err := s.setAside(b); err == nil {
				pause.Reset()
				continue
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		d := pause.NextBackOff()
		s.log.Warn("spool: forwarding failed; will retry", "error", b.failed, "retry_in", d, "waiting", s.sp.Stats().Records)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(d):
		}
	}
}

// batch is one round of forwarding: which records were acknowledged, in
// order, before the first failure, and that failure.
type batch struct {
	acked   int            // records acknowledged before the first failure
	through spool.Position // where the last of them ends
	failed  error          // nil when every record sent was acknowledged
	rec     []byte         // the record that failed first, and its end
	pos     spool.Position //
}

// note takes the result of the record rec ending at pos; results come in
// the order the records were sent.
func (b *batch) note(r pipelined.Result, rec []byte, pos spool.Position) {
	switch {
	case b.failed != nil:
	case r.Err != nil:
		b.failed, b.rec, b.pos = r.Err, rec, pos
	default:
		b.acked++
		b.through = pos
	}
}

// sendBatch waits for a record, then publishes it and the records behind
// it that can be read at once, up to forwardBatch, and waits for their
// acknowledgements. An error is one of the spool's (or ctx's); a failed
// publish is in the batch.
func (s *spooler) sendBatch(ctx context.Context, pipe *pipelined.Publisher) (*batch, error) {
	b := &batch{}
	rec, pos, err := s.sp.Next(ctx)
	if err != nil {
		return b, err
	}
	// Acknowledgements of what was sent are awaited even when ctx ends
	// (shutdown), each for no longer than the publish timeout, so that a
	// stored record is not sent again at the next start.
	wctx := context.WithoutCancel(ctx)
	for sent := 1; ; sent++ {
		var m spooledMsg
		if err = json.Unmarshal(rec, &m); err != nil {
			// Framing and checksum were good, so this is a bug, not a
			// torn write; keep the record and stop rather than skip it.
			err = fmt.Errorf("spool record at %+v: %w", pos, err)
			break
		}
		msg := &nats.Msg{Subject: m.Subject, Header: m.Header, Data: m.Body}
		// The record's shard follows from its subject, as when it was
		// first published.
		opts, oerr := s.pub.optsFor(msg.Subject)
		if oerr != nil {
			err = fmt.Errorf("spool record at %+v: %w", pos, oerr)
			break
		}
		sentRec, sentPos := rec, pos
		if pipe.Publish(wctx, msg, func(r pipelined.Result) { b.note(r, sentRec, sentPos) }, opts...) != nil {
			break // the failure is reported to b in its turn
		}
		if sent == forwardBatch || s.sp.Unread() == 0 || ctx.Err() != nil {
			break
		}
		if rec, pos, err = s.sp.Next(ctx); err != nil {
			break
		}
	}
	pipe.Wait(wctx) // b has every result; b.failed is the first failure
	return b, err
}

// checkpoint commits the records b had acknowledged before its first
// failure.
func (s *spooler) checkpoint(b *batch) error {
	if b.acked == 0 {
		return nil
	}
	if err := s.sp.Commit(b.through); err != nil {
		// The records are in JetStream; forwarding them again after a
		// restart is deduplicated by their Nats-Msg-Id.
		return fmt.Errorf("spool commit: %w", err)
	}
	s.forwarded.Add(float64(b.acked))
	if !s.holding() {
		s.log.Info("spool: drained; deliveries go straight to JetStream again")
	}
	return nil
}

// refusedForGood reports whether JetStream will never store the message
// err refused: it is larger than NATS or the stream accepts.
func refusedForGood(err error) bool {
	return classify(err).status == http.StatusRequestEntityTooLarge
}

// setAside moves the record b failed on out of the way, so that it does
// not hold up the spool for ever; it stays on disk for an operator.
func (s *spooler) setAside(b *batch) error {
	var m spooledMsg
	_ = json.Unmarshal(b.rec, &m) // it was decoded to be sent
	path, err := s.sp.SetAside(b.rec, b.pos)
	if err != nil {
		s.log.Error("spool: JetStream refuses a record for good and it could not be set aside; will retry",
			"subject", m.Subject, "publish_error", b.failed, "error", err)
		return err
	}
	s.rejected.Inc()
	s.log.Error("spool: JetStream refuses a record for good; set aside",
		"subject", m.Subject, "msg_id", m.Header.Get(events.HeaderMsgID), "error", b.failed, "file", path)
	return nil
}
