package app

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

func TestStartWebhookWatch(t *testing.T) {
	_, _, js := localnats.StartProvisioned(t)
	sim := emulator.NewTest(t, emulator.Options{})
	webexO := process.WebexOptions{Token: sim.Token(), APIURL: sim.URL(), Timeout: 5 * time.Second}
	in := IngestOptions{Secrets: []string{"new-secret", "old-secret"}}
	wh := WebhookOptions{Target: "https://bot.example.com/webhooks/webex", Resources: []string{"messages"},
		NamePrefix: "webexpipe", WatchInterval: 20 * time.Millisecond}

	t.Run("off", func(t *testing.T) {
		for name, tc := range map[string]struct {
			webexO process.WebexOptions
			wh     WebhookOptions
			log    string
		}{
			"no interval": {webexO: webexO, wh: WebhookOptions{}},
			"no token":    {wh: wh, log: "webhook watchdog off"},
		} {
			t.Run(name, func(t *testing.T) {
				var buf bytes.Buffer
				wait, err := StartWebhookWatch(context.Background(), js, tc.webexO, tc.wh, in, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(&buf, nil)))
				if err != nil {
					t.Fatal(err)
				}
				wait()
				if !strings.Contains(buf.String(), tc.log) {
					t.Errorf("log %q lacks %q", buf.String(), tc.log)
				}
			})
		}
	})

	t.Run("ensures with the first secret", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		reg := prometheus.NewRegistry()
		wait, err := StartWebhookWatch(ctx, js, webexO, wh, in, reg, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		client, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token()})
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		var hooks []webex.Webhook
		for len(hooks) == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the watchdog created no webhook")
			}
			time.Sleep(20 * time.Millisecond) // poll, bounded by the deadline
			hooks, _ = client.Webhooks(context.Background())
		}
		cancel()
		wait()
		if len(hooks) != 1 || hooks[0].Secret != "new-secret" || hooks[0].Name != "webexpipe messages/created" {
			t.Errorf("webhooks %v", hooks)
		}
		mfs, _ := reg.Gather()
		for _, name := range []string{"webexpipe_webhook_active", "webexpipe_webhook_missing"} {
			found := false
			for _, mf := range mfs {
				found = found || mf.GetName() == name
			}
			if !found {
				t.Errorf("no %s in the registry", name)
			}
		}
	})

	t.Run("a bad desired set fails at start", func(t *testing.T) {
		bad := wh
		bad.Resources = []string{"messages/cre ated"}
		if _, err := StartWebhookWatch(context.Background(), js, webexO, bad, in, prometheus.NewRegistry(), slog.New(slog.DiscardHandler)); err == nil {
			t.Error("accepted")
		}
	})
}
