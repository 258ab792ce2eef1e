package main

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/webexpipe/webexpipe/cmd/internal/bench"
	"github.com/webexpipe/webexpipe/cmd/internal/procrun"
	"github.com/webexpipe/webexpipe/cmd/internal/procstat"
)

// ingestRow is what the ingest binary used under a signed-webhook load.
type ingestRow struct {
	Servers     int     `json:"servers"`
	Build       string  `json:"build"`
	Connections int     `json:"connections"`
	Stored      int     `json:"stored"`
	PerSec      float64 `json:"events_per_s"`
	// IngestCPUPerEvent and ServerCPUPerEvent are µs of CPU per stored
	// event: ingest's, and the servers' for storing it.
	IngestCPUPerEvent float64        `json:"ingest_cpu_us_per_event"`
	ServerCPUPerEvent float64        `json:"server_cpu_us_per_event"`
	Errors            map[string]int `json:"errors,omitempty"`
	Error             string         `json:"error,omitempty"`
}

// runIngest starts fresh servers and the ingest binary of b, sends it the
// load `webexpipe bench` sends (signed messages/created-shaped webhooks
// that no worker consumes) and reads the CPU each used.
func runIngest(ctx context.Context, cfg config, bins binaries, b build, servers int, dir string) (ingestRow, error) {
	row := ingestRow{Servers: servers, Build: b.Name, Connections: cfg.IngestConnections}
	cl, err := startEventsCluster(ctx, cfg, bins, servers, 1, dir)
	if err != nil {
		return row, err
	}
	defer cl.stop()
	port, err := procrun.FreePort()
	if err != nil {
		return row, err
	}
	in, err := startProcess(dir, "ingest", b.Ingest, []string{
		"NATS_URL=" + cl.url(),
		"STREAM_REPLICAS=" + strconv.Itoa(servers),
		"LISTEN_ADDR=127.0.0.1:" + strconv.Itoa(port),
		"WEBEX_WEBHOOK_SECRET=" + feedSecret,
		"EXPECT_WEBHOOKS=",
		"LOG_LEVEL=" + cfg.LogLevel,
	})
	if err != nil {
		return row, err
	}
	defer in.Stop()
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	client := &http.Client{Timeout: time.Second}
	err = procrun.Poll(ctx, "ingest ready", time.Minute, func() bool {
		resp, err := client.Get(base + "/readyz")
		if err != nil {
			return in.Exited()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if err == nil && in.Exited() {
		err = in.ExitError()
	}
	if err != nil {
		return row, err
	}
	inCPU, srvCPU := procstat.CPUSeconds(in.PID()), cl.cpu()
	res, err := bench.Run(ctx, bench.Config{
		URL: base + "/webhooks/webex", Secret: []byte(feedSecret),
		Connections: cfg.IngestConnections, Duration: cfg.IngestDuration,
	})
	if err != nil {
		return row, err
	}
	row.Stored, row.PerSec, row.Errors = res.OK, res.PerSec, res.Errors
	if res.OK > 0 {
		row.IngestCPUPerEvent = (procstat.CPUSeconds(in.PID()) - inCPU) / float64(res.OK) * 1e6
		row.ServerCPUPerEvent = (cl.cpu() - srvCPU) / float64(res.OK) * 1e6
	}
	return row, nil
}
