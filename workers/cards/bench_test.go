package cards_test

import (
	"slices"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// BenchmarkSubmissionToReply measures the whole path of one card
// submission: the emulator delivers the signed attachmentActions webhook
// over HTTP, ingest stores it in JetStream, the cards worker fetches the
// action and the card's message and posts the answer. It reports the
// latency from the submission to the answer being stored.
func BenchmarkSubmissionToReply(b *testing.B) {
	p, card := startCards(b, 5*time.Second)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := p.Sim.SubmitCard(emulator.CardSubmit{MessageID: card.ID, Inputs: map[string]any{"action": "demo", "name": "Ana"}}); err != nil {
			b.Fatal(err)
		}
		for len(threadReplies(p, card)) <= i {
			time.Sleep(100 * time.Microsecond) // poll; the measured time bounds it
			if time.Since(start) > 10*time.Second {
				b.Fatal("no answer within 10s")
			}
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	q := func(f float64) float64 { return float64(lat[int(f*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}
