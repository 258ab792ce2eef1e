package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/workers/webex"
)

func TestControlMessages(t *testing.T) {
	s := NewTest(t, Options{})
	resp, body := call(t, s, "POST", "/_sim/messages", "", "", `{"personEmail":"carol@example.com","text":"via control"}`)
	var m webex.Message
	if err := json.Unmarshal(body, &m); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /_sim/messages: %d %s", resp.StatusCode, body)
	}
	if m.ID == "" || m.PersonEmail != "carol@example.com" || m.Text != "via control" || m.RoomType != "direct" {
		t.Errorf("created %+v", m)
	}
	if resp, body := call(t, s, "POST", "/_sim/messages", "", "", `{"roomType":"group","text":"x"}`); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("invalid user message: %d %s", resp.StatusCode, body)
	}
	if _, err := client(t, s).SendMessage(testContext(t), &webex.MessageRequest{RoomID: m.RoomID, Text: "answer"}); err != nil {
		t.Fatal(err)
	}

	resp, body = call(t, s, "GET", "/_sim/rooms/"+m.RoomID+"/messages", "", "", "")
	var page items[webex.Message]
	if err := json.Unmarshal(body, &page); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET room messages: %d %s", resp.StatusCode, body)
	}
	if len(page.Items) != 2 || page.Items[0].ID != m.ID || page.Items[1].Text != "answer" {
		t.Errorf("room messages = %+v, want oldest first", page.Items)
	}
	if resp, _ := call(t, s, "GET", "/_sim/rooms/nowhere/messages", "", "", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown room: %d", resp.StatusCode)
	}
}

func TestControlCallsAndDeliveries(t *testing.T) {
	s := NewTest(t, Options{})
	tg := newTarget(t, http.StatusOK)
	addWebhook(t, s, webex.WebhookRequest{TargetURL: tg.URL, Resource: "messages", Event: "created", Secret: "k"})
	if _, err := s.PostAsUser(UserMessage{Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	settle(t, s)

	_, body := call(t, s, "GET", "/_sim/calls", "", "", "")
	var calls struct {
		Items []struct {
			Method, Path, Body string
			Status             int
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &calls); err != nil {
		t.Fatal(err)
	}
	if len(calls.Items) != 1 || calls.Items[0].Method != "POST" || calls.Items[0].Path != "/webhooks" ||
		calls.Items[0].Status != 200 || !strings.Contains(calls.Items[0].Body, `"resource":"messages"`) {
		t.Errorf("calls = %s", body)
	}

	_, body = call(t, s, "GET", "/_sim/deliveries", "", "", "")
	var ds struct {
		Items []struct {
			Body, Signature string
			Status          int
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &ds); err != nil {
		t.Fatal(err)
	}
	if len(ds.Items) != 1 || ds.Items[0].Status != 200 || ds.Items[0].Signature == "" || !strings.HasPrefix(ds.Items[0].Body, `{"id":`) {
		t.Errorf("deliveries = %s", body)
	}

	if resp, body := call(t, s, "POST", "/_sim/deliveries/0/redeliver", "", "", ""); resp.StatusCode != http.StatusNoContent {
		t.Errorf("redeliver: %d %s", resp.StatusCode, body)
	}
	if n := len(tg.requests()); n != 2 {
		t.Errorf("target got %d requests after a redelivery, want 2", n)
	}
	if resp, _ := call(t, s, "POST", "/_sim/deliveries/9/redeliver", "", "", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("redeliver of a missing delivery: %d", resp.StatusCode)
	}
}

func TestControlAttachmentAction(t *testing.T) {
	s := NewTest(t, Options{})
	resp, body := call(t, s, "POST", "/_sim/attachment/actions", "", "", `{"messageId":"m1","inputs":{"answer":"42"}}`)
	var a webex.AttachmentAction
	if err := json.Unmarshal(body, &a); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST action: %d %s", resp.StatusCode, body)
	}
	got, err := client(t, s).AttachmentAction(testContext(t), a.ID)
	if err != nil || got.Inputs["answer"] != "42" || got.Type != "submit" || got.MessageID != "m1" {
		t.Errorf("AttachmentAction = %+v, %v", got, err)
	}
}

func TestControlFaults(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		want  Fault
		valid bool
	}{
		{"delay in ms", `{"path":"/messages","delay":250,"times":1}`, Fault{Path: "/messages", Delay: 250 * time.Millisecond, Times: 1}, true},
		{"delay as duration", `{"method":"post","path":"/v1/messages","status":429,"retryAfter":"abc","delay":"1.5s"}`,
			Fault{Method: "POST", Path: "/messages", Status: 429, RetryAfter: "abc", Delay: 1500 * time.Millisecond}, true},
		{"delay as ms string", `{"status":503,"delay":"20"}`, Fault{Status: 503, Delay: 20 * time.Millisecond}, true},
		{"nothing to do", `{"path":"/messages"}`, Fault{}, false},
		{"bad status", `{"status":42}`, Fault{}, false},
		{"bad delay", `{"status":500,"delay":"soon"}`, Fault{}, false},
		{"negative times", `{"status":500,"times":-1}`, Fault{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewTest(t, Options{})
			resp, body := call(t, s, "POST", "/_sim/faults", "", "application/json", tt.body)
			if !tt.valid {
				if resp.StatusCode != http.StatusBadRequest {
					t.Errorf("status %d, want 400: %s", resp.StatusCode, body)
				}
				return
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if got := s.Faults(); len(got) != 1 || got[0] != tt.want {
				t.Errorf("Faults() = %+v, want %+v", got, tt.want)
			}
			_, body = call(t, s, "GET", "/_sim/faults", "", "", "")
			var listed items[Fault]
			if err := json.Unmarshal(body, &listed); err != nil || len(listed.Items) != 1 || listed.Items[0] != tt.want {
				t.Errorf("GET /_sim/faults = %s (%v)", body, err)
			}
			if resp, _ := call(t, s, "DELETE", "/_sim/faults", "", "", ""); resp.StatusCode != http.StatusNoContent || len(s.Faults()) != 0 {
				t.Errorf("DELETE /_sim/faults: %d, %d left", resp.StatusCode, len(s.Faults()))
			}
		})
	}
}

func TestFaultMatching(t *testing.T) {
	s := NewTest(t, Options{})
	c := client(t, s)
	ctx := testContext(t)
	in, err := s.PostAsUser(UserMessage{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	get := func() error { _, err := c.Message(ctx, in.ID); return err }
	list := func() error { _, err := c.ListMessages(ctx, webex.ListMessagesParams{RoomID: in.RoomID}); return err }
	post := func() error {
		_, err := c.SendMessage(ctx, &webex.MessageRequest{RoomID: in.RoomID, Text: "x"})
		return err
	}
	status := func(err error) int {
		var ae *webex.APIError
		if errors.As(err, &ae) {
			return ae.StatusCode
		}
		if err != nil {
			return -1
		}
		return 200
	}
	tests := []struct {
		name  string
		fault Fault
		calls []func() error
		want  []int
	}{
		{"times", Fault{Path: "/messages", Status: 503, Times: 2}, []func() error{list, list, list}, []int{503, 503, 200}},
		{"until cleared", Fault{Path: "/messages", Status: 500}, []func() error{list, list, list}, []int{500, 500, 500}},
		{"exact path", Fault{Path: "/messages", Status: 500}, []func() error{get, list}, []int{200, 500}},
		{"prefix", Fault{Path: "/messages/", Status: 404}, []func() error{get, list}, []int{404, 200}},
		{"method", Fault{Method: "POST", Path: "/messages", Status: 429}, []func() error{list, post}, []int{200, 429}},
		{"any path", Fault{Status: 502, Times: 1}, []func() error{get, get}, []int{502, 200}},
		{"delay only serves", Fault{Path: "/messages/", Delay: 20 * time.Millisecond}, []func() error{get}, []int{200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Cleanup(s.ClearFaults)
			s.InjectFault(tt.fault)
			for i, f := range tt.calls {
				if got := status(f()); got != tt.want[i] {
					t.Errorf("call %d: status %d, want %d", i, got, tt.want[i])
				}
			}
		})
	}
}

// TestDelayedPostStillTakesEffect shows why a timed-out POST has an unknown
// outcome: the emulator, like Webex, finishes it after the client gave up.
func TestDelayedPostStillTakesEffect(t *testing.T) {
	s := NewTest(t, Options{})
	in, err := s.PostAsUser(UserMessage{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := webex.New(webex.Config{BaseURL: s.URL(), Token: s.Token(), Timeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s.InjectFault(Fault{Method: "POST", Path: "/messages", Delay: 100 * time.Millisecond, Times: 1})
	_, err = c.SendMessage(testContext(t), &webex.MessageRequest{RoomID: in.RoomID, Text: "late"})
	if !webex.OutcomeUnknown(err) {
		t.Fatalf("SendMessage = %v, want an unknown outcome", err)
	}
	waitFor(t, "the late message", func() bool { return len(s.RoomMessages(in.RoomID)) == 2 })
	// The message is stored before the call's answer is recorded.
	waitFor(t, "the delayed call's answer", func() bool { calls := s.Calls(); return calls[len(calls)-1].Status != 0 })
	if calls := s.Calls(); calls[len(calls)-1].Status != http.StatusOK {
		t.Errorf("the delayed call is recorded with status %d", calls[len(calls)-1].Status)
	}
}
