package ingest_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/ingest"
)

// BenchmarkIngest posts signed deliveries over real HTTP through the
// handler into embedded JetStream with file storage, each one a new event,
// from 1 and from 16 concurrent clients, and reports throughput and the
// latency a client sees.
func BenchmarkIngest(b *testing.B) {
	for _, clients := range []int{1, 16} {
		b.Run("clients="+strconv.Itoa(clients), func(b *testing.B) {
			e := newEnv(b, func(c *ingest.Config) { c.Logger = slog.New(slog.DiscardHandler) })
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
			b.Cleanup(client.CloseIdleConnections)
			url := e.url + ingest.DefaultPath

			var next atomic.Int64
			latencies := make([]time.Duration, b.N)
			var wg sync.WaitGroup
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for range clients {
				wg.Go(func() {
					for i := next.Add(1) - 1; i < int64(b.N); i = next.Add(1) - 1 {
						d, err := postOne(client, url, i)
						if err != nil {
							b.Error(err)
							return
						}
						latencies[i] = d
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()

			slices.Sort(latencies)
			pct := func(p float64) float64 {
				return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
			b.ReportMetric(pct(0.50), "p50_ms")
			b.ReportMetric(pct(0.99), "p99_ms")
		})
	}
}

// postOne sends delivery number i, a new event, and times the answer.
func postOne(client *http.Client, url string, i int64) (time.Duration, error) {
	id := strconv.FormatInt(i, 10)
	body := webhook("messages", "created", "bench-"+id, "room-"+strconv.FormatInt(i%64, 10))
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(events.SignatureHeader, events.Sign(secretA, body))
	t0 := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(t0)
	if resp.StatusCode != http.StatusOK {
		return 0, &statusError{resp.StatusCode}
	}
	return d, nil
}

type statusError struct{ code int }

func (e *statusError) Error() string { return "status " + strconv.Itoa(e.code) }
