package retry_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/admin/scan"
	"github.com/webexpipe/webexpipe/workers/echo"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// TestOrderedModeHoldsTheRoomOn503 has a user send twenty messages to an
// echo worker in ordered mode, with its outbox and a retry worker running,
// while Webex refuses the first five replies with 503. The failed replies
// must not go to the retry worker (they would be posted after the room's
// later replies): the room waits, and the replies come out in the order
// the messages were stored.
func TestOrderedModeHoldsTheRoomOn503(t *testing.T) {
	t.Parallel()
	const n = 20
	h := newHarness(t, options{})
	p := h.process(echo.Name, true)
	hd, err := echo.New(p.client, echo.Config{Mode: echo.ModeText, RecheckAfter: time.Second, Logger: h.logger("echo")})
	if err != nil {
		t.Fatal(err)
	}
	cfg := fastRuntime(echo.Name)
	cfg.Events = echo.Events
	cfg.Ordered = true
	h.run(p.js, cfg, hd)
	h.startRetry(fastRetry())
	h.sim.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/messages", Status: http.StatusServiceUnavailable, Times: 5})

	var room string
	for i := range n {
		m, err := h.sim.PostAsUser(emulator.UserMessage{PersonEmail: "orderly@example.com", Text: fmt.Sprintf("m-%d. in order", i)})
		if err != nil {
			t.Fatal(err)
		}
		room = m.RoomID
	}
	waitfor.Until(t, 60*time.Second, func() (bool, string) {
		got := len(h.sim.BotMessages(room))
		return got >= n, fmt.Sprintf("%d of %d replies", got, n)
	})
	h.settle(2 * n)

	want := storedOrder(t, h, room)
	var got []int
	marker := regexp.MustCompile(`m-(\d+)\.`)
	for _, m := range h.sim.BotMessages(room) {
		if g := marker.FindStringSubmatch(m.Markdown); g != nil {
			i, _ := strconv.Atoi(g[1])
			got = append(got, i)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("replies in the order %v, want the messages' stored order %v", got, want)
	}
	refused := 0
	for _, c := range h.posts() {
		if c.Status == http.StatusServiceUnavailable {
			refused++
		}
	}
	if refused != 5 {
		t.Errorf("%d POSTs refused, want the 5 injected", refused)
	}
	if n := h.streamMsgs(events.CallsStream); n != 0 {
		t.Errorf("%d calls wait on %s", n, events.CallsStream)
	}
}

// storedOrder returns the numbers of the user's messages in room in the
// order ingest stored their events, which ordered mode follows.
func storedOrder(t *testing.T, h *harness, room string) []int {
	t.Helper()
	ids := map[string]int{}
	marker := regexp.MustCompile(`m-(\d+)\.`)
	for _, m := range h.sim.RoomMessages(room) {
		if g := marker.FindStringSubmatch(m.Text); g != nil && m.PersonID != h.sim.Bot().ID {
			i, _ := strconv.Atoi(g[1])
			ids[m.ID] = i
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var order []int
	err := scan.Each(ctx, h.js, scan.Range{Filters: []string{events.EventFilter("messages", "created")}}, nil, func(m *scan.Msg) error {
		env, err := events.Decode(m.Data)
		if err != nil {
			return err
		}
		if i, ok := ids[env.Data.ID]; ok {
			order = append(order, i)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(order) != len(ids) {
		t.Fatalf("%d of %d messages stored", len(order), len(ids))
	}
	return order
}
