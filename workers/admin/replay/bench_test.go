package replay_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/workers/admin/replay"
)

// BenchmarkReplay replays b.N stored message events, unpaced, to a worker
// whose consumer has handled none of them, on an embedded server with
// file storage, and reports events replayed a second. Each event costs a
// look-up of the worker's idempotency marker and a stored copy.
func BenchmarkReplay(b *testing.B) {
	_, js := localnats.StartTest(b).ConnectTest(b)
	o := events.DefaultStreamOptions()
	o.Storage = jetstream.FileStorage
	localnats.ProvisionTest(b, js, o)
	ctx := context.Background()
	const worker = "bench"
	if _, err := js.CreateOrUpdateConsumer(ctx, events.EventsStream, jetstream.ConsumerConfig{
		Durable: worker, FilterSubject: events.EventFilter("messages", "created"), AckPolicy: jetstream.AckExplicitPolicy,
	}); err != nil {
		b.Fatal(err)
	}
	for i := range b.N {
		m := nats.NewMsg(events.EventSubject("messages", "created", i%events.DefaultPartitions))
		m.Data = fmt.Appendf(nil, `{"id":"hook","resource":"messages","event":"created",`+
			`"data":{"id":"message-%d","roomId":"room-%d","personEmail":"someone@example.com","created":"2026-03-04T05:06:07.000Z"}}`, i, i%50)
		m.Header.Set(jetstream.MsgIDHeader, fmt.Sprintf("messages:created:message-%d", i))
		if _, err := js.PublishMsgAsync(m); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		b.Fatal("events not stored")
	}

	b.ResetTimer()
	p, err := replay.Run(ctx, js, replay.Options{Worker: worker, FromSeq: 1, RunID: "bench"})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if p.Stored != uint64(b.N) {
		b.Fatalf("stored %d copies, want %d", p.Stored, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
