package webexcall_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/internal/metricstest"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webexcall"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// refusingWebex answers 401 to everything until accept is set; then
// /people/me answers the bot and /messages a message. It counts requests.
func refusingWebex(t *testing.T, accept *atomic.Bool, calls *atomic.Int64) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if !accept.Load() {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"message":"The request requires a valid access token set in the Authorization request header.","trackingId":"T1"}`))
			return
		}
		switch r.URL.Path {
		case "/people/me":
			w.Write([]byte(`{"id":"bot-id","emails":["bot@webex.bot"]}`))
		default:
			w.Write([]byte(`{"id":"msg-id","roomId":"room"}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestA401PausesTheWorker: a 401 is not an event's permanent failure but a
// pause of the worker: the handler's error asks for a later redelivery
// (never the DLQ), later calls are not sent, the worker is unready and
// holds its fetch, and a periodic GET /people/me ends it all once the
// token is accepted.
func TestA401PausesTheWorker(t *testing.T) {
	var accept atomic.Bool
	var calls atomic.Int64
	api, err := webex.New(webex.Config{BaseURL: refusingWebex(t, &accept, &calls), Token: testToken, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	reg := prometheus.NewRegistry()
	c, err := webexcall.New(api, webexcall.Options{Worker: "echo", Now: clock.Now, TokenRecheck: time.Minute, Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	refused := func() float64 {
		return metricstest.Value(t, reg, "webexpipe_webex_token_refused", map[string]string{"worker": "echo"})
	}
	ctx := handlerCtx(t, 1)
	if c.Unready() != nil || !c.HoldUntil(ctx).IsZero() {
		t.Fatal("a fresh client should be ready and not hold")
	}

	_, err = c.SendMessage(ctx, &webex.MessageRequest{RoomID: "room", Text: "hi"})
	herr := webexcall.Classify(err)
	if !errors.Is(herr, webexcall.ErrTokenRefused) || workers.IsPermanent(herr) || workers.IsDeferred(herr) {
		t.Fatalf("a 401 should be a wait of the worker, got %v (permanent %v)", herr, workers.IsPermanent(herr))
	}
	if d, ok := workers.RetryDelay(herr); !ok || d <= 0 {
		t.Errorf("want a redelivery after a delay, got %v %v", d, ok)
	}
	if err := c.Unready(); !errors.Is(err, webexcall.ErrTokenRefused) {
		t.Errorf("Unready = %v, want ErrTokenRefused", err)
	}
	if refused() != 1 {
		t.Error("webexpipe_webex_token_refused is not 1 while refused")
	}
	if until := c.HoldUntil(ctx); !until.After(clock.Now()) {
		t.Errorf("HoldUntil = %v, want after now", until)
	}

	sent := calls.Load()
	if _, err := c.Message(ctx, "m1"); !errors.Is(webexcall.Classify(err), webexcall.ErrTokenRefused) || workers.IsPermanent(webexcall.Classify(err)) {
		t.Errorf("a call while refused: %v", err)
	}
	if calls.Load() != sent {
		t.Error("a call was sent to Webex while the token is refused")
	}

	// Not due: no check. Due, still refused: one check, still held.
	c.HoldUntil(ctx)
	if calls.Load() != sent {
		t.Error("the token was checked before its interval")
	}
	clock.Add(time.Minute)
	if until := c.HoldUntil(ctx); until.IsZero() || calls.Load() != sent+1 {
		t.Errorf("after a refused check: hold %v, checks %d", until, calls.Load()-sent)
	}

	accept.Store(true)
	clock.Add(time.Minute)
	if until := c.HoldUntil(ctx); !until.IsZero() {
		t.Errorf("the token is accepted again but the hold goes on until %v", until)
	}
	if err := c.Unready(); err != nil || refused() != 0 {
		t.Errorf("Unready = %v, refused gauge %v after the token was accepted", err, refused())
	}
	if _, err := c.SendMessage(ctx, &webex.MessageRequest{RoomID: "room", Text: "hi"}); err != nil {
		t.Errorf("send after the refusal ended: %v", err)
	}
}

// TestCheckTokenAtStart: a worker started with a refused token is unready
// before any event arrives; a good token learns the bot's id on the way.
func TestCheckTokenAtStart(t *testing.T) {
	var accept atomic.Bool
	var calls atomic.Int64
	api, err := webex.New(webex.Config{BaseURL: refusingWebex(t, &accept, &calls), Token: testToken, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c, err := webexcall.New(api, webexcall.Options{Worker: "echo"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CheckToken(testCtx(t)); !errors.Is(err, webexcall.ErrTokenRefused) {
		t.Fatalf("CheckToken = %v", err)
	}
	if !errors.Is(c.Unready(), webexcall.ErrTokenRefused) {
		t.Error("a refused token at start leaves the worker ready")
	}

	accept.Store(true)
	good, _ := webexcall.New(api, webexcall.Options{Worker: "cards"})
	if err := good.CheckToken(testCtx(t)); err != nil || good.Unready() != nil {
		t.Fatalf("CheckToken = %v, Unready = %v", err, good.Unready())
	}
	n := calls.Load()
	if id, err := good.BotID(testCtx(t)); err != nil || id != "bot-id" || calls.Load() != n {
		t.Errorf("BotID = %q, %v; extra calls %d", id, err, calls.Load()-n)
	}
}
