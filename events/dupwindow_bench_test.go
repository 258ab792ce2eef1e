package events_test

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
)

// BenchmarkDuplicateWindowHeap measures what one id in a stream's
// duplicate window costs the server's heap, for the dedup key itself as
// the id (as ingest stored it before) and for its hash (events.MsgID).
// Every message goes to one subject that keeps one message, so what
// grows is the window's table, not the stored messages. The figure is
// the process's heap growth per id after a GC (the server is embedded),
// reported as B/id.
func BenchmarkDuplicateWindowHeap(b *testing.B) {
	const ids = 200_000
	for _, tc := range []struct {
		name string
		id   func(key string) string
	}{
		{"key", func(key string) string { return key }},
		{"hash", events.MsgID},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for n := 0; n < b.N; n++ {
				b.StopTimer()
				_, js := localnats.StartTest(b).ConnectTest(b)
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				_, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "DUP", Subjects: []string{"dup"}, Storage: jetstream.MemoryStorage,
					MaxMsgsPerSubject: 1, Duplicates: time.Hour})
				if err != nil {
					b.Fatal(err)
				}
				before := heap()
				b.StartTimer()
				for i := 0; i < ids; i++ {
					// A dedup key of the usual length: resource, event and
					// a Webex message id (about 80 characters).
					key := "messages:created:Y2lzY29zcGFyazovL3VzL01FU1NBR0UvMjljOGU0MzAtODc2Zi00ZjgzLWE" + strconv.Itoa(1_000_000+i)
					msg := nats.NewMsg("dup")
					msg.Header.Set(events.HeaderMsgID, tc.id(key))
					if _, err := js.PublishMsgAsync(msg); err != nil {
						b.Fatal(err)
					}
				}
				select {
				case <-js.PublishAsyncComplete():
				case <-ctx.Done():
					b.Fatal("acks did not all arrive")
				}
				b.StopTimer()
				b.ReportMetric(float64(heap()-before)/ids, "B/id")
				cancel()
			}
		})
	}
}

func heap() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
