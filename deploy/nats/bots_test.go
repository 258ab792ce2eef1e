package natsconf_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/deploy/natsconf"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// TestBotUsers runs ingest, the echo worker and the retry worker as their
// own users against a server whose users were generated for a bot registry
// of two bots (natsgen -bots): each bot's webhook is stored on its own
// subjects and answered by the echo worker through that bot's consumer,
// with that bot's token, and the retry worker may use each bot's consumer
// of the stored calls.
func TestBotUsers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries")
	}
	bins := buildBinaries(t, "./cmd/ingest", "./cmd/echo-worker", "./cmd/retry-worker")

	sim := emulator.NewTest(t, emulator.Options{Bots: []emulator.BotSpec{{ID: "support"}}})
	dir := t.TempDir()
	var reg strings.Builder
	reg.WriteString("bots:\n")
	var env []string
	for _, b := range sim.Bots() {
		name := strings.ToUpper(b.ID)
		env = append(env, "TOKEN_"+name+"="+b.Token, "SECRET_"+name+"=secret-of-"+b.ID)
		fmt.Fprintf(&reg, "  - id: %s\n    token_env: TOKEN_%s\n    webhooks:\n      - secret_env: SECRET_%s\n        resources: [messages/created]\n", b.ID, name, name)
	}
	botsFile := filepath.Join(dir, "bots.yaml")
	if err := os.WriteFile(botsFile, []byte(reg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	roles, err := natsconf.RolesOf(events.DefaultSharding(), botsFile)
	if err != nil {
		t.Fatal(err)
	}

	u := newUsers(t)
	url := startSingleFrom(t, configFor(t, roles))
	_, admin := connect(t, url, u, events.AdminUser)
	if err := events.Provision(ctx(t), admin, events.DefaultStreamOptions()); err != nil {
		t.Fatalf("admin provisions: %v", err)
	}
	nats := func(user string) []string {
		return append([]string{"NATS_URL=" + url, "NATS_NKEY_SEED=" + u[user], "NATS_INBOX_PREFIX=" + events.InboxPrefix(user),
			"PROVISION=false", "NATS_CONNECT_TIMEOUT=0", "BOTS_FILE=" + botsFile}, env...)
	}
	ingestAddr := freeAddr(t)
	startBinary(t, filepath.Join(bins, "ingest"), append(nats(events.IngestUser), "LISTEN_ADDR="+ingestAddr))
	startBinary(t, filepath.Join(bins, "echo-worker"), append(nats("echo"),
		"WEBEX_API_URL="+sim.URL(), "METRICS_ADDR="+freeAddr(t), "START_AT=all", "ECHO_MODE=text"))
	retryMetrics := freeAddr(t)
	startBinary(t, filepath.Join(bins, "retry-worker"), append(nats(events.RetryWorker),
		"WEBEX_API_URL="+sim.URL(), "METRICS_ADDR="+retryMetrics))
	waitReady(t, "ingest ready", ingestAddr)
	waitReady(t, "retry-worker ready", retryMetrics)

	for _, b := range sim.Bots() {
		api, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: b.Token})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := api.CreateWebhook(ctx(t), webex.WebhookRequest{Name: "bots " + b.ID, TargetURL: "http://" + ingestAddr + "/webhooks/webex/" + b.ID,
			Resource: "messages", Event: "created", Secret: "secret-of-" + b.ID}); err != nil {
			t.Fatal(err)
		}
	}
	posted := map[string]webex.Message{}
	for _, b := range sim.Bots() {
		m, err := sim.PostAsUser(emulator.UserMessage{Bot: b.ID, Text: "hello " + b.ID})
		if err != nil {
			t.Fatal(err)
		}
		posted[b.ID] = m
	}
	for _, b := range sim.Bots() {
		waitfor.True(t, 30*time.Second, "bot "+b.ID+" answered its user", func() bool {
			for _, m := range sim.MessagesOf(b.ID, posted[b.ID].RoomID) {
				if strings.Contains(m.Text, "hello "+b.ID) {
					return true
				}
			}
			return false
		})
	}
	// Each bot's event is on its own subject.
	st, err := admin.Stream(ctx(t), events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	for _, subject := range []string{events.EventSubject("messages", "created", events.Partition(posted["default"].RoomID, events.DefaultPartitions)),
		events.BotEventSubject("support", "messages", "created", events.Partition(posted["support"].RoomID, events.DefaultPartitions))} {
		if _, err := st.GetLastMsgForSubject(ctx(t), subject); err != nil {
			t.Errorf("nothing stored on %s: %v", subject, err)
		}
	}
}
