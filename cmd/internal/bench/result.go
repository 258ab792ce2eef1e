package bench

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"time"
)

// Result is what one load run measured.
type Result struct {
	Target  string  `json:"target"`
	Sent    int     `json:"sent"`
	OK      int     `json:"ok"`
	Elapsed float64 `json:"elapsed_s"`
	PerSec  float64 `json:"throughput_per_s"` // answered 2xx per second
	Latency Latency `json:"latency_ms"`       // of 2xx answers
	// Errors counts non-2xx answers by status ("503") and failed requests
	// by kind ("timeout", "transport").
	Errors map[string]int `json:"errors,omitempty"`
}

// Latency holds percentiles in milliseconds.
type Latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p99_9"`
	Max  float64 `json:"max"`
}

func percentiles(d []time.Duration) Latency {
	if len(d) == 0 {
		return Latency{}
	}
	slices.Sort(d)
	at := func(p float64) float64 {
		i := int(p * float64(len(d)-1))
		return float64(d[i].Microseconds()) / 1000
	}
	return Latency{P50: at(0.50), P90: at(0.90), P99: at(0.99), P999: at(0.999), Max: at(1)}
}

// Ratio compares a target with the baseline measured in the same run:
// throughput as target/baseline, latencies as target/baseline.
type Ratio struct {
	Throughput float64 `json:"throughput"`
	P50        float64 `json:"p50"`
	P99        float64 `json:"p99"`
}

// Compare returns r relative to base.
func Compare(r, base Result) Ratio {
	div := func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return a / b
	}
	return Ratio{Throughput: div(r.PerSec, base.PerSec), P50: div(r.Latency.P50, base.Latency.P50), P99: div(r.Latency.P99, base.Latency.P99)}
}

// WriteText prints r for a person.
func (r Result) WriteText(w io.Writer) {
	fmt.Fprintf(w, "%s\n  sent %d, ok %d in %.2fs: %.0f/s\n", r.Target, r.Sent, r.OK, r.Elapsed, r.PerSec)
	fmt.Fprintf(w, "  latency ms: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n",
		r.Latency.P50, r.Latency.P90, r.Latency.P99, r.Latency.P999, r.Latency.Max)
	if len(r.Errors) > 0 {
		keys := make([]string, 0, len(r.Errors))
		for k := range r.Errors {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprint(w, "  errors:")
		for _, k := range keys {
			fmt.Fprintf(w, " %s=%d", k, r.Errors[k])
		}
		fmt.Fprintln(w)
	}
}

func statusKey(code int) string { return strconv.Itoa(code) }
