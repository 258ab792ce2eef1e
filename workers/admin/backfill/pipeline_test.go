package backfill_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/pipelinetest"
	"github.com/webexpipe/webexpipe/workers/admin/backfill"
	"github.com/webexpipe/webexpipe/workers/echo"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestBackfillAfterLostDeliveries loses the webhooks of some messages on
// the way (the emulator's delivery switched off), then backfills: each lost
// message is answered once, the message that did arrive is not answered
// again, and a second backfill changes nothing. The subtests run in order
// on one pipeline.
func TestBackfillAfterLostDeliveries(t *testing.T) {
	p := pipelinetest.Start(t, pipelinetest.Options{})
	h, err := echo.New(p.Client, echo.Config{Logger: pipelinetest.Logger(t), RecheckAfter: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p.StartWorker(p.WorkerConfig(echo.Name, echo.Events), h)
	since := time.Now().Add(-time.Hour)

	arrived, err := p.Sim.PostAsUser(emulator.UserMessage{PersonEmail: "on-time@example.com", Text: "arrived"})
	if err != nil {
		t.Fatal(err)
	}
	p.Settle(2)

	p.Sim.SetDelivery(false)
	var lost []string // rooms of the lost messages
	for _, um := range []emulator.UserMessage{
		{PersonEmail: "a@example.com", Text: "lost one"},
		{PersonEmail: "b@example.com", Text: "lost two"},
		{RoomID: "space", RoomType: "group", PersonEmail: "c@example.com", Text: "lost three", MentionBot: true},
	} {
		m, err := p.Sim.PostAsUser(um)
		if err != nil {
			t.Fatal(err)
		}
		lost = append(lost, m.RoomID)
	}
	// Not for the bot: a group message without a mention is never delivered
	// to a bot, so it is not backfilled either.
	if _, err := p.Sim.PostAsUser(emulator.UserMessage{RoomID: "space", PersonEmail: "c@example.com", Text: "chatter"}); err != nil {
		t.Fatal(err)
	}
	p.Sim.SetDelivery(true)
	if d := p.Sim.Delivery(); d.Dropped != 3 {
		t.Fatalf("%d webhooks dropped, want 3", d.Dropped)
	}
	p.Settle(2)
	for _, room := range lost {
		if n := len(p.BotMessages(room)); n != 0 {
			t.Fatalf("room %s answered before the backfill", room)
		}
	}
	replies := func(room string) int { return len(p.BotMessages(room)) }

	t.Run("dry run stores nothing", func(t *testing.T) {
		var items []backfill.Item
		sum, err := backfill.Run(testCtx(t), p.JS, p.Client, backfill.Options{Since: since, DryRun: true,
			OnMessage: func(it backfill.Item) { items = append(items, it) }})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Messages != 4 || sum.Seen != 1 || sum.Missing != 3 || sum.Stored != 0 || sum.Own != 1 || len(items) != 4 {
			t.Errorf("summary %+v, %d items", sum, len(items))
		}
	})

	t.Run("each lost message is answered once", func(t *testing.T) {
		var items []backfill.Item
		sum, err := backfill.Run(testCtx(t), p.JS, p.Client, backfill.Options{Since: since,
			OnMessage: func(it backfill.Item) { items = append(items, it) }})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Stored != 3 || sum.Seen != 1 || sum.Duplicates != 0 || sum.Partial {
			t.Fatalf("summary %+v", sum)
		}
		p.Settle(2 + 3) // and the three replies, delivered back
		for _, room := range lost {
			if n := replies(room); n != 1 {
				t.Errorf("room %s has %d replies, want 1", room, n)
			}
		}
		if n := replies(arrived.RoomID); n != 1 {
			t.Errorf("the message that arrived has %d replies, want 1", n)
		}
		checkStored(t, p, items)
	})

	t.Run("a second backfill changes nothing", func(t *testing.T) {
		deliveries := len(p.Sim.Deliveries())
		sum, err := backfill.Run(testCtx(t), p.JS, p.Client, backfill.Options{Since: since})
		if err != nil {
			t.Fatal(err)
		}
		// Found by reading the stream, not dropped by the duplicate window.
		if sum.Stored != 0 || sum.Duplicates != 0 || sum.Seen != 4 {
			t.Errorf("summary %+v", sum)
		}
		p.Settle(deliveries)
		for _, room := range append(lost, arrived.RoomID) {
			if n := replies(room); n != 1 {
				t.Errorf("room %s has %d replies, want 1", room, n)
			}
		}
	})

	t.Run("one room", func(t *testing.T) {
		// Named rooms are read one by one: listing every room of the bot
		// is not needed, and here not even possible.
		p.Sim.InjectFault(emulator.Fault{Method: http.MethodGet, Path: "/rooms", Status: http.StatusInternalServerError})
		t.Cleanup(p.Sim.ClearFaults)
		sum, err := backfill.Run(testCtx(t), p.JS, p.Client, backfill.Options{Since: since, Rooms: []string{lost[0]}, DryRun: true})
		if err != nil || sum.Rooms != 1 || sum.Messages != 1 {
			t.Errorf("summary %+v, %v", sum, err)
		}
		if _, err := backfill.Run(testCtx(t), p.JS, p.Client, backfill.Options{Since: since, Rooms: []string{"nowhere"}}); !errors.Is(err, backfill.ErrUnknownRoom) {
			t.Errorf("unknown room: %v", err)
		}
	})
}

// checkStored checks the backfilled events: marked, on the room's
// partition, with the dedup key as Nats-Msg-Id.
func checkStored(t *testing.T, p *pipelinetest.Pipeline, items []backfill.Item) {
	t.Helper()
	s, err := p.JS.Stream(testCtx(t), events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if !it.Stored {
			continue
		}
		m, err := s.GetMsg(testCtx(t), it.Seq)
		if err != nil {
			t.Fatal(err)
		}
		env, err := events.Decode(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		var marker struct {
			Backfilled bool `json:"webexpipeBackfilled"`
		}
		_ = json.Unmarshal(m.Data, &marker)
		if m.Subject != env.Subject(events.DefaultPartitions) || env.Data.ID != it.MessageID || env.Data.RoomID != it.RoomID ||
			!marker.Backfilled || m.Header.Get(events.HeaderBackfilled) != "true" ||
			m.Header.Get(events.HeaderMsgID) != events.MsgID("messages:created:"+it.MessageID) {
			t.Errorf("stored event %d: %s %v %s", it.Seq, m.Subject, m.Header, m.Data)
		}
	}
}
