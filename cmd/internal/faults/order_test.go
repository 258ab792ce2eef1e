package faults

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/admin/scan"
)

// checkRoomOrder checks that in every room the bot's replies follow the
// order in which the users' messages were stored, which ordered mode
// promises.
func (r *rig) checkRoomOrder() {
	t := r.t
	t.Helper()
	r.mu.Lock()
	posted := slices.Clone(r.posted)
	r.mu.Unlock()
	room := map[string]string{} // message id -> room
	for _, m := range posted {
		room[m.ID] = m.RoomID
	}
	nc, js := r.connect()
	defer nc.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	stored := map[string][]int{} // room -> message numbers in stored order
	re := regexp.MustCompile(`m-(\d+)\.`)
	number := map[string]int{}
	for i, m := range posted {
		number[m.ID] = i
	}
	err := scan.Each(ctx, js, scan.Range{Filters: []string{events.EventFilter("messages", "created")}}, nil, func(m *scan.Msg) error {
		env, err := events.Decode(m.Data)
		if err != nil {
			return nil // forged deliveries are refused, not stored; nothing else is undecodable
		}
		if rm, ok := room[env.Data.ID]; ok {
			stored[rm] = append(stored[rm], number[env.Data.ID])
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read the stored events: %v", err)
	}
	for rm, want := range stored {
		var got []int
		for _, m := range r.sim.BotMessages(rm) {
			if g := re.FindStringSubmatch(m.Markdown + " " + m.Text); g != nil {
				i, _ := strconv.Atoi(g[1])
				got = append(got, i)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("room %s: replies in the order %v, want the stored order %v", rm, got, want)
		}
	}
}
