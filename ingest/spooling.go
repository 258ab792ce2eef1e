package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/ingest/spool"
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
	}
	collectors := []prometheus.Collector{
		s.forwarded, s.appended,
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

// forward drains the spool to JetStream until ctx ends: each record is
// published with its original headers (so a delivery JetStream did store
// after all is dropped as a duplicate within the duplicate window) and
// committed only once acknowledged. A failed publish is retried from the
// same record after a pause; order is kept.
func (s *spooler) forward(ctx context.Context) error {
	pause := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(200*time.Millisecond),
		backoff.WithMaxInterval(5*time.Second),
		backoff.WithMaxElapsedTime(0),
	)
	for {
		rec, pos, err := s.sp.Next(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, spool.ErrClosed) {
				return nil
			}
			return err
		}
		var m spooledMsg
		if err := json.Unmarshal(rec, &m); err != nil {
			// Framing and checksum were good, so this is a bug, not a
			// torn write; keep the record and stop rather than skip it.
			return fmt.Errorf("spool record at %+v: %w", pos, err)
		}
		msg := &nats.Msg{Subject: m.Subject, Header: m.Header, Data: m.Body}
		if _, err := s.pub.publish(ctx, msg); err != nil {
			s.sp.Rewind()
			d := pause.NextBackOff()
			s.log.Warn("spool: forwarding failed; will retry", "error", err, "retry_in", d, "waiting", s.sp.Stats().Records)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(d):
			}
			continue
		}
		pause.Reset()
		if err := s.sp.Commit(pos); err != nil {
			// The record is in JetStream; forwarding it again after a
			// restart is deduplicated by its Nats-Msg-Id.
			return fmt.Errorf("spool commit: %w", err)
		}
		s.forwarded.Inc()
		if !s.holding() {
			s.log.Info("spool: drained; deliveries go straight to JetStream again")
		}
	}
}
