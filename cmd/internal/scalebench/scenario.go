package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/cmd/internal/procrun"
	"github.com/webexpipe/webexpipe/events"
)

// workerRow is what one scenario measured over its window.
type workerRow struct {
	Servers  int      `json:"servers"`
	Build    string   `json:"build"`
	Scenario scenario `json:"scenario"`

	// Handled is events acknowledged in the window, from the consumers'
	// state; Replies the replies the emulator took meanwhile (a check:
	// the two agree within the events in flight).
	Handled int64   `json:"handled"`
	Replies int64   `json:"replies"`
	Seconds float64 `json:"window_s"`

	EventsPerSec       float64 `json:"events_per_s"`
	EventsPerSecPerPod float64 `json:"events_per_s_per_pod"`
	// ServerCPUPerEvent and WorkerCPUPerEvent are µs of CPU (user +
	// system) per handled event, summed over the server processes and
	// over the worker replicas.
	ServerCPUPerEvent float64 `json:"server_cpu_us_per_event"`
	WorkerCPUPerEvent float64 `json:"worker_cpu_us_per_event"`
	// HeapStart and HeapEnd are the servers' heap in use after a
	// collection, summed, at the window's start and end; HeapPerEvent is
	// their difference per handled event (what the servers keep per event:
	// the stored event, markers, attempt records, until they expire).
	HeapStart    int64   `json:"server_heap_start_bytes"`
	HeapEnd      int64   `json:"server_heap_end_bytes"`
	HeapPerEvent float64 `json:"server_heap_bytes_per_event"`
	// MachineBusy is the share of the machine's CPU in use during the
	// window, whoever used it.
	MachineBusy float64 `json:"machine_cpu_busy"`
	// RateLimited counts API calls answered 429 in the window;
	// Redelivered the events the consumers redelivered by its end.
	RateLimited int64 `json:"rate_limited"`
	Redelivered int   `json:"redelivered"`
	// BacklogRanOut is set when MaxEvents were stored before the window
	// ended, so workers may have waited for work.
	BacklogRanOut bool   `json:"backlog_ran_out,omitempty"`
	Error         string `json:"error,omitempty"`
}

// snapshot is what is read at each end of the window.
type snapshot struct {
	at        time.Time
	handled   int64
	replies   int64
	limited   int64
	redeliv   int
	serverCPU float64
	workerCPU float64
	heap      int64
	machine   machineCPU
}

// runScenario starts a fresh set of servers, the emulator and the
// scenario's worker replicas built as b, keeps a backlog in front of them,
// and measures a window after the warm-up.
func runScenario(ctx context.Context, cfg config, bins binaries, b build, servers int, sc scenario, dir string) (workerRow, error) {
	row := workerRow{Servers: servers, Build: b.Name, Scenario: sc}
	cl, err := startEventsCluster(ctx, cfg, bins, servers, sc.Shards, dir)
	if err != nil {
		return row, err
	}
	defer cl.stop()
	js := cl.js

	web, err := startStandIn(cfg)
	if err != nil {
		return row, err
	}
	defer web.close()
	feed := newFeeder(web.emu, js, cfg.Rooms, cfg.MaxEvents)
	want := int64(max(2*sc.slots(), 200))
	if err := feed.add(ctx, int(want)); err != nil {
		return row, err
	}

	var workers []*procrun.Process
	defer func() { procrun.StopAll(workers) }()
	for i := range sc.Replicas {
		p, err := startProcess(dir, "echo-"+strconv.Itoa(i+1), b.EchoWorker, workerEnv(cfg, b, sc, servers, cl.url(), web))
		if err != nil {
			return row, err
		}
		workers = append(workers, p)
		if i > 0 {
			continue
		}
		// The first replica provisions the streams and buckets and makes
		// its consumer before the others start: replicas provisioning a
		// fresh cluster all at once can time out on a loaded machine,
		// which is a start-up matter, not what is measured here.
		err = procrun.Poll(ctx, "the first worker's consumer", cfg.StartTimeout, func() bool {
			_, _, err := consumerState(ctx, js, sc.Shards)
			return err == nil || p.Exited()
		})
		if err == nil && p.Exited() {
			err = p.ExitError()
		}
		if err != nil {
			return row, err
		}
	}
	feedCtx, stopFeed := context.WithCancel(ctx)
	fed := make(chan error, 1)
	go func() { fed <- feed.keepAhead(feedCtx, want, web.replies.Load) }()
	defer func() { stopFeed(); <-fed }()

	err = procrun.Poll(ctx, "the first reply", cfg.StartTimeout, func() bool {
		return web.replies.Load() > 0 || exitedOne(workers) != nil
	})
	if p := exitedOne(workers); err == nil && p != nil {
		err = p.ExitError()
	}
	if err != nil {
		return row, err
	}
	if err := procrun.Pause(ctx, cfg.Warmup); err != nil {
		return row, err
	}
	start, err := take(ctx, js, sc.Shards, cl.cluster, workers, web, feed, true)
	if err != nil {
		return row, err
	}
	if err := procrun.Pause(ctx, cfg.Window); err != nil {
		return row, err
	}
	end, err := take(ctx, js, sc.Shards, cl.cluster, workers, web, feed, false)
	if err != nil {
		return row, err
	}
	if p := exitedOne(workers); p != nil {
		return row, fmt.Errorf("during the window: %w", p.ExitError())
	}
	select {
	case err := <-fed:
		fed <- err // for the deferred wait
		if err != nil {
			return row, fmt.Errorf("feeder: %w", err)
		}
	default:
	}
	fill(&row, start, end)
	row.BacklogRanOut = feed.exhausted()
	return row, nil
}

// createEventsStream creates the events streams (one per shard) with a
// replica on each server, and only those: the binaries provision the rest as their
// own version defines it (marker lifetimes, say). A cluster that has just
// elected its meta leader may not know every peer yet and refuses a stream
// of three replicas ("no suitable peers"), so the creation is retried for
// up to limit.
func createEventsStream(ctx context.Context, js jetstream.JetStream, servers, shards int, limit time.Duration) error {
	so := events.DefaultStreamOptions()
	so.Replicas = servers
	so.Sharding.Shards = shards
	var err error
	perr := procrun.Poll(ctx, "the events stream", limit, func() bool {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		for k := range shards {
			if _, err = js.CreateOrUpdateStream(cctx, events.ShardStreamConfig(so, k)); err != nil {
				return false
			}
		}
		return true
	})
	if perr != nil {
		return fmt.Errorf("create the events stream: %w (last: %v)", perr, err)
	}
	return nil
}

// take reads the snapshot. The heap is read first at the start and last at
// the end, so the collections it asks for fall outside the CPU measured.
func take(ctx context.Context, js jetstream.JetStream, shards int, cl *cluster, workers []*procrun.Process, web *standIn, feed *feeder, atStart bool) (snapshot, error) {
	var s snapshot
	var err error
	if atStart {
		if s.heap, err = cl.heapInUse(ctx); err != nil {
			return s, err
		}
	}
	published, release := feed.hold()
	remaining, redelivered, err := consumerState(ctx, js, shards)
	release()
	if err != nil {
		return s, err
	}
	s.at = time.Now()
	s.handled = published - remaining
	s.redeliv = redelivered
	s.replies, s.limited = web.replies.Load(), web.limited.Load()
	s.serverCPU, s.workerCPU = cl.cpu(), cpuOf(workers)
	s.machine = readMachineCPU()
	if !atStart {
		if s.heap, err = cl.heapInUse(ctx); err != nil {
			return s, err
		}
	}
	return s, nil
}

// consumerState sums, over every consumer of the events streams (one per
// shard in shared mode, one per partition in ordered mode, whatever the
// runtime under test makes), the events not yet acknowledged: pending plus
// delivered and waiting for an ack. Every shard must have a consumer.
func consumerState(ctx context.Context, js jetstream.JetStream, shards int) (remaining int64, redelivered int, err error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for k := range shards {
		s, err := js.Stream(ctx, events.ShardStream(k))
		if err != nil {
			return 0, 0, err
		}
		lister := s.ListConsumers(ctx)
		n := 0
		for ci := range lister.Info() {
			n++
			remaining += int64(ci.NumPending) + int64(ci.NumAckPending)
			redelivered += ci.NumRedelivered
		}
		if err := lister.Err(); err != nil {
			return 0, 0, fmt.Errorf("list consumers: %w", err)
		}
		if n == 0 {
			return 0, 0, fmt.Errorf("the events stream %s has no consumer yet", events.ShardStream(k))
		}
	}
	return remaining, redelivered, nil
}

func fill(row *workerRow, a, b snapshot) {
	row.Seconds = b.at.Sub(a.at).Seconds()
	row.Handled = b.handled - a.handled
	row.Replies = b.replies - a.replies
	row.RateLimited = b.limited - a.limited
	row.Redelivered = b.redeliv
	row.HeapStart, row.HeapEnd = a.heap, b.heap
	row.MachineBusy = busyShare(a.machine, b.machine)
	if row.Seconds > 0 {
		row.EventsPerSec = float64(row.Handled) / row.Seconds
		row.EventsPerSecPerPod = row.EventsPerSec / float64(row.Scenario.Replicas)
	}
	if row.Handled > 0 {
		n := float64(row.Handled)
		row.ServerCPUPerEvent = (b.serverCPU - a.serverCPU) / n * 1e6
		row.WorkerCPUPerEvent = (b.workerCPU - a.workerCPU) / n * 1e6
		row.HeapPerEvent = float64(b.heap-a.heap) / n
	}
}

// workerEnv is the environment of one echo worker replica, as the README
// configures one; settings an older binary does not know are ignored by
// it.
func workerEnv(cfg config, b build, sc scenario, servers int, natsURL string, web *standIn) []string {
	env := []string{
		"NATS_URL=" + natsURL,
		"NATS_CONNECT_TIMEOUT=30s",
		"STREAM_REPLICAS=" + strconv.Itoa(servers),
		"WEBEX_API_URL=" + web.url,
		"WEBEX_TOKEN=" + web.emu.Token(),
		"WORKER_CONCURRENCY=" + strconv.Itoa(sc.Concurrency),
		"WORKER_ORDERED=" + strconv.FormatBool(sc.Mode == modeOrdered),
		"WORKER_PARTITIONS=" + strconv.Itoa(events.DefaultPartitions),
		"EVENTS_SHARDS=" + strconv.Itoa(sc.Shards),
		"START_AT=all",
		"METRICS_ADDR=",
		"LOG_LEVEL=" + cfg.LogLevel,
	}
	if n := maxAckPending(cfg, sc); n > 0 {
		env = append(env, "WORKER_MAX_ACK_PENDING="+strconv.Itoa(n))
	}
	if cfg.TTLScale > 0 {
		// Both builds get the same floor of a second: a window of a few
		// milliseconds would drop nothing the test sends anyway.
		env = append(env,
			"PROCESSED_TTL="+scaled(b.ProcessedTTL, cfg.TTLScale, time.Second).String(),
			"DUPLICATE_WINDOW="+scaled(b.DuplicateWindow, cfg.TTLScale, time.Second).String())
	}
	return env
}

// scaled is d divided by k, and at least floor.
func scaled(d time.Duration, k float64, floor time.Duration) time.Duration {
	return max(time.Duration(float64(d)/k), floor)
}

// maxAckPending is WORKER_MAX_ACK_PENDING for a scenario, 0 for none.
func maxAckPending(cfg config, sc scenario) int {
	switch {
	case cfg.MaxAckPending > 0:
		return cfg.MaxAckPending
	case sc.Mode == modeShared:
		return max(1000, sc.slots())
	}
	return 0
}

// exitedOne returns a process of ps that has exited, nil if none has.
func exitedOne(ps []*procrun.Process) *procrun.Process {
	for _, p := range ps {
		if p.Exited() {
			return p
		}
	}
	return nil
}

// scenarioDir is where one scenario's stores and logs go.
func scenarioDir(work string, b build, servers int, sc scenario) string {
	return filepath.Join(work, fmt.Sprintf("%s-r%d-%s-c%d-x%d-s%d", b.Name, servers, sc.Mode, sc.Concurrency, sc.Replicas, sc.Shards))
}
