package webhooks_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/metricstest"
	"github.com/webexpipe/webexpipe/internal/syncbuf"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

// The watchdog waits out the five-minute rule, re-activates, survives a
// failed round, and exports the webhook's health.
func TestWatch(t *testing.T) {
	tests := []struct {
		name string
		spec bool // watch with the desired set (Ensure) or without (Reactivate)
	}{{"reactivate only", false}, {"ensure", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			m := e.manager(t, webhooks.Options{})
			target := okTarget(t)
			h := e.create(t, webex.WebhookRequest{Name: "webexpipe messages/created", TargetURL: target, Resource: "messages", Secret: secret})
			if _, err := e.client.UpdateWebhook(testCtx(t), h.ID, webex.WebhookUpdate{Name: h.Name, TargetURL: h.TargetURL, Status: "disabled"}); err != nil {
				t.Fatal(err)
			}
			reg := prometheus.NewRegistry()
			rounds := make(chan *webhooks.Report, 100)
			errs := make(chan error, 100)
			o := webhooks.WatchOptions{Interval: 20 * time.Millisecond, Metrics: reg, OnRound: func(r *webhooks.Report, err error) {
				if err != nil {
					errs <- err
					return
				}
				rounds <- r
			}}
			if tt.spec {
				o.Spec = &webhooks.Spec{TargetURL: target, Secret: secret, Events: []events.ResourceEvent{messages}}
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- m.Watch(ctx, o) }()
			t.Cleanup(func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("Watch = %v", err)
				}
			})
			await := func(want webhooks.Kind) {
				t.Helper()
				timeout := time.After(10 * time.Second)
				for {
					select {
					case r := <-rounds:
						if len(r.Actions) == 1 && r.Actions[0].Kind == want {
							return
						}
					case <-timeout:
						t.Fatalf("no round with %s within 10s", want)
					}
				}
			}
			labels := map[string]string{"name": "webexpipe messages/created"}

			await(webhooks.KindWaiting)
			if v, ok := metricstest.Lookup(t, reg, "webexpipe_webhook_active", labels); !ok || v != 0 {
				t.Errorf("active = %v (%v) while disabled", v, ok)
			}
			e.clock.Set(e.clock.Now().Add(2 * time.Minute))
			await(webhooks.KindWaiting)
			if v, _ := metricstest.Lookup(t, reg, "webexpipe_webhook_disabled_seconds", labels); v != 120 {
				t.Errorf("disabled for %v s, want 120", v)
			}

			e.sim.InjectFault(emulator.Fault{Method: "GET", Path: "/webhooks", Status: 503, Times: 1})
			select {
			case <-errs:
			case <-time.After(10 * time.Second):
				t.Fatal("no failed round")
			}
			if v, _ := metricstest.Lookup(t, reg, "webexpipe_webhook_checks_total", map[string]string{"result": "error"}); v != 1 {
				t.Errorf("failed rounds %v, want 1", v)
			}

			e.clock.Set(e.clock.Now().Add(3 * time.Minute))
			await(webhooks.KindReactivated)
			await(webhooks.KindOK)
			if got := e.hook(t, h.ID); got.Status != "active" {
				t.Errorf("status %q", got.Status)
			}
			if v, _ := metricstest.Lookup(t, reg, "webexpipe_webhook_active", labels); v != 1 {
				t.Errorf("active = %v after the re-activation", v)
			}
			if v, _ := metricstest.Lookup(t, reg, "webexpipe_webhook_reactivations_total", map[string]string{"resource": "messages"}); v != 1 {
				t.Errorf("re-activations %v, want 1", v)
			}
		})
	}
}

// TestWatchChecksWhatMustExist: without a desired set the watchdog creates
// nothing, but it still checks the webhooks that must exist, exports which
// are missing, and logs a gap once when it appears and once when it ends.
func TestWatchChecksWhatMustExist(t *testing.T) {
	e := newEnv(t)
	var logs syncbuf.Buffer
	m := e.manager(t, webhooks.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	e.create(t, webex.WebhookRequest{Name: "webexpipe messages/created", TargetURL: okTarget(t), Resource: "messages", Secret: secret})
	reg := prometheus.NewRegistry()
	rounds := make(chan *webhooks.Report, 100)
	o := webhooks.WatchOptions{Interval: 20 * time.Millisecond, Metrics: reg, Want: []events.ResourceEvent{messages, actions},
		OnRound: func(r *webhooks.Report, err error) {
			if err == nil {
				rounds <- r
			}
		}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Watch(ctx, o) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch = %v", err)
		}
	})
	// await waits for n more rounds whose Missing is want.
	await := func(n int, want []webhooks.Gap) {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for n > 0 {
			select {
			case r := <-rounds:
				if slices.Equal(r.Missing, want) {
					n--
				}
			case <-timeout:
				t.Fatalf("no round missing %v within 10s", want)
			}
		}
	}
	missing := func(re events.ResourceEvent) float64 {
		t.Helper()
		v, ok := metricstest.Lookup(t, reg, "webexpipe_webhook_missing", map[string]string{"resource": re.Resource, "event": re.Event})
		if !ok {
			t.Fatalf("no webexpipe_webhook_missing for %v", re)
		}
		return v
	}

	await(3, []webhooks.Gap{{Resource: "attachmentActions", Event: "created"}})
	if missing(actions) != 1 || missing(messages) != 0 {
		t.Errorf("missing: actions %v (want 1), messages %v (want 0)", missing(actions), missing(messages))
	}
	if n := strings.Count(logs.String(), "no Webex webhook for attachmentActions/created"); n != 1 {
		t.Errorf("the gap was logged %d times over three rounds, want once:\n%s", n, logs.String())
	}

	// A webhook someone else registered delivers it as well as a managed one.
	e.create(t, webex.WebhookRequest{Name: "by hand", TargetURL: okTarget(t), Resource: "attachmentActions", Secret: secret})
	await(1, nil)
	if missing(actions) != 0 {
		t.Errorf("missing: actions %v once registered, want 0", missing(actions))
	}
	if !strings.Contains(logs.String(), "the Webex webhook for attachmentActions/created delivers again") {
		t.Errorf("the end of the gap was not logged:\n%s", logs.String())
	}
	if len(e.hooks(t)) != 2 {
		t.Errorf("the watchdog without a desired set changed the webhooks: %+v", e.hooks(t))
	}
}
