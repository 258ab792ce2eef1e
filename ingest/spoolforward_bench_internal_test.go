package ingest

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
)

// BenchmarkSpoolForward drains a spool of b.N 2 KB deliveries, each with
// its own Nats-Msg-Id, into WEBEX_EVENTS on an embedded server with file
// storage, and reports deliveries forwarded a second. Filling the spool is
// not timed.
func BenchmarkSpoolForward(b *testing.B) {
	srv := localnats.StartTest(b)
	_, js := srv.ConnectTest(b)
	localnats.ProvisionTest(b, js, events.DefaultStreamOptions())
	pub := newPublisher(js, events.DefaultSharding(), 5*time.Second)
	cfg := Config{SpoolDir: b.TempDir(), Logger: slog.New(slog.DiscardHandler)}
	s, err := openSpooler(cfg, pub, prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.sp.Close() })

	body := make([]byte, 2048)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	for i := range b.N {
		h := nats.Header{}
		h.Set(events.HeaderMsgID, "bench:"+strconv.Itoa(i))
		h.Set(events.HeaderResource, "messages")
		h.Set(events.HeaderEvent, "created")
		msg := &nats.Msg{Subject: events.EventSubject("messages", "created", i%events.DefaultPartitions), Header: h, Data: body}
		if err := s.add(msg); err != nil {
			b.Fatal(err)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	b.ResetTimer()
	go func() { done <- s.forward(ctx) }()
	for s.holding() {
		time.Sleep(time.Millisecond) // poll interval; the spool has no drained signal
	}
	b.StopTimer()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
