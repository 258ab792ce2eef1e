package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

const (
	// readyTimeout bounds one readiness check against the server.
	readyTimeout = 2 * time.Second
	// readyCacheTTL is how long a check's result answers further probes, so
	// a probe storm costs the NATS server one stream lookup a second.
	readyCacheTTL = time.Second
)

// Reasons /readyz gives. They name the dependency, never a server URL.
var errNotConnected = errors.New("NATS not connected")

// shardNotReady is the reason /readyz gives when one events stream is
// missing or could not be looked up: which shard, which stream.
func shardNotReady(k int, stream string, err error) error {
	what := "check failed"
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		what = "not found"
	}
	return fmt.Errorf("events shard %d: stream %s %s", k, stream, what)
}

// readiness answers whether ingest can store events right now: the NATS
// connection is up and the stream of every events shard exists, since a
// delivery may belong to any of them. Safe for concurrent use.
type readiness struct {
	nc      *nats.Conn
	js      jetstream.JetStream
	streams []string // the events streams, shard 0 first
	now     func() time.Time
	log     *slog.Logger

	// mu guards checkedAt and last. It is held during a check, so that
	// concurrent probes wait for the one check in flight instead of
	// starting their own.
	mu        sync.Mutex
	checkedAt time.Time
	last      error
}

// check returns nil when ready, else the reason, from a cached result when
// it is younger than readyCacheTTL.
func (rd *readiness) check(ctx context.Context) error {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if age := rd.now().Sub(rd.checkedAt); age >= 0 && age < readyCacheTTL {
		return rd.last
	}
	err := rd.probe(ctx)
	switch {
	case err != nil && (rd.last == nil || rd.checkedAt.IsZero()):
		rd.log.Warn("ingest not ready", "reason", err.Error())
	case err == nil && rd.last != nil:
		rd.log.Info("ingest ready again")
	}
	rd.last, rd.checkedAt = err, rd.now()
	return err
}

func (rd *readiness) probe(ctx context.Context) error {
	if !rd.nc.IsConnected() {
		return errNotConnected
	}
	// The probe's own client going away must not be cached as "not ready".
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readyTimeout)
	defer cancel()
	for k, stream := range rd.streams {
		if _, err := rd.js.Stream(ctx, stream); err != nil {
			return shardNotReady(k, stream, err)
		}
	}
	return nil
}

// serveHealthz answers 200 while the process runs: liveness says nothing
// about NATS, so an outage does not get ingest restarted in a loop.
func (s *Service) serveHealthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, statusBody{Status: "ok"})
}

// serveReadyz answers 200 when deliveries can be accepted safely, else 503
// and why. With a spool that has room, ingest stays ready while JetStream is
// away: it answers "degraded" and says what waits in the spool.
func (s *Service) serveReadyz(w http.ResponseWriter, r *http.Request) {
	err := s.ready.check(r.Context())
	body := statusBody{Status: "ready"}
	status := http.StatusOK
	if err != nil {
		body = statusBody{Status: "not ready", Error: err.Error()}
		status = http.StatusServiceUnavailable
	}
	if s.spool != nil {
		st := s.spool.sp.Stats()
		body.Spool = &spoolStatus{Records: st.Records, Bytes: st.Bytes, MaxBytes: s.cfg.SpoolMaxBytes}
		if err != nil && st.Bytes < s.cfg.SpoolMaxBytes {
			body.Status, status = "degraded", http.StatusOK
		}
	}
	writeJSON(w, status, body)
}
