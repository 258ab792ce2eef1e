package webex_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

func TestAPIErrorCarriesWebexDetails(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, 0)
	_, err := c.Message(testContext(t), "no-such-message")

	var ae *webex.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("Message(unknown) error = %v (%T), want *APIError", err, err)
	}
	if ae.StatusCode != http.StatusNotFound || ae.Method != http.MethodGet || ae.Path != "/messages/no-such-message" {
		t.Errorf("APIError = %+v", ae)
	}
	if ae.Message == "" || !strings.HasPrefix(ae.TrackingID, "EMULATOR_") {
		t.Errorf("APIError lacks Webex's message or tracking id: %+v", ae)
	}
	for _, part := range []string{"GET", "/messages/no-such-message", "404", ae.Message, ae.TrackingID} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("Error() = %q lacks %q", err, part)
		}
	}
	if !ae.Permanent() || ae.Retryable() || webex.IsRetryable(err) || webex.OutcomeUnknown(err) {
		t.Errorf("404 classified wrongly: permanent %v retryable %v", ae.Permanent(), ae.Retryable())
	}
}

func TestWrongToken(t *testing.T) {
	srv := newEmulator(t)
	c, err := webex.New(webex.Config{BaseURL: srv.URL(), Token: "wrong-" + testToken})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Me(testContext(t))
	var ae *webex.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusUnauthorized || !ae.Permanent() {
		t.Fatalf("Me with a wrong token: %v, want a permanent 401", err)
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("error shows the token: %v", err)
	}
}

func TestStatusClassification(t *testing.T) {
	tests := []struct {
		status         int
		retryable      bool
		outcomeUnknown bool // for a POST
	}{
		{400, false, false}, {401, false, false}, {403, false, false}, {404, false, false},
		{409, false, false}, {410, false, false}, {415, false, false},
		{423, true, false}, {429, true, false},
		{500, true, false}, {501, false, false}, {502, true, true}, {503, true, false}, {504, true, true},
	}
	srv := newEmulator(t)
	c := newClient(t, srv, 0)
	ctx := testContext(t)
	in, err := srv.PostAsUser(emulator.UserMessage{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			t.Cleanup(srv.ClearFaults)
			srv.InjectFault(emulator.Fault{Status: tt.status})

			_, postErr := c.SendMessage(ctx, &webex.MessageRequest{RoomID: in.RoomID, Text: "x"})
			_, getErr := c.Message(ctx, in.ID)
			for _, err := range []error{postErr, getErr} {
				var ae *webex.APIError
				if !errors.As(err, &ae) || ae.StatusCode != tt.status {
					t.Fatalf("error = %v, want APIError %d", err, tt.status)
				}
				if ae.Retryable() != tt.retryable || ae.Permanent() == tt.retryable || webex.IsRetryable(err) != tt.retryable {
					t.Errorf("%s: Retryable %v Permanent %v IsRetryable %v, want retryable %v",
						ae.Method, ae.Retryable(), ae.Permanent(), webex.IsRetryable(err), tt.retryable)
				}
			}
			if got := webex.OutcomeUnknown(postErr); got != tt.outcomeUnknown {
				t.Errorf("OutcomeUnknown(POST %d) = %v, want %v", tt.status, got, tt.outcomeUnknown)
			}
			if webex.OutcomeUnknown(getErr) {
				t.Errorf("OutcomeUnknown(GET %d) = true, a GET can always be repeated", tt.status)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, 0)
	ctx := testContext(t)
	in, err := srv.PostAsUser(emulator.UserMessage{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	httpDate := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(http.TimeFormat) }
	tests := []struct {
		name       string
		status     int
		retryAfter string
		min, max   time.Duration
	}{
		{"429 seconds", 429, "30", 30 * time.Second, 30 * time.Second},
		{"429 zero", 429, "0", webex.MinRetryAfter, webex.MinRetryAfter},
		{"423 zero", 423, "0", webex.MinRetryAfter, webex.MinRetryAfter},
		{"429 missing", 429, "", webex.FallbackRetryAfter, webex.FallbackRetryAfter},
		{"429 abc", 429, "abc", webex.FallbackRetryAfter, webex.FallbackRetryAfter},
		{"429 negative", 429, "-1", webex.FallbackRetryAfter, webex.FallbackRetryAfter},
		{"429 huge", 429, "99999999", webex.MaxRetryAfter, webex.MaxRetryAfter},
		{"429 expression", 429, "rand(30),add(30)", webex.FallbackRetryAfter, webex.FallbackRetryAfter},
		{"429 http date", 429, httpDate(90 * time.Second), 80 * time.Second, 90 * time.Second},
		{"429 http date past", 429, httpDate(-time.Hour), webex.FallbackRetryAfter, webex.FallbackRetryAfter},
		{"423 seconds", 423, "5", 5 * time.Second, 5 * time.Second},
		{"423 missing", 423, "", webex.FallbackRetryAfter, webex.FallbackRetryAfter},
		{"503 seconds", 503, "7", 7 * time.Second, 7 * time.Second},
		{"503 missing", 503, "", 0, 0},
		{"500 ignores it", 500, "7", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Cleanup(srv.ClearFaults)
			srv.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/messages", Status: tt.status, RetryAfter: tt.retryAfter, Times: 1})

			_, err := c.SendMessage(ctx, &webex.MessageRequest{RoomID: in.RoomID, Text: "x"})
			var ae *webex.APIError
			if !errors.As(err, &ae) || ae.StatusCode != tt.status {
				t.Fatalf("error = %v, want APIError %d", err, tt.status)
			}
			if ae.RetryAfter < tt.min || ae.RetryAfter > tt.max {
				t.Errorf("RetryAfter = %s for %q, want %s..%s", ae.RetryAfter, tt.retryAfter, tt.min, tt.max)
			}
		})
	}
}

func TestPostIsNeverRetried(t *testing.T) {
	tests := []struct {
		name  string
		fault emulator.Fault
	}{
		{"rate limited", emulator.Fault{Status: 429, RetryAfter: "1"}},
		{"unavailable", emulator.Fault{Status: 503}},
		{"bad gateway", emulator.Fault{Status: 502}},
		{"server error", emulator.Fault{Status: 500}},
		{"slower than the timeout", emulator.Fault{Delay: 5 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newEmulator(t)
			c := newClient(t, srv, 200*time.Millisecond)
			in, err := srv.PostAsUser(emulator.UserMessage{Text: "hi"})
			if err != nil {
				t.Fatal(err)
			}
			tt.fault.Method, tt.fault.Path = http.MethodPost, "/messages"
			srv.InjectFault(tt.fault)

			if _, err := c.SendMessage(testContext(t), &webex.MessageRequest{RoomID: in.RoomID, Text: "once"}); err == nil {
				t.Fatal("SendMessage succeeded despite the fault")
			}
			if n := countCalls(srv, http.MethodPost, "/messages"); n != 1 {
				t.Errorf("Webex received %d POST /messages, want exactly 1", n)
			}
		})
	}
}

func TestTimeoutAfterSendingPostIsOutcomeUnknown(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, 100*time.Millisecond)
	ctx := testContext(t)
	in, err := srv.PostAsUser(emulator.UserMessage{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	srv.InjectFault(emulator.Fault{Path: "/messages", Delay: 5 * time.Second, Times: 1})
	srv.InjectFault(emulator.Fault{Path: "/messages/", Delay: 5 * time.Second, Times: 1})

	_, postErr := c.SendMessage(ctx, &webex.MessageRequest{RoomID: in.RoomID, Text: "slow"})
	var te *webex.TransportError
	if !errors.As(postErr, &te) {
		t.Fatalf("SendMessage error = %v (%T), want *TransportError", postErr, postErr)
	}
	if !te.OutcomeUnknown || !webex.OutcomeUnknown(postErr) || !webex.IsRetryable(postErr) {
		t.Errorf("POST timeout: OutcomeUnknown %v, IsRetryable %v; want both", webex.OutcomeUnknown(postErr), webex.IsRetryable(postErr))
	}
	if !errors.Is(postErr, context.DeadlineExceeded) || te.Method != http.MethodPost || te.Path != "/messages" {
		t.Errorf("TransportError = %+v", te)
	}
	if !strings.Contains(postErr.Error(), "outcome unknown") {
		t.Errorf("Error() = %q does not say the outcome is unknown", postErr)
	}

	_, getErr := c.Message(ctx, in.ID)
	if !errors.As(getErr, &te) || webex.OutcomeUnknown(getErr) || !webex.IsRetryable(getErr) {
		t.Errorf("GET timeout: %v; want a retryable TransportError with a known outcome", getErr)
	}
}

func TestUnreachableIsRetryableWithKnownOutcome(t *testing.T) {
	srv := emulator.New(emulator.Options{Token: testToken})
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv, time.Second)
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := c.SendMessage(testContext(t), &webex.MessageRequest{RoomID: "r", Text: "x"})
	var te *webex.TransportError
	if !errors.As(err, &te) {
		t.Fatalf("error = %v (%T), want *TransportError", err, err)
	}
	if te.OutcomeUnknown || webex.OutcomeUnknown(err) || !webex.IsRetryable(err) {
		t.Errorf("refused connection: OutcomeUnknown %v, IsRetryable %v; nothing was sent", te.OutcomeUnknown, webex.IsRetryable(err))
	}
}

func TestCallerCancellation(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Me(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Me with a cancelled context: %v, want context.Canceled", err)
	}
	if n := len(srv.Calls()); n != 0 {
		t.Errorf("a cancelled call reached the emulator %d times", n)
	}
}

// TestErrorBodies checks reading of error bodies Webex may send, from a
// server that answers exactly as each case says.
func TestErrorBodies(t *testing.T) {
	tests := []struct {
		name        string
		header      string // TrackingID header
		body        string
		wantMessage string
		wantTID     string
	}{
		{"webex body", "TID-H", `{"message":"Room not found","errors":[{"description":"Room not found"}],"trackingId":"TID-B"}`, "Room not found", "TID-H"},
		{"tracking id from body", "", `{"message":"Nope","trackingId":"TID-B"}`, "Nope", "TID-B"},
		{"errors only", "", `{"errors":[{"description":"first"},{"description":"second"}]}`, "first; second", ""},
		{"message of another shape", "", `{"message":["x"],"errors":[{"description":"from errors"}]}`, "from errors", ""},
		{"not json", "TID-H", `<html>bad gateway</html>`, "Bad Request", "TID-H"},
		{"empty", "", ``, "Bad Request", ""},
		{"long message", "", `{"message":"` + strings.Repeat("x", 5000) + `"}`, strings.Repeat("x", 512) + "...", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.header != "" {
					w.Header().Set("TrackingID", tt.header)
				}
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, tt.body)
			}))
			t.Cleanup(ts.Close)
			c, err := webex.New(webex.Config{BaseURL: ts.URL + "/v1", Token: testToken})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Me(testContext(t))
			var ae *webex.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error = %v, want *APIError", err)
			}
			if ae.Message != tt.wantMessage || ae.TrackingID != tt.wantTID {
				t.Errorf("Message %q TrackingID %q; want %q, %q", ae.Message, ae.TrackingID, tt.wantMessage, tt.wantTID)
			}
		})
	}
}

// TestSecretsNeverInErrors runs failures against a server that echoes the
// request's Authorization header and body into its error message, the worst
// case, and checks that neither the token nor a webhook secret comes out.
func TestSecretsNeverInErrors(t *testing.T) {
	const secret = "whsec-7d1e0b9c-never-show"
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("TrackingID", "T "+r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"message":%q,"trackingId":"x"}`, "you sent "+r.Header.Get("Authorization")+" and "+string(body))
	}))
	t.Cleanup(ts.Close)
	c, err := webex.New(webex.Config{BaseURL: ts.URL + "/v1", Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	calls := map[string]func() error{
		"me": func() error { _, err := c.Me(ctx); return err },
		"create webhook": func() error {
			_, err := c.CreateWebhook(ctx, webex.WebhookRequest{Name: "n", TargetURL: "http://x/", Resource: "messages", Event: "created", Secret: secret})
			return err
		},
		"update webhook": func() error {
			_, err := c.UpdateWebhook(ctx, "id", webex.WebhookUpdate{Name: "n", TargetURL: "http://x/", Secret: secret})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call()
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range []string{fmt.Sprint(err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
				if strings.Contains(s, testToken) || strings.Contains(s, secret) {
					t.Errorf("error leaks a secret: %s", s)
				}
			}
			if !strings.Contains(err.Error(), "[redacted]") {
				t.Errorf("error %q: expected the echoed token to be redacted", err)
			}
		})
	}
}

func TestUnexpectedSuccessBodies(t *testing.T) {
	tests := []struct {
		name string
		link string
		body string
	}{
		{"not json", "", `<html>ok</html>`},
		{"next link to another host", `<http://other.example/v1/webhooks?cursor=2>; rel="next"`, `{"items":[{"id":"a"}]}`},
		{"paging that never ends", `</v1/webhooks?cursor=same>; rel="next"`, `{"items":[{"id":"a"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if hits.Add(1) > 10 {
					t.Errorf("the client keeps following links")
				}
				if tt.link != "" {
					w.Header().Set("Link", tt.link)
				}
				io.WriteString(w, tt.body)
			}))
			t.Cleanup(ts.Close)
			c, err := webex.New(webex.Config{BaseURL: ts.URL + "/v1", Token: testToken})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Webhooks(testContext(t))
			if !errors.Is(err, webex.ErrUnexpectedResponse) || webex.IsRetryable(err) {
				t.Errorf("Webhooks error = %v, want ErrUnexpectedResponse, not retryable", err)
			}
		})
	}
}
