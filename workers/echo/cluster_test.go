package echo_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/ingest"
	"github.com/webexpipe/webexpipe/internal/pipelinetest"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/echo"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

const clusterSecret = "cluster-secret"

// clusterWorker is one echo worker process of the cluster test.
type clusterWorker struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when Run returned
	err    error         // Run's result, set before done closes
}

// stop stops the worker, waits for its drain and fails the test if Run
// failed. It may be called more than once.
func (w *clusterWorker) stop(t *testing.T) {
	t.Helper()
	w.cancel()
	select {
	case <-w.done:
		// While a node is down, an ack can wait for a new consumer leader
		// longer than the drain allows; the event then comes back after
		// its AckWait, and the reply checks below catch any repeat.
		if errors.Is(w.err, workers.ErrDrainTimeout) {
			t.Logf("worker stopped with %v", w.err)
		} else if w.err != nil {
			t.Errorf("worker stopped with %v", w.err)
		}
	case <-time.After(time.Minute):
		t.Error("worker did not stop")
	}
}

// TestClusterLeaderLossAndScaleOut runs the pipeline on a 3-node cluster
// with every stream replicated three times: two ingest instances behind a
// round-robin front and three echo workers, each with its own connection
// given the whole server list. While users keep posting, the events
// stream's leader node is shut down and, later, one worker stops. Then
// every delivery that got a 200 is stored, every stored message got
// exactly one reply, and a message that was not stored got none (and no
// 200).
func TestClusterLeaderLossAndScaleOut(t *testing.T) {
	c := localnats.StartClusterTest(t)
	_, admin := c.ConnectTest(t)
	o := events.DefaultStreamOptions()
	o.Replicas = 3
	o.Storage = jetstream.MemoryStorage
	localnats.ProvisionTest(t, admin, o)

	sim := emulator.NewTest(t, emulator.Options{Logger: pipelinetest.Logger(t)})
	client, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}

	var ingests [2]http.Handler
	for i := range ingests {
		nc, js := c.ConnectTest(t)
		svc, err := ingest.New(ingest.Config{
			Secrets: [][]byte{[]byte(clusterSecret)}, PublishTimeout: 8 * time.Second, Logger: pipelinetest.Logger(t),
		}, nc, js)
		if err != nil {
			t.Fatal(err)
		}
		ingests[i] = svc.Handler()
	}
	var turn atomic.Uint64
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ingests[turn.Add(1)%2].ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := client.CreateWebhook(ctx, webex.WebhookRequest{
		Name: "cluster", TargetURL: front.URL + "/webhooks/webex", Resource: "messages", Event: "created", Secret: clusterSecret,
	}); err != nil {
		t.Fatal(err)
	}

	running := make([]*clusterWorker, 3)
	for i := range running {
		running[i] = startClusterWorker(t, c, client)
	}

	// Users post steadily; the leader goes away after a third of them and
	// a worker stops after two thirds.
	const total = 180
	var sent atomic.Int64
	posted := make([]webex.Message, total)
	sender := make(chan error, 1)
	go func() {
		tick := time.NewTicker(8 * time.Millisecond)
		defer tick.Stop()
		for n := range total {
			<-tick.C
			m, err := sim.PostAsUser(emulator.UserMessage{
				PersonEmail: fmt.Sprintf("user%d@example.com", n%8), Text: token(n),
			})
			if err != nil {
				sender <- err
				return
			}
			posted[n] = m
			sent.Add(1)
		}
		sender <- nil
	}()
	waitSent := func(n int64) {
		waitfor.Until(t, time.Minute, func() (bool, string) {
			return sent.Load() >= n, fmt.Sprintf("%d of %d posted", sent.Load(), n)
		})
	}
	waitSent(total / 3)
	leader := c.StreamLeader(events.EventsStream)
	if leader < 0 {
		t.Fatal("the events stream has no leader")
	}
	c.Stop(leader)
	t.Logf("stopped node %d, the leader of %s, after %d messages", leader, events.EventsStream, sent.Load())
	waitSent(2 * total / 3)
	running[0].stop(t)
	t.Logf("stopped worker 0 after %d messages", sent.Load())
	if err := <-sender; err != nil {
		t.Fatalf("post as user: %v", err)
	}

	// Every user message was delivered once; collect the answers.
	bot := sim.Bot().ID
	answered := map[string]int{} // message id -> ingest's status
	// The deadlines below are generous: a loaded machine may take long to
	// elect leaders and redeliver, and only the counts are asserted.
	waitfor.Until(t, 90*time.Second, func() (bool, string) {
		clear(answered)
		for _, d := range sim.Deliveries() {
			env, err := events.Decode(d.Body)
			if err != nil || env.Data.PersonID == bot {
				continue
			}
			answered[env.Data.ID] = d.Status
		}
		return len(answered) == total, fmt.Sprintf("%d of %d user deliveries answered", len(answered), total)
	})
	stored := storedIDs(t, admin)
	var notStored, rejected int
	for _, m := range posted {
		status := answered[m.ID]
		if status != http.StatusOK {
			rejected++
		}
		if !stored[m.ID] {
			notStored++
			if status == http.StatusOK {
				t.Errorf("message %s got 200 but is not in the stream", m.ID)
			}
		}
	}
	t.Logf("%d deliveries refused, %d messages not stored", rejected, notStored)

	// Every stored message gets exactly one reply, from the two workers
	// left.
	waitfor.Until(t, 90*time.Second, func() (bool, string) {
		for n, m := range posted {
			if stored[m.ID] && replies(sim, m.RoomID, bot, n) == 0 {
				return false, fmt.Sprintf("no reply to %s yet", token(n))
			}
		}
		return caughtUp(admin)
	})
	for n, m := range posted {
		want := 0
		if stored[m.ID] {
			want = 1
		}
		if got := replies(sim, m.RoomID, bot, n); got != want {
			t.Errorf("%s (stored %v, answered %d): %d replies, want %d", token(n), stored[m.ID], answered[m.ID], got, want)
		}
	}
}

// token is the text of user message n, unique in every reply. It holds
// nothing markdown would escape, so it reads the same in the reply.
func token(n int) string { return fmt.Sprintf("ping c%04d", n) }

// replies counts the bot's messages in room that echo message n.
func replies(sim *emulator.Server, roomID, bot string, n int) int {
	got := 0
	for _, m := range sim.RoomMessages(roomID) {
		if m.PersonID == bot && strings.Contains(m.Markdown+m.Text, token(n)) {
			got++
		}
	}
	return got
}

// startClusterWorker runs an echo worker with a connection of its own
// until the test ends or it is stopped.
func startClusterWorker(t *testing.T, c *localnats.Cluster, client *webex.Client) *clusterWorker {
	t.Helper()
	_, js := c.ConnectTest(t)
	h, err := echo.New(client, echo.Config{Logger: pipelinetest.Logger(t), RecheckAfter: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cfg := workers.DefaultConfig(echo.Name)
	cfg.Events = echo.Events
	cfg.AckWait = 3 * time.Second
	cfg.DrainTimeout = 10 * time.Second
	cfg.Backoff = workers.Backoff{Initial: 100 * time.Millisecond, Max: time.Second, Multiplier: 2}
	cfg.Logger = pipelinetest.Logger(t)
	cfg.Metrics = prometheus.NewRegistry()
	r, err := workers.New(js, cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &clusterWorker{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		w.err = r.Run(ctx)
	}()
	t.Cleanup(func() { w.stop(t) })
	select {
	case <-r.Ready():
	case <-w.done:
		t.Fatalf("worker stopped before it was ready: %v", w.err)
	case <-time.After(10 * time.Second):
		t.Fatal("worker not ready")
	}
	return w
}

// storedIDs returns the data ids of every event in the events stream.
func storedIDs(t *testing.T, js jetstream.JetStream) map[string]bool {
	t.Helper()
	// One get per message, on a cluster that just lost a node: a loaded
	// machine needs far longer than an idle one.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := js.Stream(ctx, events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			t.Fatalf("get %d: %v", seq, err)
		}
		if env, err := events.Decode(m.Data); err == nil {
			ids[env.Data.ID] = true
		}
	}
	return ids
}

// caughtUp reports whether the echo consumer has nothing left to deliver
// or to settle.
func caughtUp(js jetstream.JetStream) (bool, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	cons, err := js.Consumer(ctx, events.EventsStream, echo.Name)
	if err != nil {
		return false, err.Error()
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return false, err.Error()
	}
	if info.NumPending > 0 || info.NumAckPending > 0 || info.NumRedelivered > 0 {
		return false, fmt.Sprintf("echo consumer: %d pending, %d unacknowledged", info.NumPending, info.NumAckPending)
	}
	return true, ""
}
