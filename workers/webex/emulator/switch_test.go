package emulator

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// With delivery off, events happen but no webhook goes out and none counts
// as failed; switched on again, new events are delivered.
func TestDeliverySwitch(t *testing.T) {
	s := NewTest(t, Options{})
	tg := newTarget(t, http.StatusOK)
	addWebhook(t, s, webex.WebhookRequest{TargetURL: tg.URL, Resource: "messages", Event: "created"})

	resp, body := call(t, s, "PUT", "/_sim/delivery", "", "", `{"enabled":false}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT /_sim/delivery: %d %s", resp.StatusCode, body)
	}
	lost, err := s.PostAsUser(UserMessage{Text: "lost on the way"})
	if err != nil {
		t.Fatal(err)
	}
	settle(t, s)
	if n := len(tg.requests()); n != 0 || len(s.Deliveries()) != 0 {
		t.Fatalf("%d webhooks received, %d recorded while delivery was off", n, len(s.Deliveries()))
	}
	if got := s.RoomMessages(lost.RoomID); len(got) != 1 {
		t.Errorf("the message was not stored: %+v", got)
	}
	_, body = call(t, s, "GET", "/_sim/delivery", "", "", "")
	var st DeliveryState
	if err := json.Unmarshal(body, &st); err != nil || st.Enabled || st.Dropped != 1 {
		t.Errorf("delivery state %s (%v)", body, err)
	}

	s.SetDelivery(true)
	if _, err := s.PostAsUser(UserMessage{Text: "delivered"}); err != nil {
		t.Fatal(err)
	}
	settle(t, s)
	if n := len(tg.requests()); n != 1 {
		t.Errorf("%d webhooks after delivery was switched on, want 1", n)
	}
	if resp, _ := call(t, s, "PUT", "/_sim/delivery", "", "", `{}`); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("PUT without enabled: %d", resp.StatusCode)
	}
}

func TestChangeMembership(t *testing.T) {
	s := NewTest(t, Options{})
	tg := newTarget(t, http.StatusOK)
	addWebhook(t, s, webex.WebhookRequest{TargetURL: tg.URL, Resource: "memberships", Event: "all"})
	tests := []struct {
		name    string
		body    string
		status  int
		event   string
		wantHit bool
	}{
		{name: "join", body: `{"roomId":"space-1","personEmail":"dana@example.com"}`, status: http.StatusOK, event: "created", wantHit: true},
		{name: "leave", body: `{"roomId":"space-1","personEmail":"dana@example.com","event":"deleted"}`, status: http.StatusOK, event: "deleted", wantHit: true},
		{name: "no room", body: `{"personEmail":"dana@example.com"}`, status: http.StatusBadRequest},
		{name: "odd event", body: `{"roomId":"space-1","personEmail":"dana@example.com","event":"exploded"}`, status: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(tg.requests())
			resp, body := call(t, s, "POST", "/_sim/memberships", "", "", tt.body)
			if resp.StatusCode != tt.status {
				t.Fatalf("POST /_sim/memberships: %d %s", resp.StatusCode, body)
			}
			settle(t, s)
			got := tg.requests()
			if !tt.wantHit {
				if len(got) != before {
					t.Errorf("a refused change was delivered")
				}
				return
			}
			if len(got) != before+1 {
				t.Fatalf("%d deliveries, want %d", len(got), before+1)
			}
			var env struct {
				Resource, Event string
				Data            Membership
			}
			if err := json.Unmarshal(got[len(got)-1].body, &env); err != nil {
				t.Fatal(err)
			}
			if env.Resource != "memberships" || env.Event != tt.event || env.Data.RoomID != "space-1" ||
				env.Data.PersonEmail != "dana@example.com" || env.Data.RoomType != "group" || env.Data.ID == "" {
				t.Errorf("delivered %+v", env)
			}
		})
	}
}
