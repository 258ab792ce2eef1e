package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/cmd/internal/proctest"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

const (
	token  = "tok-faults-5d1e0b7c93a2-never-log-me"
	secret = "sec-faults-a86f2c41d07e-never-log-me"
)

var (
	buildOnce sync.Once
	built     map[string]string
)

// binaries builds ingest, echo-worker and retry-worker once per run.
func binaries(t *testing.T) map[string]string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binaries")
	}
	buildOnce.Do(func() {
		m := map[string]string{}
		for _, name := range []string{"ingest", "echo-worker", "retry-worker"} {
			m[name] = proctest.Build(t, binDir, "../../"+name)
		}
		m["nats-server"] = buildNATSServer(t, binDir)
		built = m
	})
	if built == nil {
		t.Fatal("an earlier build failed")
	}
	return built
}

// long reports whether the longer variants were asked for.
func long() bool { return os.Getenv("FAULTS_LONG") != "" }

// rigOptions shape a rig.
type rigOptions struct {
	spool          bool  // ingest gets a SPOOL_DIR
	eventsMaxBytes int64 // 0: no limit
	// natsProcess runs nats-server as a process of its own, which the test
	// can kill with SIGKILL (killNATS), instead of in the test's process.
	natsProcess bool
	// workerEnv is added to the workers' environment.
	workerEnv []string
	// bots, when set, makes the rig a deployment of several bots: the
	// emulator serves these ids (the first is its first bot), a bot
	// registry file names them with a token and a webhook secret each, and
	// ingest and the workers read it (BOTS_FILE) instead of WEBEX_TOKEN and
	// WEBEX_WEBHOOK_SECRET. Each bot's webhook posts to
	// /webhooks/webex/<id>.
	bots []string
}

// rig is one pipeline of real processes around an embedded JetStream and
// the emulator, both owned by the test.
type rig struct {
	t    *testing.T
	bins map[string]string
	opts rigOptions

	storeDir   string
	spoolDir   string
	natsPort   int
	nats       *localnats.Server // nil while stopped or with natsProcess
	natsProc   *natsProcess      // with natsProcess; nil while killed
	sim        *emulator.Server
	ingestAddr string // fixed, so a restarted ingest gets the same deliveries

	botsFile string   // with opts.bots: the registry
	botsEnv  []string // with opts.bots: the variables the registry names

	mu     sync.Mutex // guards posted
	posted []webex.Message
}

func newRig(t *testing.T, o rigOptions) *rig {
	t.Helper()
	r := &rig{t: t, bins: binaries(t), opts: o, storeDir: t.TempDir(), spoolDir: t.TempDir()}
	if o.natsProcess {
		r.natsPort = freePort(t)
	}
	r.startNATS()
	if r.nats != nil {
		r.natsPort = r.nats.Port()
	}
	t.Cleanup(func() {
		if r.nats != nil {
			r.nats.Shutdown()
		}
		if r.natsProc != nil {
			r.natsProc.kill()
		}
	})
	r.ingestAddr = freeAddr(t)
	if len(o.bots) > 0 {
		r.startBots()
		return r
	}
	r.sim = emulator.NewTest(t, emulator.Options{Token: token})
	client, err := webex.New(webex.Config{BaseURL: r.sim.URL(), Token: token})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := client.CreateWebhook(ctx, webex.WebhookRequest{Name: "faults", TargetURL: "http://" + r.ingestAddr + "/webhooks/webex",
		Resource: "messages", Event: "created", Secret: secret}); err != nil {
		t.Fatal(err)
	}
	return r
}

// startBots starts the emulator with the rig's bots, writes their
// registry, and registers each bot's webhook on its own ingest path with a
// secret of its own.
func (r *rig) startBots() {
	t := r.t
	ids := r.opts.bots
	o := emulator.Options{BotID: ids[0], Token: token + "-" + ids[0]}
	for _, id := range ids[1:] {
		o.Bots = append(o.Bots, emulator.BotSpec{ID: id, Token: token + "-" + id})
	}
	r.sim = emulator.NewTest(t, o)
	var reg strings.Builder
	reg.WriteString("bots:\n")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for _, b := range r.sim.Bots() {
		name := strings.ToUpper(b.ID)
		botSecret := secret + "-" + b.ID
		r.botsEnv = append(r.botsEnv, "FAULTS_TOKEN_"+name+"="+b.Token, "FAULTS_SECRET_"+name+"="+botSecret)
		fmt.Fprintf(&reg, "  - id: %s\n    token_env: FAULTS_TOKEN_%s\n    webhooks:\n      - secret_env: FAULTS_SECRET_%s\n        resources: [messages/created]\n", b.ID, name, name)
		client, err := webex.New(webex.Config{BaseURL: r.sim.URL(), Token: b.Token})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.CreateWebhook(ctx, webex.WebhookRequest{Name: "faults " + b.ID, TargetURL: "http://" + r.ingestAddr + "/webhooks/webex/" + b.ID,
			Resource: "messages", Event: "created", Secret: botSecret}); err != nil {
			t.Fatal(err)
		}
	}
	r.botsFile = filepath.Join(t.TempDir(), "bots.yaml")
	if err := os.WriteFile(r.botsFile, []byte(reg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// freeAddr returns a loopback address nobody listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startNATS starts the embedded server on the rig's store, on the same
// port as before when it ran already.
func (r *rig) startNATS() {
	r.t.Helper()
	if r.opts.natsProcess {
		r.natsProc = startNATSProcess(r.t, r.bins["nats-server"], r.natsPort, r.storeDir)
		return
	}
	s, err := localnats.Start(localnats.Config{Port: r.natsPort, StoreDir: r.storeDir})
	if err != nil {
		r.t.Fatal(err)
	}
	r.nats = s
}

// stopNATS shuts the server down as a crash or a restart would.
func (r *rig) stopNATS() {
	r.nats.Shutdown()
	r.nats = nil
}

func (r *rig) natsEnv() []string {
	env := []string{"NATS_URL=nats://127.0.0.1:" + strconv.Itoa(r.natsPort), "LOG_LEVEL=debug"}
	if r.opts.eventsMaxBytes > 0 {
		env = append(env, "EVENTS_MAX_BYTES="+strconv.FormatInt(r.opts.eventsMaxBytes, 10))
	}
	return env
}

func (r *rig) startIngest() *proctest.Process {
	r.t.Helper()
	env := append(r.natsEnv(), "LISTEN_ADDR="+r.ingestAddr, "PUBLISH_TIMEOUT=500ms")
	if r.botsFile != "" {
		env = append(append(env, "BOTS_FILE="+r.botsFile), r.botsEnv...)
	} else {
		env = append(env, "WEBEX_WEBHOOK_SECRET="+secret)
	}
	if r.opts.spool {
		env = append(env, "SPOOL_DIR="+r.spoolDir)
	}
	p := proctest.Start(r.t, r.bins["ingest"], env...)
	p.Await(r.t, regexp.MustCompile(`msg="ingest listening"()`))
	return p
}

func (r *rig) workerEnv() []string {
	env := append(r.natsEnv(), "WEBEX_API_URL="+r.sim.URL(), "METRICS_ADDR=127.0.0.1:0",
		"WORKER_ACK_WAIT=2s", "ECHO_MODE=text")
	if r.botsFile != "" {
		env = append(append(env, "BOTS_FILE="+r.botsFile), r.botsEnv...)
	} else {
		env = append(env, "WEBEX_TOKEN="+token)
	}
	return append(env, r.opts.workerEnv...)
}

func (r *rig) startEcho() *proctest.Process {
	r.t.Helper()
	p := proctest.Start(r.t, r.bins["echo-worker"], r.workerEnv()...)
	p.Await(r.t, regexp.MustCompile(`msg="worker started"()`))
	return p
}

func (r *rig) startRetry() *proctest.Process {
	r.t.Helper()
	p := proctest.Start(r.t, r.bins["retry-worker"], append(r.workerEnv(),
		"RETRY_INITIAL_INTERVAL=500ms", "RETRY_MAX_INTERVAL=2s", "RETRY_MAX_ELAPSED=5m")...)
	p.Await(r.t, regexp.MustCompile(`msg="worker started"()`))
	return p
}

// startAll starts ingest, an echo worker and a retry worker.
func (r *rig) startAll() (in, echo, retry *proctest.Process) {
	return r.startIngest(), r.startEcho(), r.startRetry()
}

// load posts n messages as users (four of them, each in their direct room
// with the bot) at rate per second, in the background; wait blocks until
// the last was posted.
func (r *rig) load(n, rate int) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Second / time.Duration(rate))
		defer tick.Stop()
		for i := range n {
			<-tick.C
			m, err := r.sim.PostAsUser(emulator.UserMessage{PersonEmail: fmt.Sprintf("user%d@example.com", i%4), Text: marker(i) + " hello"})
			if err != nil {
				r.t.Errorf("post %d: %v", i, err)
				return
			}
			r.mu.Lock()
			r.posted = append(r.posted, m)
			r.mu.Unlock()
		}
	}()
	return func() { <-done }
}

// waitPosted polls until the load has posted k messages, so a fault lands
// after that much traffic however slow the machine is.
func (r *rig) waitPosted(k int) {
	r.t.Helper()
	r.waitFor(fmt.Sprintf("%d messages posted", k), func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return len(r.posted) >= k
	})
}

// waitFor polls cond every 20ms for up to a minute.
func (r *rig) waitFor(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("not within a minute: %s", what)
		}
		time.Sleep(20 * time.Millisecond) // poll interval, bounded by the deadline
	}
}

// marker is the text that ties message i to its replies; the trailing
// dot keeps "m-1." from matching "m-12.".
func marker(i int) string { return "m-" + strconv.Itoa(i) + "." }

// forge posts deliveries with a wrong signature and with none straight to
// ingest: each must be refused, and none may be stored.
func (r *rig) forge(n int) {
	r.t.Helper()
	for i := range n {
		body := fmt.Appendf(nil, `{"id":"wh","resource":"messages","event":"created","data":{"id":"forged-%d","roomId":"r","personId":"p"}}`, i)
		req, _ := http.NewRequest(http.MethodPost, "http://"+r.ingestAddr+"/webhooks/webex", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if i%2 == 0 {
			req.Header.Set(events.SignatureHeader, events.Sign([]byte("not-"+secret), body))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			continue // ingest may be down right now; nothing stored then either
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			r.t.Errorf("forged delivery %d answered 200", i)
		}
	}
	http.DefaultClient.CloseIdleConnections()
}

// outcome is what the invariants found.
type outcome struct {
	posted, accepted, replied, duplicates int
	refused                               int // posted messages never replied to (their delivery failed)
	refusedButHandled                     int // replied to although no delivery got 2xx
}

// settle waits until every message whose delivery got 200 has its reply
// and the pipeline's backlog is empty, then checks the invariants and
// returns what it found.
func (r *rig) settle(within time.Duration) outcome {
	t := r.t
	t.Helper()
	r.mu.Lock()
	posted := append([]webex.Message(nil), r.posted...)
	r.mu.Unlock()
	var o outcome
	o.posted = len(posted)
	deadline := time.Now().Add(within)
	var replies map[int]int
	var accepted map[string]bool
	for {
		accepted = r.accepted()
		replies = r.replies(posted)
		o.replied, o.accepted = 0, 0
		var missing []int
		for i, m := range posted {
			if accepted[m.ID] {
				o.accepted++
				if replies[i] == 0 {
					missing = append(missing, i)
				}
			}
			if replies[i] > 0 {
				o.replied++
			}
		}
		if len(missing) == 0 && r.drained() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not settled within %s: %d accepted messages without a reply (first: %v); backlog drained: %v; dead letters: %d",
				within, len(missing), missing[:min(len(missing), 10)], r.drained(), r.deadLetters())
		}
		time.Sleep(100 * time.Millisecond) // poll interval, bounded by the deadline
	}
	// A late duplicate would come from a redelivery: give one AckWait for it.
	time.Sleep(3 * time.Second)
	replies = r.replies(posted)
	o.replied = 0
	accepted = r.accepted()
	for i, m := range posted {
		if replies[i] > 0 {
			o.replied++
			if !accepted[m.ID] {
				o.refusedButHandled++
			}
		}
		if replies[i] > 1 {
			o.duplicates += replies[i] - 1
			t.Errorf("message %d (%s) got %d replies, want at most 1", i, marker(i), replies[i])
		}
		if replies[i] == 0 {
			o.refused++
		}
	}
	r.checkNothingForged()
	http.DefaultClient.CloseIdleConnections()
	statuses := map[string]int{}
	for _, d := range r.sim.Deliveries() {
		if d.Status == 0 {
			statuses["no answer"]++
		} else {
			statuses[strconv.Itoa(d.Status)]++
		}
	}
	t.Logf("posted %d, delivered with 200: %d, replied to (after one more ack wait): %d (of them refused at delivery but stored anyway: %d), without reply: %d, duplicate replies: %d; deliveries (user messages and the bot's own) by status: %v",
		o.posted, o.accepted, o.replied, o.refusedButHandled, o.refused, o.duplicates, statuses)
	return o
}

// accepted returns the ids of the messages whose delivery got a 2xx.
func (r *rig) accepted() map[string]bool {
	out := map[string]bool{}
	for _, d := range r.sim.Deliveries() {
		var b struct {
			Data struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		if d.OK() && json.Unmarshal(d.Body, &b) == nil {
			out[b.Data.ID] = true
		}
	}
	return out
}

// replies counts the bots' replies per message index.
func (r *rig) replies(posted []webex.Message) map[int]int {
	out := map[int]int{}
	for i, ms := range r.repliesTo(posted) {
		out[i] = len(ms)
	}
	return out
}

// repliesTo returns the bots' replies in the rooms of posted, by the index
// (its marker) of the message each answers, oldest first.
func (r *rig) repliesTo(posted []webex.Message) map[int][]webex.Message {
	rooms := map[string]bool{}
	for _, m := range posted {
		rooms[m.RoomID] = true
	}
	re := regexp.MustCompile(`m-(\d+)\.`)
	out := map[int][]webex.Message{}
	for room := range rooms {
		for _, b := range r.sim.Bots() {
			for _, m := range r.sim.MessagesOf(b.ID, room) {
				if g := re.FindStringSubmatch(m.Markdown + " " + m.Text); g != nil {
					i, _ := strconv.Atoi(g[1])
					out[i] = append(out[i], m)
				}
			}
		}
	}
	return out
}

// connect opens a short-lived client of the rig's server.
func (r *rig) connect() (*nats.Conn, jetstream.JetStream) {
	r.t.Helper()
	nc, err := nats.Connect("nats://127.0.0.1:" + strconv.Itoa(r.natsPort))
	if err != nil {
		r.t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		r.t.Fatal(err)
	}
	return nc, js
}

// drained reports whether no consumer of the events stream has anything
// pending or unacknowledged, no call waits in WEBEX_CALLS and ingest's
// spool is empty.
func (r *rig) drained() bool {
	r.t.Helper()
	nc, js := r.connect()
	defer nc.Close()
	ctx, cancel := context.WithTimeout(r.t.Context(), 5*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, events.EventsStream)
	if err != nil {
		return false
	}
	// Read the whole list even once the answer is known: the lister's
	// goroutine blocks, and leaks, until its channel is drained.
	lister := s.ListConsumers(ctx)
	busy := false
	for ci := range lister.Info() {
		busy = busy || ci.NumPending > 0 || ci.NumAckPending > 0
	}
	if busy || lister.Err() != nil {
		return false
	}
	calls, err := js.Stream(ctx, events.CallsStream)
	if err != nil {
		return false
	}
	info, err := calls.Info(ctx)
	return err == nil && info.State.Msgs == 0 && r.spoolEmpty()
}

// spoolEmpty reports whether ingest's spool holds no delivery, as its
// /metrics tells; true without a spool.
func (r *rig) spoolEmpty() bool {
	if !r.opts.spool {
		return true
	}
	resp, err := http.Get("http://" + r.ingestAddr + "/metrics")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return false
	}
	m := regexp.MustCompile(`(?m)^webexpipe_ingest_spool_records (\S+)$`).FindSubmatch(b)
	return m != nil && string(m[1]) == "0"
}

// checkNothingForged reads every stored event and fails the test if a
// forged one is among them.
func (r *rig) checkNothingForged() {
	t := r.t
	t.Helper()
	nc, js := r.connect()
	defer nc.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	c, err := js.OrderedConsumer(ctx, events.EventsStream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := js.Stream(ctx, events.EventsStream)
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for n := uint64(0); n < info.State.Msgs; {
		batch, err := c.Fetch(500, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			if strings.Contains(string(m.Data()), "forged-") {
				t.Errorf("a forged delivery was stored: %s", m.Data())
			}
		}
		if got == 0 {
			break
		}
		n += uint64(got)
	}
}

// logged counts log lines of p matching re.
func logged(p *proctest.Process, re string) int {
	return len(regexp.MustCompile(re).FindAllStringIndex(p.Output(), -1))
}

// deadLetters counts what the workers gave up on.
func (r *rig) deadLetters() uint64 {
	r.t.Helper()
	nc, js := r.connect()
	defer nc.Close()
	ctx, cancel := context.WithTimeout(r.t.Context(), 5*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, events.DLQStream)
	if err != nil {
		return 0
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0
	}
	return info.State.Msgs
}

// raiseEventsLimit lifts the events stream's size limit, as an operator
// would once alerted that it is full.
func (r *rig) raiseEventsLimit() {
	r.t.Helper()
	nc, js := r.connect()
	defer nc.Close()
	ctx, cancel := context.WithTimeout(r.t.Context(), 5*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, events.EventsStream)
	if err != nil {
		r.t.Fatal(err)
	}
	cfg := s.CachedInfo().Config
	cfg.MaxBytes = -1
	if _, err := js.UpdateStream(ctx, cfg); err != nil {
		r.t.Fatal(err)
	}
}
