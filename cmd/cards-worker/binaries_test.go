package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/cmd/internal/proctest"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/cards"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/adaptive"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// TestBinaries runs ingest and cards-worker as separate processes
// configured only through the environment, against an embedded JetStream
// and the emulator. Both warn at start that Webex has no
// attachmentActions/created webhook (ingest told so through the deprecated
// name of its setting, which it warns about); once it exists, a card submission gets
// its threaded answer; both stop cleanly on SIGTERM, and no log line holds
// the token or the secret.
func TestBinaries(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binaries")
	}
	dir := t.TempDir()
	ingestBin := proctest.Build(t, dir, "../ingest")
	workerBin := proctest.Build(t, dir, ".")

	nats := localnats.StartTest(t)
	const token = "tok-7e2a90c4d1b3-never-log-me"
	const secret = "sec-3c8d5f0a6b1e-never-log-me"
	sim := emulator.NewTest(t, emulator.Options{Token: token})

	in := proctest.Start(t, ingestBin, "NATS_URL="+nats.ClientURL(), "WEBEX_WEBHOOK_SECRET="+secret, "LISTEN_ADDR=127.0.0.1:0",
		"WEBEX_TOKEN="+token, "WEBEX_API_URL="+sim.URL(), "EXPECT_WEBHOOKS=attachmentActions/created")
	// EXPECT_WEBHOOKS is the deprecated name of WEBHOOK_RESOURCES: it
	// still works, with a warning.
	in.Await(t, regexp.MustCompile(`level=WARN msg="EXPECT_WEBHOOKS \(--expect-webhooks\) is deprecated.*WEBHOOK_RESOURCES()`))
	addr := in.Await(t, regexp.MustCompile(`msg="ingest listening".* addr=(\S+)`))
	worker := proctest.Start(t, workerBin, "NATS_URL="+nats.ClientURL(), "WEBEX_TOKEN="+token, "WEBEX_API_URL="+sim.URL(),
		"METRICS_ADDR=127.0.0.1:0", "CARDS_RECHECK_AFTER=3s")
	worker.Await(t, regexp.MustCompile(`msg="cards settings".* recheck_after=3s()`))
	worker.Await(t, regexp.MustCompile(`msg="worker started"()`))
	for _, p := range []*proctest.Process{in, worker} {
		p.Await(t, regexp.MustCompile(`level=WARN msg="no Webex webhook for attachmentActions/created()`))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: token})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateWebhook(ctx, webex.WebhookRequest{Name: "binaries", TargetURL: "http://" + addr + "/webhooks/webex",
		Resource: "attachmentActions", Event: "created", Secret: secret}); err != nil {
		t.Fatal(err)
	}
	user, err := sim.PostAsUser(emulator.UserMessage{Text: "card"})
	if err != nil {
		t.Fatal(err)
	}
	demo, err := cards.DemoAttachment()
	if err != nil {
		t.Fatal(err)
	}
	req := &webex.MessageRequest{RoomID: user.RoomID, Markdown: cards.DemoFallback}
	if err := adaptive.Attach(req, demo); err != nil {
		t.Fatal(err)
	}
	card, err := client.SendMessage(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.SubmitCard(emulator.CardSubmit{MessageID: card.ID, Inputs: map[string]any{"action": cards.DemoAction, "name": "Ana"}}); err != nil {
		t.Fatal(err)
	}
	var answer webex.Message
	waitfor.True(t, 10*time.Second, "an answer to the card", func() bool {
		for _, m := range sim.BotMessages(user.RoomID) {
			if m.ParentID == card.ID {
				answer = m
			}
		}
		return answer.ID != ""
	})
	if !strings.Contains(answer.Markdown, "Thanks, Ana!") {
		t.Errorf("answer:\n%s", answer.Markdown)
	}

	proctest.StopAll(t, []string{token, secret}, in, worker)
}
