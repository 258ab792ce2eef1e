package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/cmd/internal/proctest"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
)

// TestStartAtFromTheEnvironment runs membership-worker for the first time
// with START_AT set to a moment between stored memberships: it logs the
// ones stored after that moment and none before, then stops cleanly.
func TestStartAtFromTheEnvironment(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := proctest.Build(t, t.TempDir(), ".")
	srv, _, js := localnats.StartProvisioned(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	store := func(who string) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"id": "wh", "resource": "memberships", "event": "created",
			"data": map[string]any{"id": "mb-" + who, "roomId": "space", "personId": "p-" + who, "personEmail": who + "@example.com"}})
		msg := nats.NewMsg(events.EventSubject("memberships", "created", 0))
		msg.Data = body
		if _, err := js.PublishMsg(ctx, msg, jetstream.WithMsgID("memberships:created:mb-"+who)); err != nil {
			t.Fatal(err)
		}
	}
	store("early")
	at := time.Now()
	for !time.Now().After(at) {
		time.Sleep(time.Millisecond) // until the clock moves past at, bounded by its resolution
	}
	store("late1")
	store("late2")

	p := proctest.Start(t, bin, "NATS_URL="+srv.ClientURL(), "PROVISION=false", "METRICS_ADDR=127.0.0.1:0",
		"START_AT="+at.UTC().Format(time.RFC3339Nano))
	p.Await(t, regexp.MustCompile(`msg="worker started".* start_at="time `))
	for _, who := range []string{"late1", "late2"} {
		p.Await(t, regexp.MustCompile(`msg="person joined a room" .*person=`+who+`@example.com`))
	}
	p.Stop(t)
	if strings.Contains(p.Output(), "early@example.com") {
		t.Errorf("a membership stored before START_AT was handled:\n%s", p.Output())
	}
}
