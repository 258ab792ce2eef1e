package backfill_test

import (
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/workers/admin/backfill"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// Progress is called once per room, with the rooms of the window and the
// summary so far.
func TestProgressPerRoom(t *testing.T) {
	_, _, js := localnats.StartProvisioned(t)
	sim := emulator.NewTest(t, emulator.Options{})
	api, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		if _, err := sim.PostAsUser(emulator.UserMessage{PersonEmail: who, Text: "hello"}); err != nil {
			t.Fatal(err)
		}
	}
	type call struct{ done, messages, rooms int }
	var calls []call
	sum, err := backfill.Run(testCtx(t), js, api, backfill.Options{Since: time.Now().Add(-time.Hour), DryRun: true,
		Progress: func(s backfill.Summary, rooms int) { calls = append(calls, call{s.Rooms, s.Messages, rooms}) }})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rooms != 3 || len(calls) != 3 {
		t.Fatalf("summary %+v, progress %v: want 3 rooms, one call each", sum, calls)
	}
	for i, c := range calls {
		if c.done != i+1 || c.rooms != 3 || c.messages != i+1 {
			t.Errorf("call %d = %+v, want %d of 3 rooms, %d messages", i, c, i+1, i+1)
		}
	}
}
