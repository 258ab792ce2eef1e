// Command scalebench measures how the workers scale, on one machine, with
// real processes: nats-server (one, or three in a cluster), echo-worker
// replicas against the Webex emulator (with a latency on every call and
// optionally a rate limit per token), and ingest under signed webhooks.
// Each scenario (mode, concurrency, replicas, shards) runs on fresh
// servers with a backlog kept in front of the workers; after a warm-up it
// measures a window: events handled per second (from the consumers'
// state), nats-server CPU and heap per event, the workers' CPU per event.
// The binaries are built twice, from a base commit and from the working
// tree, and both run the same scenarios, so one run shows before, after
// and their ratio. It prints Markdown tables and writes the figures as
// JSON.
//
//	go run ./cmd/internal/scalebench -json bin/scalebench.json
//
// `make bench-scale` runs it with its defaults (about five minutes on two
// cores). Everything listens on loopback, on free ports.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

func main() { os.Exit(run()) }

func run() int {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "scalebench:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.Repo == "" {
		if cfg.Repo, err = moduleRoot(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "scalebench:", err)
			return 2
		}
	}
	rep, err := measure(ctx, cfg, os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "scalebench:", err)
		return 1
	}
	if failed(rep) {
		fmt.Fprintln(os.Stderr, "scalebench: some runs failed (see the tables)")
		return 1
	}
	return 0
}

func parseFlags(args []string) (config, error) {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("scalebench", flag.ContinueOnError)
	base := os.Getenv("BASE")
	if base == "" {
		base = cfg.Base
	}
	var servers, scenarios string
	fs.StringVar(&cfg.Base, "base", base, "git ref whose binaries are measured as \"base\" beside the working tree (env BASE); empty: the working tree only")
	fs.StringVar(&servers, "servers", "1,3", "server layouts: 1 (one nats-server), 3 (a cluster, streams with 3 replicas)")
	fs.Float64Var(&cfg.TTLScale, "ttl-scale", 0, "divide each build's default PROCESSED_TTL and DUPLICATE_WINDOW by this (e.g. 3600: an hour becomes a second) so the heap figures show their steady state within the window; 0: the defaults")
	fs.StringVar(&scenarios, "scenarios", defaultScenarios, "mode:concurrency:replicas[:shards], comma-separated; mode shared or ordered")
	fs.DurationVar(&cfg.Latency, "latency", cfg.Latency, "added to every Webex call")
	fs.Float64Var(&cfg.Rate, "rate", cfg.Rate, "Webex calls per second allowed per bot token (429 beyond); 0: no limit")
	fs.IntVar(&cfg.Burst, "burst", cfg.Burst, "calls a token may make at once; 0: one second's worth of -rate")
	fs.IntVar(&cfg.Rooms, "rooms", cfg.Rooms, "rooms (one user each) the events are spread over")
	fs.DurationVar(&cfg.Warmup, "warmup", cfg.Warmup, "time after the first reply before the window")
	fs.DurationVar(&cfg.Window, "window", cfg.Window, "the measured window of each scenario")
	fs.DurationVar(&cfg.StartTimeout, "start-timeout", cfg.StartTimeout, "bound on the wait for a scenario's first reply")
	fs.IntVar(&cfg.MaxEvents, "max-events", cfg.MaxEvents, "events one scenario may store at most")
	fs.IntVar(&cfg.MaxAckPending, "max-ack-pending", cfg.MaxAckPending, "WORKER_MAX_ACK_PENDING; 0: max(1000, concurrency × replicas) in shared mode, the runtime's default in ordered mode")
	fs.IntVar(&cfg.IngestConnections, "ingest-connections", cfg.IngestConnections, "connections of the ingest run")
	fs.DurationVar(&cfg.IngestDuration, "ingest-duration", cfg.IngestDuration, "length of the ingest run per build and server layout; 0: none")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "LOG_LEVEL of the worker and ingest processes")
	fs.StringVar(&cfg.JSONPath, "json", cfg.JSONPath, "write the figures to this file as JSON; empty: none")
	fs.BoolVar(&cfg.Keep, "keep", false, "keep the work directory (logs, stores) and say where it is")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	var err error
	if cfg.Servers, err = parseInts(servers); err != nil {
		return cfg, fmt.Errorf("-servers: %w", err)
	}
	if cfg.Scenarios, err = parseScenarios(scenarios); err != nil {
		return cfg, fmt.Errorf("-scenarios: %w", err)
	}
	return cfg, nil
}

// measure builds the binaries, runs every scenario and the ingest runs,
// prints the tables to out and writes the JSON file. Progress goes to
// progress. A scenario that fails is reported in its row and the others
// still run; an error means the run could not go on at all.
func measure(ctx context.Context, cfg config, out, progress io.Writer) (report, error) {
	rep := report{Settings: newSettings(cfg)}
	if err := cfg.Validate(); err != nil {
		return rep, err
	}
	work, err := os.MkdirTemp("", "webexpipe-scalebench-")
	if err != nil {
		return rep, err
	}
	if cfg.Keep {
		fmt.Fprintln(progress, "scalebench: work directory", work)
	} else {
		defer os.RemoveAll(work)
	}
	fmt.Fprintln(progress, "scalebench: building")
	bins, err := buildAll(ctx, cfg, filepath.Join(work, "bin"))
	if err != nil {
		return rep, err
	}
	rep.Builds = bins.builds
	for _, servers := range cfg.Servers {
		for _, sc := range cfg.Scenarios {
			// Builds side by side, so both see the same load from the
			// rest of the machine as far as possible.
			for _, b := range bins.builds {
				if b.Name == "base" && sc.Shards > 1 {
					continue // from before shards: it would read shard 0 only
				}
				fmt.Fprintf(progress, "scalebench: R%d %s %s\n", servers, b.Name, sc)
				row, err := runScenario(ctx, cfg, bins, b, servers, sc, scenarioDir(work, b, servers, sc))
				if err != nil {
					if ctx.Err() != nil {
						return rep, ctx.Err()
					}
					row.Error = err.Error()
				}
				rep.Workers = append(rep.Workers, row)
			}
		}
		if cfg.IngestDuration <= 0 {
			continue
		}
		for _, b := range bins.builds {
			fmt.Fprintf(progress, "scalebench: R%d %s ingest\n", servers, b.Name)
			row, err := runIngest(ctx, cfg, bins, b, servers, filepath.Join(work, fmt.Sprintf("%s-r%d-ingest", b.Name, servers)))
			if err != nil {
				if ctx.Err() != nil {
					return rep, ctx.Err()
				}
				row.Error = err.Error()
			}
			rep.Ingest = append(rep.Ingest, row)
		}
	}
	rep.Ratios = ratios(rep.Workers)
	writeTables(out, rep)
	if cfg.JSONPath != "" {
		if err := writeJSON(cfg.JSONPath, rep); err != nil {
			return rep, fmt.Errorf("write %s: %w", cfg.JSONPath, err)
		}
	}
	return rep, nil
}

func failed(rep report) bool {
	for _, r := range rep.Workers {
		if r.Error != "" {
			return true
		}
	}
	for _, r := range rep.Ingest {
		if r.Error != "" {
			return true
		}
	}
	return false
}
