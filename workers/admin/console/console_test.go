package console_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/internal/metricstest"
	"github.com/webexpipe/webexpipe/workers/admin/console"
)

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

const eventBody = `{"id":"wh","resource":"messages","event":"created","data":{"id":"m-1","roomId":"r-1"}}`

// seed makes a worker type "stalled" whose consumer nobody pulls, stores
// two events for it, and one dead letter of echo. It returns when the
// first event was stored.
func seed(t *testing.T, js jetstream.JetStream) time.Time {
	t.Helper()
	ctx := testCtx(t)
	cfg, err := events.ConsumerConfig(events.ConsumerOptions{Worker: "stalled", Events: []events.ResourceEvent{{Resource: "messages", Event: "created"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateOrUpdateConsumer(ctx, events.EventsStream, cfg); err != nil {
		t.Fatal(err)
	}
	var first time.Time
	for i := range 2 {
		ack, err := js.Publish(ctx, events.EventSubject("messages", "created", i), []byte(eventBody))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			m, err := js.Stream(ctx, events.EventsStream)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := m.GetMsg(ctx, ack.Sequence)
			if err != nil {
				t.Fatal(err)
			}
			first = raw.Time
		}
	}
	dl := nats.NewMsg(events.DLQSubject("echo"))
	dl.Data = []byte(eventBody)
	dl.Header.Set(events.HeaderWorker, "echo")
	dl.Header.Set(events.HeaderDLQReason, "permanent: send reply: webex: POST /messages: 400 Bad Request")
	dl.Header.Set(events.HeaderOrigSubject, events.EventSubject("messages", "created", 7))
	dl.Header.Set(events.HeaderOrigSeq, "1")
	dl.Header.Set(events.HeaderDedupKey, "messages:created:m-1")
	if _, err := js.PublishMsg(ctx, dl); err != nil {
		t.Fatal(err)
	}
	return first
}

type fixture struct {
	js      jetstream.JetStream
	srv     *httptest.Server
	reg     *prometheus.Registry
	stored  time.Time
	checkAt time.Time
}

func start(t *testing.T, cfg console.Config) *fixture {
	t.Helper()
	_, _, js := localnats.StartProvisioned(t)
	f := &fixture{js: js, reg: prometheus.NewRegistry()}
	f.stored = seed(t, js)
	f.checkAt = f.stored.Add(90 * time.Second)
	cfg.JS, cfg.Metrics, cfg.Now = js, f.reg, func() time.Time { return f.checkAt }
	c, err := console.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(c.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req.WithContext(testCtx(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func (f *fixture) get(t *testing.T, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
	return f.do(t, req)
}

func (f *fixture) post(t *testing.T, path string, form url.Values, header http.Header) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	return f.do(t, req)
}

func TestOverview(t *testing.T) {
	f := start(t, console.Config{})
	code, body := f.get(t, "/")
	if code != http.StatusOK {
		t.Fatalf("GET /: %d %s", code, body)
	}
	for _, want := range []string{
		`<tr data-worker="stalled" class="warn">`, `<td class="num pending">2</td>`, // the backlog
		"1m30s",                                       // the oldest event's age at the fake clock
		`<a href="dlq/1">show</a>`, "400 Bad Request", // the dead letter
		`<meta http-equiv="refresh" content="5">`, "read-only",
		"not checked: no Webex token",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the overview lacks %q", want)
		}
	}
	if _, body := f.get(t, "/?refresh=off"); strings.Contains(body, "http-equiv") {
		t.Error("?refresh=off still reloads")
	}
	code, body = f.get(t, "/status.json")
	if code != http.StatusOK || !strings.Contains(body, `"name": "stalled"`) || !strings.Contains(body, `"age_seconds": 90`) {
		t.Errorf("GET /status.json: %d %s", code, body)
	}
	if n := metricstest.Value(t, f.reg, "webexpipe_console_requests_total", map[string]string{"outcome": "page"}); n != 3 {
		t.Errorf("pages counted: %v, want 3", n)
	}
}

func TestDeadLetterPages(t *testing.T) {
	tests := []struct {
		name, path string
		code       int
		want       string
	}{
		{name: "shown", path: "/dlq/1", code: http.StatusOK, want: "permanent: send reply"},
		{name: "the body", path: "/dlq/1", code: http.StatusOK, want: `&#34;resource&#34;: &#34;messages&#34;`},
		{name: "no redrive button when read-only", path: "/dlq/1", code: http.StatusOK, want: "dead letter 1"},
		{name: "missing", path: "/dlq/99", code: http.StatusNotFound, want: "no dead letter has sequence 99"},
		{name: "not a sequence", path: "/dlq/x", code: http.StatusBadRequest, want: "positive number"},
		{name: "elsewhere", path: "/nothing", code: http.StatusNotFound},
	}
	f := start(t, console.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := f.get(t, tt.path)
			if code != tt.code || !strings.Contains(body, tt.want) {
				t.Errorf("GET %s: %d, want %d with %q:\n%s", tt.path, code, tt.code, tt.want, body)
			}
			if strings.Contains(body, "Send it back") {
				t.Error("a read-only view offers a redrive")
			}
		})
	}
}

func TestRedrive(t *testing.T) {
	t.Run("read-only", func(t *testing.T) {
		f := start(t, console.Config{})
		if code, body := f.post(t, "/dlq/1/redrive", nil, nil); code != http.StatusForbidden {
			t.Errorf("redrive on a read-only view: %d %s", code, body)
		}
		if code, _ := f.get(t, "/dlq/1"); code != http.StatusOK {
			t.Error("the dead letter is gone after a refused redrive")
		}
	})
	t.Run("cross-origin", func(t *testing.T) {
		f := start(t, console.Config{Write: true})
		code, _ := f.post(t, "/dlq/1/redrive", nil, http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://elsewhere.example"}})
		if code != http.StatusForbidden {
			t.Errorf("a cross-origin redrive: %d, want 403", code)
		}
		if n := metricstest.Value(t, f.reg, "webexpipe_console_refused_total", map[string]string{"reason": "cross_origin"}); n != 1 {
			t.Errorf("cross-origin refusals counted: %v", n)
		}
	})
	t.Run("write", func(t *testing.T) {
		f := start(t, console.Config{Write: true})
		if _, body := f.get(t, "/dlq/1"); !strings.Contains(body, "Send it back") {
			t.Fatal("no redrive form with write access")
		}
		code, body := f.post(t, "/dlq/1/redrive", url.Values{"force": {"on"}}, http.Header{"Sec-Fetch-Site": {"same-origin"}})
		if code != http.StatusOK || !strings.Contains(body, `id="redriven"`) {
			t.Fatalf("redrive: %d %s", code, body)
		}
		s, err := f.js.Stream(testCtx(t), events.EventsStream)
		if err != nil {
			t.Fatal(err)
		}
		m, err := s.GetLastMsgForSubject(testCtx(t), events.ReplaySubject("echo", "messages", "created", 7))
		if err != nil || m.Header.Get(events.HeaderReplayForce) != "true" {
			t.Fatalf("the redriven copy: %v %v", m, err)
		}
		if code, _ := f.get(t, "/dlq/1"); code != http.StatusNotFound {
			t.Errorf("the dead letter is still there after its redrive: %d", code)
		}
	})
}

func TestToken(t *testing.T) {
	const token = "console-token-never-logged"
	f := start(t, console.Config{Token: []byte(token)})
	req := func(set func(r *http.Request)) int {
		r, _ := http.NewRequest("GET", f.srv.URL+"/", nil)
		set(r)
		code, body := f.do(t, r)
		if strings.Contains(body, token) {
			t.Error("the token is in an answer")
		}
		return code
	}
	tests := []struct {
		name string
		set  func(r *http.Request)
		want int
	}{
		{"none", func(*http.Request) {}, http.StatusUnauthorized},
		{"wrong bearer", func(r *http.Request) { r.Header.Set("Authorization", "Bearer nope") }, http.StatusUnauthorized},
		{"bearer", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }, http.StatusOK},
		{"basic password", func(r *http.Request) { r.SetBasicAuth("ops", token) }, http.StatusOK},
		{"basic wrong", func(r *http.Request) { r.SetBasicAuth(token, "nope") }, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := req(tt.set); got != tt.want {
				t.Errorf("status %d, want %d", got, tt.want)
			}
		})
	}
	if n := metricstest.Value(t, f.reg, "webexpipe_console_refused_total", map[string]string{"reason": "unauthorized"}); n != 3 {
		t.Errorf("refusals counted: %v, want 3", n)
	}
}

func TestCheckExposure(t *testing.T) {
	tests := []struct {
		addr  string
		token bool
		want  error
	}{
		{"127.0.0.1:8070", false, nil},
		{"[::1]:8070", false, nil},
		{"localhost:8070", false, nil},
		{":8070", false, console.ErrExposed},
		{"0.0.0.0:8070", false, console.ErrExposed},
		{"10.0.0.5:8070", false, console.ErrExposed},
		{"10.0.0.5:8070", true, nil},
		{":8070", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			if err := console.CheckExposure(tt.addr, tt.token); !errors.Is(err, tt.want) {
				t.Errorf("CheckExposure(%q, %v) = %v, want %v", tt.addr, tt.token, err, tt.want)
			}
		})
	}
	if err := console.CheckExposure("no port", false); err == nil {
		t.Error("an address without a port passed")
	}
}

func TestNewNeedsJetStream(t *testing.T) {
	if _, err := console.New(console.Config{}); !errors.Is(err, console.ErrNoJetStream) {
		t.Errorf("New without JS: %v", err)
	}
}
