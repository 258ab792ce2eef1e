package workerkit_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/cmd/internal/shipped/echoworker"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/cmd/workerkit"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/internal/syncbuf"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

func natsFor(t *testing.T) process.NATSOptions {
	t.Helper()
	srv, _, _ := localnats.StartProvisioned(t)
	return process.NATSOptions{URL: srv.ClientURL(), Streams: events.DefaultStreamOptions()}
}

// TestRunWorkerStopsWhenItsOpsPortIsTaken: no worker runs on without its
// /healthz, /readyz and /metrics.
func TestRunWorkerStopsWhenItsOpsPortIsTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	wo := workerkit.WorkerOptions{OpsOptions: workerkit.OpsOptions{MetricsAddr: taken.Addr().String()}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = workerkit.RunWorker(ctx, "test-worker", natsFor(t), wo, slog.New(slog.DiscardHandler),
		func(jetstream.JetStream, *prometheus.Registry) ([]*workers.Runner, error) { return nil, nil })
	if !errors.Is(err, process.ErrOpsListen) {
		t.Fatalf("workerkit.RunWorker = %v, want process.ErrOpsListen", err)
	}
}

// TestRefusedTokenMakesTheWorkerUnready: an echo worker whose token Webex
// refuses answers /readyz 503 with the reason, and logs it.
func TestRefusedTokenMakesTheWorkerUnready(t *testing.T) {
	sim := emulator.NewTest(t, emulator.Options{Token: "the-right-token"})
	client, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: "a-revoked-token", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	var logs syncbuf.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	wo := workerkit.WorkerOptions{
		RuntimeOptions: workerkit.RuntimeOptions{Concurrency: 1, AckWait: 5 * time.Second, HandlerTimeout: 5 * time.Second},
		EventOptions:   workerkit.EventOptions{MaxDeliver: 3},
		OpsOptions:     workerkit.OpsOptions{MetricsAddr: fmt.Sprintf("127.0.0.1:%d", port)},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- workerkit.RunWorker(ctx, "echo-worker", natsFor(t), wo, log, func(js jetstream.JetStream, reg *prometheus.Registry) ([]*workers.Runner, error) {
			return echoworker.NewBots(js, []workerkit.BotSetup{{Client: client}}, echoworker.Options{Mode: "both", RecheckAfter: time.Second}, wo, log, reg)
		})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("workerkit.RunWorker: %v", err)
		}
	}()
	url := fmt.Sprintf("http://127.0.0.1:%d/readyz", port)
	waitfor.Until(t, 20*time.Second, func() (bool, string) {
		resp, err := http.Get(url)
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode == http.StatusServiceUnavailable && strings.Contains(string(body), "refuses the bot token"),
			fmt.Sprintf("%d %s", resp.StatusCode, body)
	})
	if !strings.Contains(logs.String(), "refuses the bot token") {
		t.Errorf("the log does not say why:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "a-revoked-token") {
		t.Error("the token reached the log")
	}
}

// freePort is a loopback port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestRunWorkerChecksTheShards: a worker started with another shard count
// than the streams on the server stops at start with the mismatch; one
// that provisions them with its count goes on.
func TestRunWorkerChecksTheShards(t *testing.T) {
	natsO := natsFor(t) // WEBEX_EVENTS alone
	sharded := workerkit.WorkerOptions{EventOptions: workerkit.EventOptions{Shards: 3, Partitions: 16}}
	built := errors.New("runners built")
	build := func(jetstream.JetStream, *prometheus.Registry) ([]*workers.Runner, error) { return nil, built }
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	natsO.Provision = false
	err := workerkit.RunWorker(ctx, "test-worker", natsO, sharded, slog.New(slog.DiscardHandler), build)
	if !errors.Is(err, events.ErrShardMismatch) {
		t.Fatalf("RunWorker with 3 shards on a server with 1 = %v, want the shard mismatch", err)
	}

	natsO.Provision = true
	natsO.Streams.Sharding = sharded.Sharding()
	natsO.Storage = "memory" // as natsFor provisioned them
	if err := workerkit.RunWorker(ctx, "test-worker", natsO, sharded, slog.New(slog.DiscardHandler), build); !errors.Is(err, built) {
		t.Fatalf("RunWorker provisioning 3 shards = %v, want it to go on and build its runners", err)
	}
	// The server now has three shards: a worker with the default count
	// is refused.
	natsO.Provision = false
	err = workerkit.RunWorker(ctx, "test-worker", natsO, workerkit.WorkerOptions{}, slog.New(slog.DiscardHandler), build)
	if !errors.Is(err, events.ErrShardMismatch) {
		t.Fatalf("RunWorker with 1 shard on a server with 3 = %v, want events.ErrShardMismatch", err)
	}
}
