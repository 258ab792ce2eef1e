package backfill_test

import (
	"context"
	"testing"

	"github.com/webexpipe/webexpipe/workers/admin/backfill"
)

// BenchmarkBackfill backfills b.N messages the stream has never seen, from
// the emulator into a file-storage stream of an embedded server, and
// reports messages stored a second. Listing them through the emulator's
// REST API and reading the stream first are part of the time, as in a real
// backfill; posting them to the emulator is not.
func BenchmarkBackfill(b *testing.B) {
	r := newStoreRig(b, b.N, -1)
	b.ResetTimer()
	sum, err := backfill.Run(context.Background(), r.js, r.api, backfill.Options{Since: r.since})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if sum.Stored != b.N {
		b.Fatalf("stored %d, want %d", sum.Stored, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
