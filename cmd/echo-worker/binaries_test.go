package main

import (
	"context"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/cmd/internal/proctest"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// TestBinaries runs the production binaries, ingest and echo-worker, as
// separate processes configured only through the environment, against an
// embedded JetStream and the emulator: a user's message gets its reply, both
// stop cleanly on SIGTERM, and no log line holds the token or the secret.
func TestBinaries(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binaries")
	}
	dir := t.TempDir()
	ingestBin := proctest.Build(t, dir, "../ingest")
	workerBin := proctest.Build(t, dir, ".")

	nats := localnats.StartTest(t)
	const token = "tok-4f1c9a7be2d8-never-log-me"
	const secret = "sec-91b0c6e5aa3f-never-log-me"
	sim := emulator.NewTest(t, emulator.Options{Token: token})

	in := proctest.Start(t, ingestBin, "NATS_URL="+nats.ClientURL(), "WEBEX_WEBHOOK_SECRET="+secret, "LISTEN_ADDR=127.0.0.1:0")
	addr := in.Await(t, regexp.MustCompile(`msg="ingest listening".* addr=(\S+)`))
	worker := proctest.Start(t, workerBin, "NATS_URL="+nats.ClientURL(), "WEBEX_TOKEN="+token, "WEBEX_API_URL="+sim.URL(),
		"METRICS_ADDR=127.0.0.1:0", "LOG_LEVEL=debug", "ECHO_MODE=text")
	worker.Await(t, regexp.MustCompile(`msg="worker started"()`))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: token})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateWebhook(ctx, webex.WebhookRequest{Name: "binaries", TargetURL: "http://" + addr + "/webhooks/webex",
		Resource: "messages", Event: "created", Secret: secret}); err != nil {
		t.Fatal(err)
	}
	sent, err := sim.PostAsUser(emulator.UserMessage{Text: "hello binaries"})
	if err != nil {
		t.Fatal(err)
	}
	var reply webex.Message
	waitfor.True(t, 10*time.Second, "a reply", func() bool {
		got := sim.BotMessages(sent.RoomID)
		if len(got) > 0 {
			reply = got[0]
		}
		return reply.ID != ""
	})
	if !strings.Contains(reply.Markdown, "hello binaries") || strings.Contains(reply.Markdown, "```") {
		t.Errorf("ECHO_MODE=text not applied; reply:\n%s", reply.Markdown)
	}

	// What an operator reads of each: the build, the NATS connection, and
	// ingest's signature failures and the worker's backlog and reply time.
	metricsAddr := worker.Await(t, regexp.MustCompile(`msg="serving metrics".* addr=(\S+)`))
	for url, want := range map[string][]string{
		"http://" + addr + "/metrics":        {"webexpipe_build_info", "webexpipe_nats_connected 1", `webexpipe_ingest_signature_failures_total{webhook="unknown"} 0`},
		"http://" + metricsAddr + "/metrics": {"webexpipe_build_info", "webexpipe_nats_connected 1", `webexpipe_worker_backlog_pending{bot="default",worker="echo"} 0`, `webexpipe_worker_dead_letters{worker="echo"}`, `webexpipe_reply_latency_seconds_count{bot="default",worker="echo"} 1`},
	} {
		// The reply is in the room a moment before the worker records
		// its latency.
		waitfor.True(t, 10*time.Second, url+" with "+strings.Join(want, ", "), func() bool {
			body := get(t, url)
			for _, w := range want {
				if !strings.Contains(body, w) {
					return false
				}
			}
			return true
		})
	}
	for _, bin := range []string{ingestBin, workerBin} {
		out, err := exec.Command(bin, "--version").CombinedOutput()
		if err != nil || !regexp.MustCompile(`^\S+ version \S+ \(revision \S+`).Match(out) {
			t.Errorf("%s --version: %v, %q", bin, err, out)
		}
	}

	proctest.StopAll(t, []string{token, secret}, in, worker)
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s, %v", url, resp.Status, err)
	}
	return string(b)
}
