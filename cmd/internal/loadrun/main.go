// Command loadrun measures ingest the way the README reports it: it starts
// nats-server (file storage) and the ingest binary as processes of their
// own, runs `webexpipe bench` with its no-op baseline at several
// connection counts, watches ingest's CPU and resident memory, then starts
// `webexpipe dev` and measures user message to bot reply through the
// emulator at a fixed rate. It prints one Markdown table per part.
//
//	go run ./cmd/internal/loadrun -bin DIR
//
// DIR holds the binaries ingest, webexpipe and nats-server (`make bench`
// builds them). Everything listens on loopback, on free ports.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/webexpipe/webexpipe/cmd/internal/bench"
	"github.com/webexpipe/webexpipe/cmd/internal/output"
	"github.com/webexpipe/webexpipe/cmd/internal/procrun"
	"github.com/webexpipe/webexpipe/cmd/internal/procstat"
)

type options struct {
	bin         string
	duration    time.Duration
	connections []int
	e2eRates    []int
	e2eSeconds  float64
	jsonOut     bool
	keep        bool
}

func main() {
	var o options
	var conns, rates string
	flag.StringVar(&o.bin, "bin", "bin", "directory holding the ingest, webexpipe and nats-server binaries")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "length of each ingest run (and of its baseline)")
	flag.StringVar(&conns, "connections", "1,16,64", "connection counts of the ingest runs, comma-separated")
	flag.StringVar(&rates, "e2e-rates", "1000", "messages per second of the end-to-end runs, comma-separated; empty: none")
	flag.Float64Var(&o.e2eSeconds, "e2e-seconds", 5, "length of each end-to-end run, in seconds of posting")
	flag.BoolVar(&o.jsonOut, "json", false, "print the results as JSON instead of tables")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory (logs, stores) and print where it is")
	flag.Parse()
	var err error
	if o.connections, err = ints(conns); err != nil {
		fatal(fmt.Errorf("-connections: %w", err))
	}
	if o.e2eRates, err = ints(rates); err != nil {
		fatal(fmt.Errorf("-e2e-rates: %w", err))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "loadrun:", err)
	os.Exit(1)
}

func ints(s string) ([]int, error) {
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

// ingestRow is one connection count: the comparison with the baseline and
// what the ingest process used meanwhile.
type ingestRow struct {
	Connections int              `json:"connections"`
	Comparison  bench.Comparison `json:"comparison"`
	// IngestCPU and NATSCPU are the CPU seconds each process used during
	// the row (baseline phase included, when both idle).
	IngestCPU float64 `json:"ingest_cpu_s"`
	NATSCPU   float64 `json:"nats_cpu_s"`
	// PeakRSS is ingest's peak resident memory during the row, in bytes;
	// 0 when the kernel does not let it be reset between rows.
	PeakRSS int64 `json:"ingest_peak_rss_bytes"`
}

// e2eRow is one end-to-end run and what the dev process used meanwhile.
type e2eRow struct {
	Rate   int             `json:"rate"`
	Result bench.E2EResult `json:"result"`
	DevCPU float64         `json:"dev_cpu_s"`
	Peak   int64           `json:"dev_peak_rss_bytes"`
}

type report struct {
	Ingest []ingestRow `json:"ingest"`
	E2E    []e2eRow    `json:"e2e"`
}

func run(ctx context.Context, o options, out io.Writer) error {
	work, err := os.MkdirTemp("", "webexpipe-loadrun-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(os.Stderr, "loadrun: work directory", work)
	} else {
		defer os.RemoveAll(work)
	}
	var rep report
	if len(o.connections) > 0 {
		if rep.Ingest, err = ingestRuns(ctx, o, work); err != nil {
			return err
		}
	}
	for _, rate := range o.e2eRates {
		row, err := e2eRun(ctx, o, work, rate)
		if err != nil {
			return err
		}
		rep.E2E = append(rep.E2E, row)
	}
	if o.jsonOut {
		return output.PrintJSON(out, rep)
	}
	writeTables(out, rep, o)
	return nil
}

const secret = "loadrun-secret"

func ingestRuns(ctx context.Context, o options, work string) ([]ingestRow, error) {
	natsPort, ingestPort := freePort(), freePort()
	ns, err := start(work, "nats-server", filepath.Join(o.bin, "nats-server"), nil,
		"-js", "-sd", filepath.Join(work, "jetstream"), "-a", "127.0.0.1", "-p", strconv.Itoa(natsPort))
	if err != nil {
		return nil, err
	}
	defer ns.Stop()
	if err := waitTCP(ctx, natsPort); err != nil {
		return nil, fmt.Errorf("nats-server: %w (see %s)", err, ns.LogPath)
	}
	in, err := start(work, "ingest", filepath.Join(o.bin, "ingest"), []string{
		"NATS_URL=nats://127.0.0.1:" + strconv.Itoa(natsPort),
		"LISTEN_ADDR=127.0.0.1:" + strconv.Itoa(ingestPort),
		"WEBEX_WEBHOOK_SECRET=" + secret,
		"WEBHOOK_RESOURCES=", // no webhook check: there is no Webex here
	})
	if err != nil {
		return nil, err
	}
	defer in.Stop()
	base := "http://127.0.0.1:" + strconv.Itoa(ingestPort)
	if err := waitReady(ctx, base+"/readyz"); err != nil {
		return nil, fmt.Errorf("ingest: %w (see %s)", err, in.LogPath)
	}

	var rows []ingestRow
	for _, c := range o.connections {
		resetPeak(in.PID())
		inCPU, nsCPU := procstat.CPUSeconds(in.PID()), procstat.CPUSeconds(ns.PID())
		cmp, err := bench.RunWithBaseline(ctx, bench.Config{
			URL: base + "/webhooks/webex", Secret: []byte(secret), Connections: c, Duration: o.duration,
		})
		if err != nil {
			return nil, err
		}
		rows = append(rows, ingestRow{
			Connections: c, Comparison: cmp,
			IngestCPU: procstat.CPUSeconds(in.PID()) - inCPU, NATSCPU: procstat.CPUSeconds(ns.PID()) - nsCPU,
			PeakRSS: peakRSS(in.PID()),
		})
	}
	return rows, nil
}

func e2eRun(ctx context.Context, o options, work string, rate int) (e2eRow, error) {
	simPort, ingestPort := freePort(), freePort()
	dataDir := filepath.Join(work, fmt.Sprintf("dev-%d", rate))
	dev, err := start(work, fmt.Sprintf("dev-%d", rate), filepath.Join(o.bin, "webexpipe"), []string{
		"ECHO_MODE=text",
		"LOG_LEVEL=warn",
	}, "dev", "--data-dir", dataDir, "--nats-port", "-1",
		"--listen-addr", "127.0.0.1:"+strconv.Itoa(ingestPort), "--sim-addr", "127.0.0.1:"+strconv.Itoa(simPort))
	if err != nil {
		return e2eRow{}, err
	}
	defer dev.Stop()
	if err := waitReady(ctx, "http://127.0.0.1:"+strconv.Itoa(ingestPort)+"/readyz"); err != nil {
		return e2eRow{}, fmt.Errorf("webexpipe dev: %w (see %s)", err, dev.LogPath)
	}
	if err := waitTCP(ctx, simPort); err != nil {
		return e2eRow{}, fmt.Errorf("webexpipe dev: emulator: %w (see %s)", err, dev.LogPath)
	}
	// The dev command registers the webhooks after the ports open; its
	// banner says when it is done.
	if err := waitLog(ctx, dev.LogPath, "webexpipe dev is running"); err != nil {
		return e2eRow{}, fmt.Errorf("webexpipe dev: %w (see %s)", err, dev.LogPath)
	}
	resetPeak(dev.PID())
	cpu := procstat.CPUSeconds(dev.PID())
	res, err := bench.RunE2E(ctx, bench.E2EConfig{
		SimURL: "http://127.0.0.1:" + strconv.Itoa(simPort),
		Rate:   rate, Count: int(o.e2eSeconds * float64(rate)),
	})
	if err != nil {
		return e2eRow{}, err
	}
	return e2eRow{Rate: rate, Result: res, DevCPU: procstat.CPUSeconds(dev.PID()) - cpu, Peak: peakRSS(dev.PID())}, nil
}

func writeTables(w io.Writer, rep report, o options) {
	if len(rep.Ingest) > 0 {
		fmt.Fprintf(w, "ingest and nats-server as processes of their own, %s per run, no-op baseline in the same run\n\n", o.duration)
		fmt.Fprintln(w, "| connections | baseline /s | ingest /s | ingest ÷ baseline | ingest p50 / p90 / p99 / p99.9 ms | errors | ingest CPU µs/event | nats-server CPU µs/event | ingest peak RSS |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
		for _, r := range rep.Ingest {
			t, b := r.Comparison.Target, r.Comparison.Baseline
			fmt.Fprintf(w, "| %d | %.0f | %.0f | %.2f | %.2f / %.2f / %.2f / %.2f | %s | %s | %s | %s |\n",
				r.Connections, b.PerSec, t.PerSec, r.Comparison.Ratio.Throughput,
				t.Latency.P50, t.Latency.P90, t.Latency.P99, t.Latency.P999,
				errorsText(t.Errors), perEvent(r.IngestCPU, t.OK), perEvent(r.NATSCPU, t.OK), mib(r.PeakRSS))
		}
		fmt.Fprintln(w)
	}
	if len(rep.E2E) > 0 {
		fmt.Fprintf(w, "end to end through `webexpipe dev` (emulator, ECHO_MODE=text), %.0f s of posting per run; each message makes two events (the user's and the bot's reply)\n\n", o.e2eSeconds)
		fmt.Fprintln(w, "| messages/s | events/s | posted | replied | missing | duplicates | p50 / p90 / p99 / p99.9 / max ms | dev CPU | dev peak RSS |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
		for _, r := range rep.E2E {
			l := r.Result.Latency
			fmt.Fprintf(w, "| %d | %d | %d | %d | %d | %d | %.0f / %.0f / %.0f / %.0f / %.0f | %.0f%% | %s |\n",
				r.Rate, 2*r.Rate, r.Result.Posted, r.Result.Replied, r.Result.Missing, r.Result.Duplicates,
				l.P50, l.P90, l.P99, l.P999, l.Max, 100*r.DevCPU/max(r.Result.Elapsed, 1e-9), mib(r.Peak))
		}
		fmt.Fprintln(w)
	}
}

func errorsText(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s: %d", k, v))
	}
	return strings.Join(parts, ", ")
}

func perEvent(cpu float64, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", cpu/float64(n)*1e6)
}

func mib(b int64) string {
	if b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MB", float64(b)/1e6)
}

// start runs bin with the caller's environment and env, its output in
// work/name.log.
func start(work, name, bin string, env []string, args ...string) (*procrun.Process, error) {
	return procrun.Start(work, name, bin, append(os.Environ(), env...), args...)
}

func freePort() int {
	port, err := procrun.FreePort()
	if err != nil {
		fatal(err)
	}
	return port
}

// waitLimit bounds each wait for a process to be ready.
const waitLimit = 30 * time.Second

func waitTCP(ctx context.Context, port int) error {
	return procrun.Poll(ctx, "port "+strconv.Itoa(port), waitLimit, func() bool {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

func waitReady(ctx context.Context, url string) error {
	client := &http.Client{Timeout: time.Second}
	return procrun.Poll(ctx, url, waitLimit, func() bool {
		resp, err := client.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

func waitLog(ctx context.Context, path, text string) error {
	return procrun.Poll(ctx, "log line "+strconv.Quote(text), waitLimit, func() bool {
		b, err := os.ReadFile(path)
		return err == nil && strings.Contains(string(b), text)
	})
}

// resetPeak restarts the kernel's peak RSS count of pid (clear_refs 5).
func resetPeak(pid int) {
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// peakRSS is pid's peak resident memory (VmHWM) in bytes, 0 if unknown.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return kb * 1024
		}
	}
	return 0
}
