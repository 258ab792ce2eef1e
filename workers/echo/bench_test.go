package echo_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// BenchmarkMessageToReply measures the whole path one user message takes:
// the emulator delivers the signed webhook over HTTP, ingest stores it in
// JetStream, the echo worker fetches the message and posts the reply. It
// reports the latency from the user's post to the reply being stored.
func BenchmarkMessageToReply(b *testing.B) {
	p := startPipeline(b)
	p.startWorker()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		sent, err := p.Sim.PostAsUser(emulator.UserMessage{PersonEmail: fmt.Sprintf("u%d@example.com", i%50), Text: "ping"})
		if err != nil {
			b.Fatal(err)
		}
		for len(p.replies(sent.RoomID)) <= i/50 {
			time.Sleep(100 * time.Microsecond) // poll; the measured time bounds it
			if time.Since(start) > 10*time.Second {
				b.Fatal("no reply within 10s")
			}
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(f float64) float64 { return float64(lat[int(f*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}
