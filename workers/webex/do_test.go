package webex_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

func TestDoSendsAStoredCall(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, 0)
	ctx := testContext(t)
	user, err := srv.PostAsUser(emulator.UserMessage{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(webex.MessageRequest{RoomID: user.RoomID, Markdown: "stored reply"})
	var sent webex.Message
	if err := c.Do(ctx, http.MethodPost, "/messages", body, &sent); err != nil {
		t.Fatal(err)
	}
	if sent.ID == "" || sent.Markdown != "stored reply" {
		t.Errorf("sent = %+v", sent)
	}
	if err := c.Do(ctx, http.MethodDelete, "/messages/"+sent.ID, nil, nil); err != nil {
		t.Fatalf("delete: %v", err)
	}

	srv.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/messages", Status: 503, Times: 1})
	err = c.Do(ctx, http.MethodPost, "/messages", body, nil)
	var apiErr *webex.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || !webex.IsRetryable(err) {
		t.Errorf("503: err = %v", err)
	}
}

func TestDoRefusesPathsOutsideTheAPI(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, 0)
	tests := []struct{ name, method, path, body string }{
		{"absolute URL", http.MethodPost, "http://evil.example/messages", `{}`},
		{"no leading slash", http.MethodPost, "messages", `{}`},
		{"scheme-relative", http.MethodPost, "//evil.example/messages", `{}`},
		{"dot dot", http.MethodGet, "/../people/me", ""},
		{"escaped dot dot", http.MethodGet, "/%2e%2e/people/me", ""},
		{"query", http.MethodGet, "/messages?roomId=x", ""},
		{"fragment", http.MethodGet, "/messages#x", ""},
		{"unknown method", "TRACE", "/messages", ""},
		{"body not JSON", http.MethodPost, "/messages", `{"roomId":`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.Do(testContext(t), tt.method, tt.path, json.RawMessage(tt.body), nil)
			if !errors.Is(err, webex.ErrInvalidRequest) {
				t.Fatalf("err = %v, want ErrInvalidRequest", err)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Error("error holds the token")
			}
		})
	}
	if n := len(srv.Calls()); n != 0 {
		t.Errorf("%d calls reached the emulator, want 0", n)
	}
}

func TestTokenKey(t *testing.T) {
	a, _ := webex.New(webex.Config{Token: testToken})
	b, _ := webex.New(webex.Config{Token: testToken, BaseURL: "http://127.0.0.1:1/v1"})
	other, _ := webex.New(webex.Config{Token: testToken + "x"})
	if a.TokenKey() != b.TokenKey() {
		t.Error("the key depends on more than the token")
	}
	if a.TokenKey() == other.TokenKey() {
		t.Error("two tokens share a key")
	}
	if k := a.TokenKey(); len(k) != 32 || strings.Contains(k, testToken) || strings.Contains(testToken, k) {
		t.Errorf("TokenKey = %q", k)
	}
}
