package webex_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

func TestRooms(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, 0)
	for i := range 3 {
		if _, err := srv.PostAsUser(emulator.UserMessage{PersonEmail: fmt.Sprintf("u%d@example.com", i), Text: "hi"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := srv.PostAsUser(emulator.UserMessage{RoomID: "space", RoomType: "group", Text: "hi all"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		p    webex.ListRoomsParams
		want int
	}{
		{name: "all", want: 4},
		{name: "direct", p: webex.ListRoomsParams{Type: "direct"}, want: 3},
		{name: "group", p: webex.ListRoomsParams{Type: "group"}, want: 1},
		{name: "at most two", p: webex.ListRoomsParams{Max: 2}, want: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rooms, err := c.Rooms(testContext(t), tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if len(rooms) != tt.want {
				t.Fatalf("%d rooms, want %d", len(rooms), tt.want)
			}
			for _, r := range rooms {
				if r.ID == "" || r.Type == "" || (tt.p.Type != "" && r.Type != tt.p.Type) {
					t.Errorf("room %+v", r)
				}
			}
		})
	}
	if _, err := c.Rooms(testContext(t), webex.ListRoomsParams{Type: "public"}); !errors.Is(err, webex.ErrInvalidRequest) {
		t.Errorf("odd type: %v", err)
	}
}
