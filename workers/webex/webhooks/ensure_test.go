package webhooks_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

// Two replicas ensure at once, with Webex slow to create: one webhook per
// resource, and the foreign webhooks (another bot's, dev mode's) untouched.
func TestEnsureConcurrently(t *testing.T) {
	for round := range 3 {
		t.Run(fmt.Sprintf("round %d", round+1), func(t *testing.T) {
			e := newEnv(t)
			target := okTarget(t)
			foreign := []*webex.Webhook{
				e.create(t, webex.WebhookRequest{Name: "someone else's bot", TargetURL: "https://elsewhere.example.com/hook", Resource: "messages", Secret: "theirs"}),
				e.create(t, webex.WebhookRequest{Name: "webexpipe-dev messages", TargetURL: "https://dev.example.com/hook", Resource: "messages"}),
			}
			e.sim.InjectFault(emulator.Fault{Method: "POST", Path: "/webhooks", Delay: 100 * time.Millisecond})
			spec := webhooks.Spec{TargetURL: target, Secret: secret, Events: []events.ResourceEvent{messages, actions}}

			start := make(chan struct{})
			reports := make([]*webhooks.Report, 2)
			var wg sync.WaitGroup
			for i := range reports {
				m := e.manager(t, webhooks.Options{})
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					var err error
					if reports[i], err = m.Ensure(testCtx(t), spec); err != nil {
						t.Error(err)
					}
				}()
			}
			close(start)
			wg.Wait()
			if t.Failed() {
				return
			}

			created := reports[0].Count(webhooks.KindCreated) + reports[1].Count(webhooks.KindCreated)
			unchanged := reports[0].Count(webhooks.KindOK) + reports[1].Count(webhooks.KindOK)
			if created != 2 || unchanged != 2 {
				t.Errorf("created %d and found %d in place, want 2 and 2: %+v %+v", created, unchanged, reports[0], reports[1])
			}
			per := map[events.ResourceEvent]int{}
			for _, h := range e.hooks(t) {
				if !strings.HasPrefix(h.Name, "webexpipe ") {
					continue
				}
				per[events.ResourceEvent{Resource: h.Resource, Event: h.Event}]++
				if h.TargetURL != target || h.Secret != secret || h.Status != "active" {
					t.Errorf("managed webhook %v", h)
				}
			}
			if len(per) != 2 || per[messages] != 1 || per[actions] != 1 {
				t.Errorf("managed webhooks per resource: %v", per)
			}
			for _, f := range foreign {
				if got := e.hook(t, f.ID); got != *f {
					t.Errorf("foreign webhook changed:\n%v\n%v", f, got)
				}
			}
		})
	}
}

// Ensure fixes what drifted, removes duplicates, keeps or prunes extras,
// and is idempotent.
func TestEnsureConverges(t *testing.T) {
	e := newEnv(t)
	target := okTarget(t)
	m := e.manager(t, webhooks.Options{})
	spec := webhooks.Spec{TargetURL: target, Secret: secret, Events: []events.ResourceEvent{messages, actions}}

	wrong := e.create(t, webex.WebhookRequest{Name: "webexpipe messages/created", TargetURL: "https://old.example.com/hook", Resource: "messages", Secret: "old-secret"})
	dup := e.create(t, webex.WebhookRequest{Name: "webexpipe messages (copy)", TargetURL: "https://old.example.com/hook", Resource: "messages", Secret: "old-secret"})
	filtered := e.create(t, webex.WebhookRequest{Name: "webexpipe attachmentActions/created", TargetURL: target, Resource: "attachmentActions", Filter: "roomType=direct", Secret: secret})
	extra := e.create(t, webex.WebhookRequest{Name: "webexpipe rooms/created", TargetURL: target, Resource: "rooms", Secret: secret})

	rep, err := m.Ensure(testCtx(t), spec)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]webhooks.Kind{}
	for _, a := range rep.Actions {
		kinds[a.WebhookID] = a.Kind
		if strings.Contains(a.Detail, secret) || strings.Contains(a.Detail, "old-secret") {
			t.Errorf("a secret in the report: %+v", a)
		}
	}
	for id, want := range map[string]webhooks.Kind{
		wrong.ID: webhooks.KindUpdated, dup.ID: webhooks.KindDeleted, filtered.ID: webhooks.KindDeleted, extra.ID: webhooks.KindExtra,
	} {
		if kinds[id] != want {
			t.Errorf("webhook %s: %s, want %s (%+v)", id, kinds[id], want, rep.Actions)
		}
	}
	if rep.Count(webhooks.KindReplaced) != 1 {
		t.Errorf("the filtered webhook was not replaced: %+v", rep.Actions)
	}
	if h := e.hook(t, wrong.ID); h.TargetURL != target || h.Secret != secret {
		t.Errorf("not fixed: %v", h)
	}

	again, err := m.Ensure(testCtx(t), spec)
	if err != nil {
		t.Fatal(err)
	}
	if again.Changed() || again.Count(webhooks.KindOK) != 2 || again.Count(webhooks.KindExtra) != 1 {
		t.Errorf("second ensure: %+v", again.Actions)
	}

	spec.Prune = true
	pruned, err := m.Ensure(testCtx(t), spec)
	if err != nil {
		t.Fatal(err)
	}
	if pruned.Count(webhooks.KindDeleted) != 1 || len(e.hooks(t)) != 2 {
		t.Errorf("prune: %+v, %d webhooks left", pruned.Actions, len(e.hooks(t)))
	}
}

// A disabled webhook is re-activated only five minutes after it was first
// seen disabled, and a webhook disabled again soon after waits twice as
// long. The emulator and the manager share a clock the test moves.
func TestFiveMinuteRule(t *testing.T) {
	e := newEnv(t)
	m := e.manager(t, webhooks.Options{})
	spec := webhooks.Spec{TargetURL: failingTarget(t), Secret: secret, Events: []events.ResourceEvent{messages}}
	rep, err := m.Ensure(testCtx(t), spec)
	if err != nil {
		t.Fatal(err)
	}
	id := rep.Actions[0].WebhookID
	t0 := e.clock.Now()
	e.deliver(t, 100) // a hundred failures in no time: Webex disables it
	if h := e.hook(t, id); h.Status != "disabled" {
		t.Fatalf("status %q after 100 failures", h.Status)
	}

	steps := []struct {
		name    string
		at      time.Duration // after t0
		fail    int           // failed deliveries before the ensure
		want    webhooks.Kind
		wantAt  time.Duration // KindWaiting: re-activation time, after t0
		disable bool          // expect the webhook disabled after the failures
	}{
		{name: "first seen disabled", at: 0, want: webhooks.KindWaiting, wantAt: 5 * time.Minute},
		{name: "four minutes later", at: 4*time.Minute + 59*time.Second, want: webhooks.KindWaiting, wantAt: 5 * time.Minute},
		{name: "five minutes later", at: 5 * time.Minute, want: webhooks.KindReactivated},
		{name: "old failures no longer count", at: 5*time.Minute + time.Second, fail: 1, want: webhooks.KindOK},
		{name: "disabled again", at: 6 * time.Minute, fail: 100, disable: true, want: webhooks.KindWaiting, wantAt: 16 * time.Minute},
		{name: "five minutes are not enough now", at: 11 * time.Minute, want: webhooks.KindWaiting, wantAt: 16 * time.Minute},
		{name: "after ten minutes", at: 16 * time.Minute, want: webhooks.KindReactivated},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			e.clock.Set(t0.Add(s.at))
			if s.fail > 0 {
				e.deliver(t, s.fail)
			}
			if got := e.hook(t, id).Status == "disabled"; s.fail > 0 && got != s.disable {
				t.Fatalf("disabled after %d failures: %v, want %v", s.fail, got, s.disable)
			}
			rep, err := m.Ensure(testCtx(t), spec)
			if err != nil {
				t.Fatal(err)
			}
			a := rep.Actions[0]
			if a.Kind != s.want {
				t.Fatalf("%s, want %s (%+v)", a.Kind, s.want, a)
			}
			if s.want == webhooks.KindWaiting && !a.At.Equal(t0.Add(s.wantAt)) {
				t.Errorf("re-activation at %s, want %s", a.At.Sub(t0), s.wantAt)
			}
			wantStatus := "disabled"
			if s.want != webhooks.KindWaiting {
				wantStatus = "active"
			}
			if h := e.hook(t, id); h.Status != wantStatus {
				t.Errorf("status %q, want %q", h.Status, wantStatus)
			}
		})
	}
}

// Reactivate, for the watchdog without a desired set, follows the same rule
// and touches nothing else.
func TestReactivateOnly(t *testing.T) {
	e := newEnv(t)
	m := e.manager(t, webhooks.Options{})
	mine := e.create(t, webex.WebhookRequest{Name: "webexpipe messages/created", TargetURL: failingTarget(t), Resource: "messages", Secret: secret})
	other := e.create(t, webex.WebhookRequest{Name: "not ours", TargetURL: "https://x.example.com", Resource: "rooms", Secret: "k"})
	for _, h := range []*webex.Webhook{mine, other} {
		if _, err := e.client.UpdateWebhook(testCtx(t), h.ID, webex.WebhookUpdate{Name: h.Name, TargetURL: h.TargetURL, Status: "disabled"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []struct {
		after time.Duration
		want  webhooks.Kind
	}{{0, webhooks.KindWaiting}, {5 * time.Minute, webhooks.KindReactivated}} {
		e.clock.Set(e.clock.Now().Add(step.after))
		rep, err := m.Reactivate(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Actions) != 1 || rep.Actions[0].Kind != step.want || rep.Foreign != 1 {
			t.Errorf("after %s: %+v", step.after, rep)
		}
	}
	if h := e.hook(t, mine.ID); h.Status != "active" || h.Secret != secret {
		t.Errorf("mine: %v", h)
	}
	if h := e.hook(t, other.ID); h.Status != "disabled" {
		t.Errorf("a foreign webhook was re-activated: %v", h)
	}
}

func TestListAndDelete(t *testing.T) {
	e := newEnv(t)
	m := e.manager(t, webhooks.Options{})
	mine := e.create(t, webex.WebhookRequest{Name: "webexpipe messages/created", TargetURL: okTarget(t), Resource: "messages", Secret: secret})
	other := e.create(t, webex.WebhookRequest{Name: "not ours", TargetURL: "https://x.example.com", Resource: "rooms"})

	hooks, err := m.List(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(hooks)
	if len(hooks) != 2 || !hooks[0].Managed || !hooks[0].Secret || hooks[1].Managed || hooks[1].Secret || strings.Contains(string(out), secret) {
		t.Errorf("list: %s", out)
	}
	tests := []struct {
		name    string
		ids     []string
		foreign bool
		want    error
	}{
		{name: "foreign refused", ids: []string{other.ID}, want: webhooks.ErrNotManaged},
		{name: "unknown", ids: []string{"nope"}, want: webhooks.ErrNoSuchWebhook},
		{name: "managed", ids: []string{mine.ID}},
		{name: "foreign when asked", ids: []string{other.ID}, foreign: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.Delete(testCtx(t), tt.ids, tt.foreign)
			if !errors.Is(err, tt.want) {
				t.Errorf("Delete = %v, want %v", err, tt.want)
			}
		})
	}
	if n := len(e.hooks(t)); n != 0 {
		t.Errorf("%d webhooks left", n)
	}
}

func TestSpec(t *testing.T) {
	good := webhooks.Spec{TargetURL: "https://bot.example.com/webhooks/webex", Secret: "s", Events: []events.ResourceEvent{messages}}
	tests := []struct {
		name string
		mod  func(*webhooks.Spec)
		ok   bool
	}{
		{name: "good", mod: func(*webhooks.Spec) {}, ok: true},
		{name: "firehose", mod: func(s *webhooks.Spec) { s.Events = []events.ResourceEvent{{Resource: "all", Event: "all"}} }, ok: true},
		{name: "unsigned allowed", mod: func(s *webhooks.Spec) { s.Secret, s.Unsigned = "", true }, ok: true},
		{name: "no secret", mod: func(s *webhooks.Spec) { s.Secret = "" }},
		{name: "relative target", mod: func(s *webhooks.Spec) { s.TargetURL = "/webhooks/webex" }},
		{name: "no events", mod: func(s *webhooks.Spec) { s.Events = nil }},
		{name: "twice", mod: func(s *webhooks.Spec) { s.Events = append(s.Events, messages) }},
		{name: "unsafe", mod: func(s *webhooks.Spec) { s.Events = []events.ResourceEvent{{Resource: "a.b", Event: "created"}} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := good
			tt.mod(&s)
			if err := s.Validate(); (err == nil) != tt.ok || (err != nil && !errors.Is(err, webhooks.ErrInvalidSpec)) {
				t.Errorf("Validate = %v, want ok %v", err, tt.ok)
			}
		})
	}
	got, err := webhooks.ParseEvents([]string{"messages", " attachmentActions/created ", "memberships/all", ""})
	if err != nil || len(got) != 3 || got[0] != messages || got[2] != (events.ResourceEvent{Resource: "memberships", Event: "all"}) {
		t.Errorf("ParseEvents = %v, %v", got, err)
	}
	if _, err := webhooks.ParseEvents([]string{"messages/cre ated"}); err == nil {
		t.Error("unsafe event accepted")
	}
}

// A disabled webhook whose target is wrong gets its target fixed at once
// (the wrong target is likely why it failed) and stays disabled until the
// five minutes have passed.
func TestDisabledWebhookIsFixedBeforeItIsReactivated(t *testing.T) {
	e := newEnv(t)
	m := e.manager(t, webhooks.Options{})
	target := okTarget(t)
	h := e.create(t, webex.WebhookRequest{Name: "webexpipe messages/created", TargetURL: "https://gone.example.com/hook", Resource: "messages", Secret: secret})
	if _, err := e.client.UpdateWebhook(testCtx(t), h.ID, webex.WebhookUpdate{Name: h.Name, TargetURL: h.TargetURL, Status: "disabled"}); err != nil {
		t.Fatal(err)
	}
	rep, err := m.Ensure(testCtx(t), webhooks.Spec{TargetURL: target, Secret: secret, Events: []events.ResourceEvent{messages}})
	if err != nil {
		t.Fatal(err)
	}
	a := rep.Actions[0]
	if a.Kind != webhooks.KindWaiting || a.Detail != "fixed target; still disabled" || !rep.Changed() {
		t.Errorf("action %+v, changed %v", a, rep.Changed())
	}
	if got := e.hook(t, h.ID); got.TargetURL != target || got.Status != "disabled" {
		t.Errorf("webhook %v", got)
	}
}
