package workerkit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/cmd/internal/shipped/echoworker"
	"github.com/webexpipe/webexpipe/cmd/internal/shipped/retryworker"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/cmd/workerkit"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/internal/metricstest"
	"github.com/webexpipe/webexpipe/internal/pipelinetest"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/echo"
	"github.com/webexpipe/webexpipe/workers/retry"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webexcall/ratelimit"
)

// twoBots is one JetStream and one Webex emulator with two bots, alpha and
// beta, each with a messages/created webhook of its own. Each webhook
// points at a path of a small receiver that stores the delivery as that
// bot's event (webex.events.<bot>.…), as ingest does for a registered bot.
type twoBots struct {
	t       *testing.T
	sim     *emulator.Server
	js      jetstream.JetStream
	clients map[string]*webex.Client // by bot id
	person  map[string]string        // bot id -> the bot's person id

	mu     sync.Mutex
	stored map[string]int // events stored, by bot
}

var botIDs = []string{"alpha", "beta"}

func startTwoBots(t *testing.T) *twoBots {
	t.Helper()
	srv := localnats.StartTest(t)
	_, js := srv.ConnectTest(t)
	so := events.DefaultStreamOptions()
	so.Storage = jetstream.MemoryStorage
	localnats.ProvisionTest(t, js, so)
	sim := emulator.NewTest(t, emulator.Options{BotID: "alpha", Bots: []emulator.BotSpec{{ID: "beta"}}, Logger: pipelinetest.Logger(t)})
	h := &twoBots{t: t, sim: sim, js: js, clients: map[string]*webex.Client{}, person: map[string]string{}, stored: map[string]int{}}
	recv := httptest.NewServer(http.HandlerFunc(h.receive))
	t.Cleanup(recv.Close)
	ctx := testCtx(t)
	for _, id := range botIDs {
		info, ok := sim.BotByID(id)
		if !ok {
			t.Fatalf("emulator has no bot %s", id)
		}
		client, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: info.Token, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		h.clients[id], h.person[id] = client, info.Person.ID
		if _, err := client.CreateWebhook(ctx, webex.WebhookRequest{
			Name: id + " messages", TargetURL: recv.URL + "/" + id, Resource: "messages", Event: "created", Secret: "s-" + id,
		}); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// receive stores a delivery as the event of the bot its path names.
func (h *twoBots) receive(w http.ResponseWriter, r *http.Request) {
	bot := strings.TrimPrefix(r.URL.Path, "/")
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	env, err := events.Decode(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := h.store(r.Context(), bot, env, body); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// store stores body, the webhook env of bot, under bot's subject.
func (h *twoBots) store(ctx context.Context, bot string, env *events.Envelope, body []byte) error {
	p := events.Partition(env.Data.RoomID, events.DefaultPartitions)
	msg := nats.NewMsg(events.BotEventSubject(bot, env.Resource, env.Event, p))
	msg.Data = body
	events.SetBot(msg.Header, bot)
	if _, err := h.js.PublishMsg(ctx, msg, jetstream.WithMsgID(events.BotDedupKey(bot, env, body))); err != nil {
		return err
	}
	h.mu.Lock()
	h.stored[bot]++
	h.mu.Unlock()
	return nil
}

func (h *twoBots) storedFor(bot string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stored[bot]
}

// options are the runtime settings of the tests: few handlers and a small
// window per bot, so that one bot's events could easily fill them.
func options() workerkit.WorkerOptions {
	var wo workerkit.WorkerOptions
	wo.Concurrency = 4
	wo.MaxAckPending = 8
	wo.MaxDeliver = 10
	wo.AckWait = 30 * time.Second
	wo.HandlerTimeout = 20 * time.Second
	wo.Calls.MaxPause = 10 * time.Minute
	return wo
}

// run runs the echo worker for both bots in one process until the test
// ends, and returns the registry of its metrics once every bot's
// consumer exists.
func (h *twoBots) run(wo workerkit.WorkerOptions) *prometheus.Registry {
	h.t.Helper()
	pool := wo.HandlerPool()
	var setups []workerkit.BotSetup
	for i, id := range botIDs {
		setups = append(setups, workerkit.BotSetup{ID: id, Client: h.clients[id], Handlers: pool, SkipDeadLetters: i > 0})
	}
	eo := echoworker.Options{Mode: string(echo.ModeText), RecheckAfter: time.Second}
	reg := prometheus.NewRegistry()
	runners, err := workerkit.WebexRunners(h.js, setups, echo.Name, echo.Events, wo, pipelinetest.Logger(h.t), reg, eo.Handler)
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- workerkit.RunRunners(ctx, runners...) }()
	h.t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				h.t.Errorf("runners: %v", err)
			}
		case <-time.After(40 * time.Second):
			h.t.Error("runners did not stop within 40s")
		}
	})
	for _, r := range runners {
		select {
		case <-r.Ready():
		case err := <-done:
			h.t.Fatalf("runners stopped before they were ready: %v", err)
		case <-time.After(10 * time.Second):
			h.t.Fatal("runners not ready within 10s")
		}
	}
	return reg
}

// post sends n user messages to bot, each from a user of its own in the
// user's direct room with the bot, and returns the rooms.
func (h *twoBots) post(bot string, n int) []string {
	h.t.Helper()
	rooms := make([]string, n)
	for i := range n {
		m, err := h.sim.PostAsUser(emulator.UserMessage{Bot: bot, PersonEmail: fmt.Sprintf("%s-user-%d@example.com", bot, i), Text: fmt.Sprintf("hello %s %d", bot, i)})
		if err != nil {
			h.t.Fatal(err)
		}
		rooms[i] = m.RoomID
	}
	return rooms
}

// answered counts the rooms in which bot has posted.
func (h *twoBots) answered(bot string, rooms []string) int {
	n := 0
	for _, room := range rooms {
		for _, m := range h.sim.RoomMessages(room) {
			if m.PersonID == h.person[bot] {
				n++
				break
			}
		}
	}
	return n
}

// sent counts the messages Webex accepted from bot, from its call log.
func (h *twoBots) sent(bot string) int {
	n := 0
	for _, c := range h.sim.Calls() {
		if c.Bot == bot && c.Method == http.MethodPost && c.Path == "/messages" && c.Status == http.StatusOK {
			n++
		}
	}
	return n
}

// handled is bot's webexpipe_worker_handled_total by outcome, for a
// failure's message.
func handled(t *testing.T, reg prometheus.Gatherer, bot string) map[string]float64 {
	out := map[string]float64{}
	for _, o := range []string{"ok", "ignored", "retry", "requeued", "dead_letter"} {
		out[o] = metricstest.Value(t, reg, "webexpipe_worker_handled_total", map[string]string{"worker": echo.Name, "bot": bot, "outcome": o})
	}
	return out
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestPausedBotDoesNotHoldBackTheOthers: beta's token is rate-limited
// with a Retry-After far longer than the test needs, and more of beta's
// events are stored than the handlers and its window hold. alpha, served
// by the same process with the same handlers, answers every one of its
// messages while beta is still paused; once beta's pause ends, beta
// answers every one of its events it was not already holding.
func TestPausedBotDoesNotHoldBackTheOthers(t *testing.T) {
	h := startTwoBots(t)
	wo := options()
	reg := h.run(wo)
	if err := h.sim.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/messages", Status: http.StatusTooManyRequests, RetryAfter: "600", Bot: "beta"}); err != nil {
		t.Fatal(err)
	}
	const nBeta, nAlpha = 30, 10 // nBeta above WORKER_CONCURRENCY and WORKER_MAX_ACK_PENDING
	betaRooms := h.post("beta", nBeta)
	waitfor.True(t, 30*time.Second, "beta's events stored and its token paused", func() bool {
		return h.storedFor("beta") >= nBeta &&
			metricstest.Value(t, reg, "webexpipe_webex_pauses_total", map[string]string{"worker": echo.Name, "bot": "beta"}) >= 1
	})

	alphaRooms := h.post("alpha", nAlpha)
	waitfor.True(t, 30*time.Second, "every alpha message answered", func() bool { return h.answered("alpha", alphaRooms) == nAlpha })
	// The pause asked for ten minutes and the test has not ended it: beta
	// has sent nothing.
	if n := h.sent("beta"); n != 0 {
		t.Fatalf("beta sent %d messages during its pause", n)
	}
	if n := h.answered("beta", betaRooms); n != 0 {
		t.Fatalf("beta answered %d rooms during its pause", n)
	}
	for _, room := range alphaRooms {
		for _, m := range h.sim.RoomMessages(room) {
			if m.PersonID == h.person["beta"] {
				t.Errorf("beta posted in alpha's room %s", room)
			}
		}
	}

	// End beta's pause: Webex answers it again, and the pause stored for
	// its token is removed (as if it had run out).
	h.sim.ClearFaults()
	kv, err := h.js.KeyValue(testCtx(t), events.RateLimitBucket)
	if err != nil {
		t.Fatal(err)
	}
	if err := kv.Delete(testCtx(t), ratelimit.Key(h.clients["beta"].TokenKey())); err != nil {
		t.Fatal(err)
	}
	if alphaKey := ratelimit.Key(h.clients["alpha"].TokenKey()); alphaKey == ratelimit.Key(h.clients["beta"].TokenKey()) {
		t.Fatal("both bots' tokens share one pause")
	}
	// The events beta had fetched when its pause began were handed back
	// until the end of the Retry-After (minutes); the rest were never
	// fetched during the pause, and come now. Only the window's worth is
	// held: a paused bot keeps no more of the process than that.
	held := int(handled(t, reg, "beta")["retry"])
	if held < 1 || held > 2*wo.Concurrency {
		t.Fatalf("beta handed back %d events during its pause; want at least 1 and no more than its window", held)
	}
	waitfor.Until(t, 60*time.Second, func() (bool, string) {
		n := h.answered("beta", betaRooms)
		return n == nBeta-held, fmt.Sprintf("beta answered %d of %d rooms after its pause, %d held (%v)", n, nBeta, held, handled(t, reg, "beta"))
	})
}

// TestFloodingBotDoesNotDelayTheOthers: beta has a backlog of 500 events
// and alpha a few, stored after them. Served by one process with shared
// handlers, alpha's few are answered long before beta's backlog is done:
// beta's events do not queue ahead of alpha's.
func TestFloodingBotDoesNotDelayTheOthers(t *testing.T) {
	h := startTwoBots(t)
	const nBeta, nAlpha = 500, 5
	betaRooms := h.post("beta", nBeta)
	waitfor.True(t, 60*time.Second, "beta's backlog stored", func() bool { return h.storedFor("beta") >= nBeta })
	alphaRooms := h.post("alpha", nAlpha)
	waitfor.True(t, 30*time.Second, "alpha's events stored", func() bool { return h.storedFor("alpha") >= nAlpha })

	wo := options()
	if err := wo.StartAt.Set("all"); err != nil {
		t.Fatal(err)
	}
	h.run(wo)
	waitfor.True(t, 60*time.Second, "every alpha message answered", func() bool { return h.answered("alpha", alphaRooms) == nAlpha })
	// Where beta stood when alpha was done: with one queue for both in
	// store order, alpha would come after all 500.
	n := h.sent("beta")
	if n >= nBeta/2 {
		t.Fatalf("alpha's %d messages were answered only after %d of beta's %d", nAlpha, n, nBeta)
	}
	t.Logf("alpha's %d messages answered when beta had answered %d of %d", nAlpha, n, nBeta)
	waitfor.True(t, 120*time.Second, "beta's backlog answered", func() bool { return h.answered("beta", betaRooms) == nBeta })
}

// TestEachBotAnswersWithItsOwnToken: in a room with both bots, alpha
// posts; beta is told of alpha's message and answers it with its own
// token, while neither bot answers its own messages (each bot's loop
// guard knows its own person id).
func TestEachBotAnswersWithItsOwnToken(t *testing.T) {
	h := startTwoBots(t)
	reg := h.run(options())
	room, err := h.sim.CreateRoom(emulator.NewRoom{Title: "both bots", Bots: botIDs})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	m, err := h.clients["alpha"].SendMessage(ctx, &webex.MessageRequest{RoomID: room.ID, Text: "hello from alpha"})
	if err != nil {
		t.Fatal(err)
	}
	// Webex tells a bot of another bot's message when it is mentioned;
	// the emulator's bots mention no one, so beta's event of it is stored
	// here as ingest would store it.
	data := fmt.Sprintf(`{"id":%q,"roomId":%q,"roomType":"group","personId":%q,"personEmail":"alpha@webex.bot","mentionedPeople":[%q]}`,
		m.ID, room.ID, h.person["alpha"], h.person["beta"])
	env := &events.Envelope{ID: "beta-hook", Resource: "messages", Event: "created", CreatedBy: h.person["beta"], ActorID: h.person["alpha"], RawData: []byte(data)}
	body, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	env, err = events.Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.store(ctx, "beta", env, body); err != nil {
		t.Fatal(err)
	}

	ignored := func(bot string) float64 {
		return metricstest.Value(t, reg, "webexpipe_worker_handled_total", map[string]string{"worker": echo.Name, "bot": bot, "outcome": "ignored"})
	}
	// alpha is told of its own message, beta of its own reply.
	waitfor.True(t, 30*time.Second, "beta's reply, and each bot's own message ignored", func() bool {
		return h.answered("beta", []string{room.ID}) == 1 && ignored("alpha") >= 1 && ignored("beta") >= 1
	})
	msgs := h.sim.RoomMessages(room.ID)
	if len(msgs) != 2 {
		t.Fatalf("room has %d messages, want alpha's and beta's reply: %+v", len(msgs), msgs)
	}
	var reply webex.Message
	for _, m := range msgs {
		if m.PersonID == h.person["beta"] {
			reply = m
		}
	}
	if !strings.Contains(reply.Text+reply.Markdown, "hello from alpha") {
		t.Errorf("beta's reply does not echo alpha's message: %+v", reply)
	}
	// Webex saw one message with each token: alpha's, and beta's reply.
	if a, b := h.sent("alpha"), h.sent("beta"); a != 1 || b != 1 {
		t.Errorf("messages sent with alpha's token %d, with beta's %d; want 1 and 1", a, b)
	}
	ok := metricstest.Value(t, reg, "webexpipe_worker_handled_total", map[string]string{"worker": echo.Name, "bot": "alpha", "outcome": "ok"})
	if ok != 0 {
		t.Errorf("alpha handled %v events, want none: it must not answer its own message", ok)
	}
}

// TestStoredCallsAreRetriedWithTheirBotsToken: a reply that fails
// retryably is stored under its bot's calls subject, and that bot's retry
// runner (retry@<bot>) sends it with the bot's token.
func TestStoredCallsAreRetriedWithTheirBotsToken(t *testing.T) {
	h := startTwoBots(t)
	wo := options()
	wo.Calls.Outbox = true
	h.run(wo)
	ro := retryworker.Options{
		Policy:       retry.Policy{Initial: 100 * time.Millisecond, Multiplier: 2, MaxInterval: time.Second, MaxElapsed: time.Minute},
		RecheckAfter: 100 * time.Millisecond, NotFoundGrace: time.Second,
	}
	var setups []workerkit.BotSetup
	pool := wo.HandlerPool()
	for i, id := range botIDs {
		setups = append(setups, workerkit.BotSetup{ID: id, Client: h.clients[id], Handlers: pool, SkipDeadLetters: i > 0})
	}
	runners, err := retryworker.NewBots(testCtx(t), h.js, setups, ro, wo, pipelinetest.Logger(t), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- workerkit.RunRunners(ctx, runners...) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("retry runners: %v", err)
		}
	})

	if err := h.sim.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/messages", Status: http.StatusServiceUnavailable, Times: 1, Bot: "beta"}); err != nil {
		t.Fatal(err)
	}
	rooms := h.post("beta", 1)
	waitfor.True(t, 30*time.Second, "beta's reply, sent by the retry worker", func() bool { return h.answered("beta", rooms) == 1 })

	// The call went through beta's own retry consumer, which takes
	// beta's calls alone (a sent call's record is gone from the stream).
	cons, err := h.js.Consumer(testCtx(t), events.CallsStream, events.BotConsumerName(events.RetryWorker, "beta"))
	if err != nil {
		t.Fatal(err)
	}
	ci, err := cons.Info(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if ci.Delivered.Consumer == 0 || len(ci.Config.FilterSubjects) != 1 || ci.Config.FilterSubjects[0] != events.BotCallsFilter("beta") {
		t.Errorf("%s: delivered %d, filters %v; want beta's call through beta's filter", ci.Name, ci.Delivered.Consumer, ci.Config.FilterSubjects)
	}
	alphaCons, err := h.js.Consumer(testCtx(t), events.CallsStream, events.BotConsumerName(events.RetryWorker, "alpha"))
	if err != nil {
		t.Fatal(err)
	}
	ai, err := alphaCons.Info(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if ai.Delivered.Consumer != 0 {
		t.Errorf("alpha's retry consumer delivered %d calls; beta's call is not alpha's", ai.Delivered.Consumer)
	}
	if n := h.sim.Calls(); countStatus(n, "beta", http.StatusServiceUnavailable) != 1 {
		t.Errorf("beta's first attempt was not the one that failed: %d failures", countStatus(n, "beta", http.StatusServiceUnavailable))
	}
	if a := h.sent("alpha"); a != 0 {
		t.Errorf("alpha sent %d messages; beta's call must go out with beta's token", a)
	}
}

// countStatus counts bot's POST /messages answered with status.
func countStatus(calls []emulator.Call, bot string, status int) int {
	n := 0
	for _, c := range calls {
		if c.Bot == bot && c.Method == http.MethodPost && c.Path == "/messages" && c.Status == status {
			n++
		}
	}
	return n
}

// TestWorkerReadsTheBotsFile: with BOTS_FILE a worker serves each bot of
// the file with that bot's token and pause clamp, reads no webhook secret,
// and refuses WEBEX_TOKEN beside the file.
func TestWorkerReadsTheBotsFile(t *testing.T) {
	sim := emulator.NewTest(t, emulator.Options{BotID: "alpha", Bots: []emulator.BotSpec{{ID: "beta"}}})
	dir := t.TempDir()
	file := dir + "/bots.yaml"
	// The secrets are named, as the file must, but never read by a worker:
	// their variables are unset.
	yaml := `bots:
  - id: alpha
    token_env: TEST_ALPHA_TOKEN
    max_pause: 2m
    webhooks:
      - secret_env: TEST_ALPHA_SECRET
        resources: [messages]
  - id: beta
    token_env: TEST_BETA_TOKEN
    webhooks:
      - secret_env: TEST_BETA_SECRET
        resources: [messages]
`
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, id := range botIDs {
		info, _ := sim.BotByID(id)
		t.Setenv("TEST_"+strings.ToUpper(id)+"_TOKEN", info.Token)
	}
	run := func(args ...string) ([]workerkit.BotSetup, error) {
		var setups []workerkit.BotSetup
		cmd := workerkit.WorkerCommand(workerkit.WorkerBinary{
			Name: "test-worker", MetricsAddr: ":0", CallsWebex: true,
			Run: func(_ context.Context, _ *slog.Logger, _ process.NATSOptions, wo workerkit.WorkerOptions) error {
				registry, err := wo.Registry()
				if err != nil {
					return err
				}
				setups, err = wo.BotSetups(registry)
				return err
			},
		})
		cmd.SetArgs(append([]string{"--webex-api-url", sim.URL(), "--webex-max-pause", "5m"}, args...))
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		return setups, cmd.ExecuteContext(testCtx(t))
	}

	setups, err := run("--bots-file", file)
	if err != nil {
		t.Fatal(err)
	}
	if len(setups) != 2 {
		t.Fatalf("%d bots, want alpha and beta", len(setups))
	}
	ctx := testCtx(t)
	for _, bs := range setups {
		me, err := bs.Client.Me(ctx)
		if err != nil {
			t.Fatal(err)
		}
		info, _ := sim.BotByID(bs.ID)
		if me.ID != info.Person.ID {
			t.Errorf("bot %s calls Webex as %s, want %s", bs.ID, me.ID, info.Person.ID)
		}
	}
	if setups[0].ID != "alpha" || setups[0].MaxPause != 2*time.Minute || setups[1].MaxPause != 0 {
		t.Errorf("pause clamps: %s %s, %s %s; want alpha's own 2m, beta the deployment's", setups[0].ID, setups[0].MaxPause, setups[1].ID, setups[1].MaxPause)
	}
	if setups[0].Handlers == nil || setups[0].Handlers != setups[1].Handlers {
		t.Error("the bots do not share one handler pool")
	}
	if size := setups[0].Handlers.Size(); size != 16 || setups[0].Concurrency != 12 || setups[1].Concurrency != 12 {
		t.Errorf("pool %d, bot shares %d and %d; want 16, each bot three quarters", size, setups[0].Concurrency, setups[1].Concurrency)
	}
	if setups, err := run("--bots-file", file, "--worker-bot-concurrency", "5"); err != nil || setups[0].Concurrency != 5 {
		t.Errorf("WORKER_BOT_CONCURRENCY=5: %v, share %d", err, setups[0].Concurrency)
	}

	if _, err := run("--bots-file", file, "--webex-token", "stale"); err == nil || !strings.Contains(err.Error(), "BOTS_FILE") {
		t.Errorf("BOTS_FILE with WEBEX_TOKEN: %v, want refused", err)
	}
	// Without the file: the one bot of WEBEX_TOKEN, as always.
	info, _ := sim.BotByID("alpha")
	setups, err = run("--webex-token", info.Token)
	if err != nil || len(setups) != 1 || setups[0].ID != events.DefaultBot {
		t.Fatalf("single bot: %+v, %v; want the bot %s", setups, err, events.DefaultBot)
	}
	if setups[0].Concurrency != 16 {
		t.Errorf("a single bot may hold %d handlers, want all 16", setups[0].Concurrency)
	}
}
