package echo_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/pipelinetest"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/echo"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// TestEveryShardAnswered: with the events split over three streams, users
// in rooms of every shard each get one reply per message, in the shared
// mode and in ordered mode, where each room's replies also come in the
// order its messages' events were stored (the emulator delivers webhooks
// concurrently, as Webex may, so that need not be the order they were
// written).
func TestEveryShardAnswered(t *testing.T) {
	for _, ordered := range []bool{false, true} {
		t.Run(map[bool]string{false: "shared", true: "ordered"}[ordered], func(t *testing.T) {
			t.Parallel()
			p := &pipeline{pipelinetest.Start(t, pipelinetest.Options{Shards: 3})}
			h, err := echo.New(p.Client, echo.Config{Logger: pipelinetest.Logger(p.T), RecheckAfter: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			cfg := p.WorkerConfig(echo.Name, echo.Events)
			cfg.Ordered = ordered
			cfg.Concurrency = 4
			p.StartWorker(cfg, h)

			rooms := directRoomsOnEveryShard(p.Sharding, 2)
			const perRoom = 3
			for i := range perRoom {
				for r, room := range rooms {
					if _, err := p.Sim.PostAsUser(emulator.UserMessage{
						RoomID: room, PersonEmail: fmt.Sprintf("user%d@example.com", r), Text: fmt.Sprintf("message %d", i),
					}); err != nil {
						t.Fatal(err)
					}
				}
			}
			// Each message and each reply is a delivery.
			deliveries := 2 * perRoom * len(rooms)
			waitfor.Until(t, 30*time.Second, func() (bool, string) {
				n := 0
				for _, room := range rooms {
					n += len(p.replies(room))
				}
				return n >= perRoom*len(rooms), fmt.Sprintf("%d of %d replies", n, perRoom*len(rooms))
			})
			p.settle(deliveries)

			for _, room := range rooms {
				replies := p.replies(room)
				if len(replies) != perRoom {
					t.Errorf("room %s: %d replies, want %d", room, len(replies), perRoom)
					continue
				}
				if !ordered {
					continue
				}
				stored := storedTexts(t, p, room)
				for i, m := range replies {
					if i >= len(stored) || !strings.Contains(m.Markdown, "**You said:**\n\n"+stored[i]+"\n") {
						t.Errorf("room %s: reply %d does not answer the event stored %d-th (stored: %q):\n%s", room, i, i+1, stored, m.Markdown)
					}
				}
			}
			for _, stream := range p.Sharding.Streams() {
				s, err := p.JS.Stream(t.Context(), stream)
				if err != nil {
					t.Fatal(err)
				}
				if n := s.CachedInfo().State.Msgs; n == 0 {
					t.Errorf("stream %s stored no event", stream)
				}
			}
		})
	}
}

// directRoomsOnEveryShard names n direct rooms per shard of sh: room ids
// the emulator creates on first use, chosen by the partition they hash to.
func directRoomsOnEveryShard(sh events.Sharding, n int) []string {
	per := make([]int, sh.Shards)
	var rooms []string
	for i := 0; len(rooms) < n*sh.Shards; i++ {
		room := "shard-room-" + strconv.Itoa(i)
		k := sh.Of(events.Partition(room, sh.Partitions))
		if per[k] < n {
			per[k]++
			rooms = append(rooms, room)
		}
	}
	return rooms
}

// storedTexts lists the texts of the user messages of room in the order
// their events were stored, read from the room's shard stream.
func storedTexts(t *testing.T, p *pipeline, room string) []string {
	t.Helper()
	text := map[string]string{}
	for _, m := range p.Sim.RoomMessages(room) {
		text[m.ID] = m.Text
	}
	s, err := p.JS.Stream(t.Context(), p.Sharding.StreamOf(events.Partition(room, p.Sharding.Partitions)))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for seq := uint64(1); seq <= s.CachedInfo().State.LastSeq; seq++ {
		m, err := s.GetMsg(t.Context(), seq)
		if err != nil {
			continue // deleted, or not this stream's
		}
		env, err := events.Decode(m.Data)
		if err != nil || env.Data.RoomID != room || env.Data.PersonID == p.Sim.Bot().ID {
			continue
		}
		out = append(out, text[env.Data.ID])
	}
	return out
}
