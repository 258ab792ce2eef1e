package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/webexpipe/webexpipe/events"
)

// Modes of a worker type's consumption (WORKER_ORDERED).
const (
	modeShared  = "shared"
	modeOrdered = "ordered"
)

// scenario is one way of running the echo worker: a row of the table for
// each build and server layout.
type scenario struct {
	Mode        string `json:"mode"`
	Concurrency int    `json:"concurrency"`
	Replicas    int    `json:"replicas"`
	// Shards is the number of event-stream shards (EVENTS_SHARDS). The
	// feeder's subjects pick the shard; a base build from before shards
	// existed is not run with more than one.
	Shards int `json:"shards"`
}

func (s scenario) String() string {
	return fmt.Sprintf("%s:%d:%d:%d", s.Mode, s.Concurrency, s.Replicas, s.Shards)
}

// slots is how many events the scenario's workers may handle at once at
// most, what the backlog must stay above so none of them waits for work.
func (s scenario) slots() int { return s.Concurrency * s.Replicas }

// parseScenarios reads "mode:concurrency:replicas[:shards],...".
func parseScenarios(spec string) ([]scenario, error) {
	var out []scenario
	for f := range strings.SplitSeq(spec, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		parts := strings.Split(f, ":")
		if len(parts) < 3 || len(parts) > 4 {
			return nil, fmt.Errorf("scenario %q: want mode:concurrency:replicas[:shards], e.g. shared:64:2", f)
		}
		s := scenario{Mode: parts[0], Shards: 1}
		if s.Mode != modeShared && s.Mode != modeOrdered {
			return nil, fmt.Errorf("scenario %q: mode %q: want %s or %s", f, s.Mode, modeShared, modeOrdered)
		}
		nums := []*int{&s.Concurrency, &s.Replicas, &s.Shards}
		for i, p := range parts[1:] {
			n, err := strconv.Atoi(p)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("scenario %q: %q is not a positive number", f, p)
			}
			*nums[i] = n
		}
		if err := (events.Sharding{Shards: s.Shards, Partitions: events.DefaultPartitions}).Validate(); err != nil {
			return nil, fmt.Errorf("scenario %q: %w", f, err)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, errors.New("no scenarios")
	}
	return out, nil
}

// parseInts reads a comma-separated list of positive numbers.
func parseInts(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// config is one benchmark run.
type config struct {
	// Repo is the module's root: the working tree built as "head".
	Repo string
	// Base is the git ref built as "base"; empty builds only the working
	// tree.
	Base string
	// Servers lists the server layouts: 1 (one nats-server) or 3 (a
	// cluster, streams with three replicas).
	Servers   []int
	Scenarios []scenario
	// Latency is added to every Webex call; Rate and Burst limit each bot
	// token (0: no limit).
	Latency time.Duration
	Rate    float64
	Burst   int
	// Rooms the events are spread over (one user and direct room each).
	Rooms int
	// Warmup runs after the first reply before measuring; Window is what
	// is measured; StartTimeout bounds the wait for the first reply.
	Warmup       time.Duration
	Window       time.Duration
	StartTimeout time.Duration
	// MaxEvents bounds the events one scenario may publish.
	MaxEvents int
	// MaxAckPending is WORKER_MAX_ACK_PENDING; 0 sets it to
	// max(1000, concurrency × replicas) in shared mode and leaves the
	// runtime's own choice in ordered mode.
	MaxAckPending int
	// IngestConnections and IngestDuration shape the ingest run; a zero
	// duration skips it.
	IngestConnections int
	IngestDuration    time.Duration
	// LogLevel of the worker and ingest processes.
	LogLevel string
	// TTLScale, above 0, divides each build's default PROCESSED_TTL and
	// DUPLICATE_WINDOW (read from its --help) by this factor, so that
	// markers and dedup ids expire within a window of seconds as they do
	// within days in production, and the heap figures show the steady
	// state of each build's defaults rather than the first seconds' growth.
	TTLScale float64
	// JSONPath is where the report goes as JSON; empty: nowhere.
	JSONPath string
	// Keep leaves the work directory (logs, stores) in place.
	Keep bool
}

func defaultConfig() config {
	return config{
		Base:              "ecefb1f",
		Servers:           []int{1, 3},
		Scenarios:         mustScenarios(defaultScenarios),
		Latency:           150 * time.Millisecond,
		Rooms:             1000,
		Warmup:            2 * time.Second,
		Window:            5 * time.Second,
		StartTimeout:      time.Minute,
		MaxEvents:         200_000,
		IngestConnections: 64,
		IngestDuration:    4 * time.Second,
		LogLevel:          "info",
		JSONPath:          "bin/scalebench.json",
	}
}

// defaultScenarios: concurrency 16, 64, 256 in both modes on one replica,
// 2 and 4 replicas in shared mode at 64, and 256 in both modes over three
// shards (the working tree only).
const defaultScenarios = "shared:16:1,shared:64:1,shared:256:1,shared:64:2,shared:64:4,ordered:16:1,ordered:256:1,shared:256:1:3,ordered:256:1:3"

func mustScenarios(spec string) []scenario {
	s, err := parseScenarios(spec)
	if err != nil {
		panic(err)
	}
	return s
}

// Validate reports the first setting that cannot work.
func (c config) Validate() error {
	switch {
	case c.Repo == "":
		return errors.New("no module root")
	case len(c.Servers) == 0:
		return errors.New("no server layouts")
	case len(c.Scenarios) == 0:
		return errors.New("no scenarios")
	case c.Latency < 0 || c.Rate < 0 || c.Burst < 0:
		return errors.New("latency, rate and burst must not be negative")
	case c.Rooms < 1:
		return errors.New("rooms must be at least 1")
	case c.Window <= 0 || c.Warmup < 0 || c.StartTimeout <= 0:
		return errors.New("window and start timeout must be positive, warm-up not negative")
	case c.MaxEvents < 1 || c.MaxAckPending < 0 || c.TTLScale < 0:
		return errors.New("max events must be positive, max ack pending not negative")
	case c.IngestDuration < 0 || c.IngestConnections < 1:
		return errors.New("ingest connections must be positive, ingest duration not negative")
	}
	for _, n := range c.Servers {
		if n != 1 && n != 3 {
			return fmt.Errorf("servers %d: want 1 or 3", n)
		}
	}
	return nil
}
