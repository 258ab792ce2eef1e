package console_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/admin/console"
)

// TestOverviewNamesBots: a bot's consumer (<worker>@<bot>) and dead letter
// show their bot; the default bot's show "default".
func TestOverviewNamesBots(t *testing.T) {
	f := start(t, console.Config{})
	cfg, err := events.ConsumerConfig(events.ConsumerOptions{Worker: "echo", Bot: "sales", Events: []events.ResourceEvent{{Resource: "messages", Event: "created"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.js.CreateOrUpdateConsumer(testCtx(t), events.EventsStream, cfg); err != nil {
		t.Fatal(err)
	}
	dl := nats.NewMsg(events.DLQSubject("echo"))
	dl.Data = []byte(eventBody)
	dl.Header.Set(events.HeaderWorker, "echo")
	dl.Header.Set(events.HeaderOrigSubject, events.BotEventSubject("sales", "messages", "created", 3))
	events.SetBot(dl.Header, "sales")
	ack, err := f.js.PublishMsg(testCtx(t), dl)
	if err != nil {
		t.Fatal(err)
	}
	code, body := f.get(t, "/?refresh=off")
	if code != http.StatusOK {
		t.Fatalf("GET /: %d", code)
	}
	for _, want := range []string{
		`<td>echo@sales</td><td>sales</td>`, `<td>stalled</td><td>default</td>`, // the backlogs
		`<td>sales</td><td>echo</td>`, `<td>default</td><td>echo</td>`, // the dead letters
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the overview lacks %q", want)
		}
	}
	if _, page := f.get(t, "/dlq/"+strconv.FormatUint(ack.Sequence, 10)); !strings.Contains(page, "<tr><th>bot</th><td>sales</td></tr>") {
		t.Errorf("the dead letter's page does not name its bot:\n%s", page)
	}
}
