package backfill

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// clock is a settable clock for the emulator.
type clock struct {
	mu sync.Mutex // guards t
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// The messages of a window span pages and stop at the window's start.
func TestMessagesOfTheWindow(t *testing.T) {
	t0 := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	c := &clock{t: t0}
	sim := emulator.NewTest(t, emulator.Options{Now: c.now})
	api, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	post := func(n int, room string) {
		for i := range n {
			if _, err := sim.PostAsUser(emulator.UserMessage{RoomID: room, Text: fmt.Sprint(i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	post(30, "dm")
	c.set(t0.Add(time.Hour))
	post(110, "dm")

	tests := []struct {
		name  string
		since time.Time
		want  int
	}{
		{name: "the last hour, over two pages", since: t0.Add(time.Hour), want: 110},
		{name: "everything", since: t0, want: 140},
		{name: "nothing yet", since: t0.Add(2 * time.Hour), want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := messages(ctx, api, webex.Room{ID: "dm", Type: "direct"}, tt.since)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want {
				t.Fatalf("%d messages, want %d", len(got), tt.want)
			}
			if len(got) > 1 && got[0].Created > got[len(got)-1].Created {
				t.Errorf("not oldest first: %s ... %s", got[0].Created, got[len(got)-1].Created)
			}
		})
	}
}
