package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// report is the whole run, as the JSON file holds it.
type report struct {
	Settings settings    `json:"settings"`
	Builds   []build     `json:"builds"`
	Workers  []workerRow `json:"workers"`
	Ingest   []ingestRow `json:"ingest"`
	// Ratios compare head with base per server layout and scenario.
	Ratios []ratioRow `json:"ratios,omitempty"`
}

type settings struct {
	LatencyMS float64 `json:"webex_latency_ms"`
	Rate      float64 `json:"webex_rate_per_token"`
	Burst     int     `json:"webex_burst"`
	Rooms     int     `json:"rooms"`
	WarmupS   float64 `json:"warmup_s"`
	WindowS   float64 `json:"window_s"`
	TTLScale  float64 `json:"ttl_scale,omitempty"`
}

// ratioRow is head ÷ base for one server layout and scenario.
type ratioRow struct {
	Servers   int      `json:"servers"`
	Scenario  scenario `json:"scenario"`
	EventsPer float64  `json:"events_per_s"`
	ServerCPU float64  `json:"server_cpu_per_event"`
	WorkerCPU float64  `json:"worker_cpu_per_event"`
	Heap      float64  `json:"server_heap_per_event"`
}

func newSettings(cfg config) settings {
	return settings{
		LatencyMS: float64(cfg.Latency.Microseconds()) / 1000, Rate: cfg.Rate, Burst: cfg.Burst,
		Rooms: cfg.Rooms, WarmupS: cfg.Warmup.Seconds(), WindowS: cfg.Window.Seconds(), TTLScale: cfg.TTLScale,
	}
}

// ratios pairs every head row with the base row of the same layout and
// scenario; rows that failed are left out.
func ratios(rows []workerRow) []ratioRow {
	type key struct {
		servers int
		sc      scenario
	}
	base := map[key]workerRow{}
	for _, r := range rows {
		if r.Build == "base" && r.Error == "" {
			base[key{r.Servers, r.Scenario}] = r
		}
	}
	var out []ratioRow
	for _, h := range rows {
		b, ok := base[key{h.Servers, h.Scenario}]
		if h.Build != "head" || h.Error != "" || !ok {
			continue
		}
		out = append(out, ratioRow{
			Servers: h.Servers, Scenario: h.Scenario,
			EventsPer: div(h.EventsPerSec, b.EventsPerSec),
			ServerCPU: div(h.ServerCPUPerEvent, b.ServerCPUPerEvent),
			WorkerCPU: div(h.WorkerCPUPerEvent, b.WorkerCPUPerEvent),
			Heap:      div(h.HeapPerEvent, b.HeapPerEvent),
		})
	}
	return out
}

func div(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func writeTables(w io.Writer, rep report) {
	s := rep.Settings
	var names []string
	for _, b := range rep.Builds {
		names = append(names, b.Name+" = "+b.Ref)
	}
	fmt.Fprintf(w, "echo workers against the emulator: %.0f ms per Webex call, %s; %d rooms; %.0f s warm-up, %.0f s window; builds: %s\n",
		s.LatencyMS, rateText(s), s.Rooms, s.WarmupS, s.WindowS, strings.Join(names, ", "))
	if s.TTLScale > 0 {
		var ttls []string
		for _, b := range rep.Builds {
			ttls = append(ttls, fmt.Sprintf("%s %s and %s", b.Name, scaled(b.ProcessedTTL, s.TTLScale, time.Second), scaled(b.DuplicateWindow, s.TTLScale, time.Second)))
		}
		fmt.Fprintf(w, "marker lifetime and duplicate window scaled down %.0f times (at least 1 s): %s\n", s.TTLScale, strings.Join(ttls, "; "))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| servers | build | mode | concurrency | replicas | shards | events/s | per pod | server CPU µs/event | worker CPU µs/event | server heap B/event | machine busy | 429s | redelivered |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rep.Workers {
		sc := r.Scenario
		if r.Error != "" {
			fmt.Fprintf(w, "| R%d | %s | %s | %d | %d | %d | failed: %s |\n", r.Servers, r.Build, sc.Mode, sc.Concurrency, sc.Replicas, sc.Shards, r.Error)
			continue
		}
		ran := ""
		if r.BacklogRanOut {
			ran = " (backlog ran out)"
		}
		fmt.Fprintf(w, "| R%d | %s | %s | %d | %d | %d | %.0f%s | %.0f | %.0f | %.0f | %.0f | %.0f%% | %d | %d |\n",
			r.Servers, r.Build, sc.Mode, sc.Concurrency, sc.Replicas, sc.Shards, r.EventsPerSec, ran, r.EventsPerSecPerPod,
			r.ServerCPUPerEvent, r.WorkerCPUPerEvent, r.HeapPerEvent, 100*r.MachineBusy, r.RateLimited, r.Redelivered)
	}
	fmt.Fprintln(w)
	if len(rep.Ratios) > 0 {
		fmt.Fprintln(w, "head ÷ base, same servers and scenario")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| servers | mode | concurrency | replicas | shards | events/s | server CPU/event | worker CPU/event | server heap/event |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
		for _, r := range rep.Ratios {
			sc := r.Scenario
			fmt.Fprintf(w, "| R%d | %s | %d | %d | %d | %.2f | %.2f | %.2f | %.2f |\n",
				r.Servers, sc.Mode, sc.Concurrency, sc.Replicas, sc.Shards, r.EventsPer, r.ServerCPU, r.WorkerCPU, r.Heap)
		}
		fmt.Fprintln(w)
	}
	if len(rep.Ingest) > 0 {
		fmt.Fprintln(w, "ingest under signed webhooks (the load of `webexpipe bench`, closed loop)")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| servers | build | connections | stored/s | ingest CPU µs/event | server CPU µs/event | errors |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
		for _, r := range rep.Ingest {
			if r.Error != "" {
				fmt.Fprintf(w, "| R%d | %s | %d | failed: %s |\n", r.Servers, r.Build, r.Connections, r.Error)
				continue
			}
			fmt.Fprintf(w, "| R%d | %s | %d | %.0f | %.0f | %.0f | %s |\n",
				r.Servers, r.Build, r.Connections, r.PerSec, r.IngestCPUPerEvent, r.ServerCPUPerEvent, errorsText(r.Errors))
		}
		fmt.Fprintln(w)
	}
}

func rateText(s settings) string {
	if s.Rate <= 0 {
		return "no rate limit"
	}
	return fmt.Sprintf("at most %g calls/s per token (burst %d)", s.Rate, s.Burst)
}

func errorsText(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	parts := make([]string, 0, len(m))
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s: %d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func writeJSON(path string, rep report) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
