package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/cmd/internal/proctest"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/internal/waitfor"
)

// TestBotsFile runs the ingest binary configured by a BOTS_FILE of two
// bots, each with a secret file of its own: a delivery to a bot's path,
// signed with its secret, is stored for that bot; one signed with the
// other bot's secret, or to a bot the file does not name, is refused;
// the requests are counted by bot; no secret is logged.
func TestBotsFile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := proctest.Build(t, dir, ".")
	const alphaSecret, betaSecret = "alpha-7c2e91d0-never-log-me", "beta-5f8a03b6-never-log-me"
	for name, v := range map[string]string{"alpha.secret": alphaSecret, "beta.secret": betaSecret} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The tokens are named, as the file must, but ingest reads none: the
	// files do not exist.
	file := filepath.Join(dir, "bots.yaml")
	if err := os.WriteFile(file, []byte(`
bots:
  - id: alpha
    token_file: alpha.token
    webhooks:
      - secret_file: alpha.secret
        resources: [messages]
  - id: beta
    token_file: beta.token
    webhooks:
      - secret_file: beta.secret
        resources: [messages]
`), 0o600); err != nil {
		t.Fatal(err)
	}

	srv := localnats.StartTest(t)
	in := proctest.Start(t, bin, "NATS_URL="+srv.ClientURL(), "BOTS_FILE="+file, "LISTEN_ADDR=127.0.0.1:0")
	addr := in.Await(t, regexp.MustCompile(`msg="ingest listening".* addr=(\S+)`))
	base := "http://" + addr + "/webhooks/webex/"

	body := []byte(`{"id":"hook-1","resource":"messages","event":"created","data":{"id":"m-1","roomId":"r-1"}}`)
	for _, tc := range []struct {
		name, bot, secret string
		want              int
	}{
		{"alpha, its secret", "alpha", alphaSecret, http.StatusOK},
		{"beta, alpha's secret", "beta", alphaSecret, http.StatusUnauthorized},
		{"a bot the file does not name", "gamma", alphaSecret, http.StatusNotFound},
	} {
		if got := post(t, base+tc.bot, body, tc.secret); got != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, got, tc.want)
		}
	}

	_, js := srv.ConnectTest(t)
	s, err := js.Stream(t.Context(), events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetLastMsgForSubject(t.Context(), events.BotEventsFilter("alpha"))
	if err != nil {
		t.Fatalf("alpha's event: %v", err)
	}
	if events.BotOf(m.Header) != "alpha" || !bytes.Equal(m.Data, body) {
		t.Errorf("stored %s with bot %q", m.Subject, events.BotOf(m.Header))
	}
	if info, err := s.Info(t.Context()); err != nil || info.State.Msgs != 1 {
		t.Errorf("stream holds %v events (%v), want 1", info.State.Msgs, err)
	}
	waitfor.True(t, 10*time.Second, "the requests counted by bot", func() bool {
		m := get(t, "http://"+addr+"/metrics")
		return strings.Contains(m, `webexpipe_ingest_requests_total{bot="alpha",outcome="stored"} 1`) &&
			strings.Contains(m, `webexpipe_ingest_requests_total{bot="beta",outcome="unauthorized"} 1`) &&
			strings.Contains(m, `webexpipe_ingest_requests_total{bot="",outcome="unknown_bot"} 1`)
	})
	proctest.StopAll(t, []string{alphaSecret, betaSecret}, in)
}

// TestBotsFileAndSingleSettingsRefused: BOTS_FILE with a single-bot
// secret or token is a start-up error, not a quiet choice of one of them.
func TestBotsFileAndSingleSettingsRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := proctest.Build(t, dir, ".")
	file := filepath.Join(dir, "bots.yaml")
	if err := os.WriteFile(file, []byte("bots:\n  - id: alpha\n    token_env: T\n    webhooks:\n      - secret_env: S\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, setting := range []string{"WEBEX_WEBHOOK_SECRET=other", "WEBEX_TOKEN=tok"} {
		t.Run(setting, func(t *testing.T) {
			in := proctest.Start(t, bin, "BOTS_FILE="+file, "S=s", setting, "LISTEN_ADDR=127.0.0.1:0", "NATS_URL=nats://127.0.0.1:1")
			in.Await(t, regexp.MustCompile(`(BOTS_FILE is set)`))
		})
	}
}

func post(t *testing.T, url string, body []byte, secret string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(events.SignatureHeader, events.Sign([]byte(secret), body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
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
