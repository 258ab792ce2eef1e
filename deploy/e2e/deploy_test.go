package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// TestComposeDeployment starts compose.yaml's services and sends traffic
// through them: see the package doc.
func TestComposeDeployment(t *testing.T) {
	if os.Getenv("WEBEXPIPE_DEPLOY_TEST") == "" {
		t.Skip("the deployment test builds and runs the whole topology: make test-deploy (WEBEXPIPE_DEPLOY_TEST=1)")
	}
	nginx := nginxBinary(t)
	bins := t.TempDir()
	buildAll(t, bins)
	d := newDeployment(t, bins)

	for i := 1; i <= 3; i++ {
		d.startNATS(fmt.Sprintf("nats-%d", i))
	}
	for i := 1; i <= 3; i++ {
		// compose's health check: /healthz on the node's loopback port.
		waitHTTP(t, fmt.Sprintf("nats-%d healthy", i), fmt.Sprintf("http://127.0.0.1:%d/healthz", d.port(fmt.Sprintf("nats-%d:8222", i))))
	}
	d.provision()
	for name, svc := range d.compose.Services {
		if svc.Image != "webexpipe:local" || name == "provision" {
			continue
		}
		for n := 1; n <= max(svc.Deploy.Replicas, 1); n++ {
			d.startService(name, n)
		}
	}
	d.startNginx(nginx)
	started := regexp.MustCompile(`worker started|ingest listening`)
	for name, p := range d.procs {
		if strings.HasPrefix(name, "nats-") || name == "nginx" || name == "provision" || name == "webhooks" {
			continue // the watchdog shows itself by registering the webhooks, below
		}
		waitfor.Until(t, 60*time.Second, func() (bool, string) {
			if done, err := p.exited(); done {
				t.Fatalf("%s exited (%v):\n%s", name, err, tail(p.output(), 10))
			}
			return p.count(started) > 0, name + " not started"
		})
	}
	api, err := webex.New(webex.Config{BaseURL: d.sim.URL(), Token: botToken})
	if err != nil {
		t.Fatal(err)
	}
	waitfor.True(t, 60*time.Second, "the watchdog registers the three webhooks at nginx", func() bool {
		hooks, err := api.Webhooks(ctx(t, 5*time.Second))
		return err == nil && len(hooks) == 3
	})

	tr := &traffic{d: d}
	t.Run("a message gets one reply", func(t *testing.T) {
		m := tr.post(t, "alice@example.com", "")
		tr.waitReplies(t, []webex.Message{m})
	})

	// failed503 counts the POST /messages the emulator answered 503.
	failed503 := func() int {
		n := 0
		for _, c := range d.sim.Calls() {
			if c.Method == http.MethodPost && c.Path == "/messages" && c.Status == http.StatusServiceUnavailable {
				n++
			}
		}
		return n
	}
	retrySent := regexp.MustCompile(`stored call sent`)

	t.Run("in ordered mode a reply that fails with 503 is retried in place", func(t *testing.T) {
		// compose runs echo with WORKER_ORDERED=true: a failed reply holds
		// its room and is sent by echo itself, not stored for the retry
		// worker, so the room's later replies cannot overtake it.
		retry := d.procs["retry-worker"]
		before, failedBefore := retry.count(retrySent), failed503()
		d.sim.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/messages", Status: http.StatusServiceUnavailable, Times: 1})
		m := tr.post(t, "bob@example.com", "")
		tr.waitReplies(t, []webex.Message{m})
		if n := failed503() - failedBefore; n != 1 {
			t.Errorf("%d POST /messages answered 503, want the one injected", n)
		}
		if retry.count(retrySent) != before {
			t.Error("the retry worker sent a call: an ordered worker's reply must not leave its room")
		}
	})

	t.Run("a card answer that fails with 503 is sent by the retry worker", func(t *testing.T) {
		// The cards worker is not ordered: its failed write is stored on
		// WEBEX_CALLS and the retry worker sends it.
		retry := d.procs["retry-worker"]
		before := retry.count(retrySent)
		card := tr.demoCard(t, "frank@example.com")
		failedBefore := failed503()
		d.sim.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/messages", Status: http.StatusServiceUnavailable, Times: 1})
		if _, err := d.sim.SubmitCard(emulator.CardSubmit{MessageID: card.ID, PersonEmail: "frank@example.com",
			Inputs: map[string]any{"action": "demo", "name": "Frank"}}); err != nil {
			t.Fatal(err)
		}
		waitfor.True(t, 60*time.Second, "the card's answer in its thread", func() bool { return len(tr.threadReplies(card)) > 0 })
		waitfor.True(t, 30*time.Second, "the retry worker logs the stored call sent", func() bool { return retry.count(retrySent) > before })
		if n := failed503() - failedBefore; n != 1 {
			t.Errorf("%d POST /messages answered 503, want the one injected", n)
		}
		if n := len(tr.threadReplies(card)); n != 1 {
			t.Errorf("%d answers in the card's thread, want 1", n)
		}
	})

	t.Run("ordered mode keeps a room's order", func(t *testing.T) {
		// Webex delivers concurrently: each message is posted once the
		// previous one is stored, so stream order is posting order. The
		// first reply is held by Webex for a while; without ordered mode
		// the later replies would overtake it.
		d.sim.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/messages", Delay: 2 * time.Second, Times: 1})
		var sent []webex.Message
		for range 6 {
			m := tr.post(t, "carol@example.com", "")
			tr.waitAccepted(t, m)
			sent = append(sent, m)
		}
		tr.waitReplies(t, sent)
		var order []string
		for _, r := range d.sim.BotMessages(sent[0].RoomID) {
			if g := markerRe.FindString(r.Markdown + " " + r.Text); g != "" {
				order = append(order, g)
			}
		}
		var want []string
		for _, m := range sent {
			want = append(want, markerRe.FindString(m.Text))
		}
		if strings.Join(order, " ") != strings.Join(want, " ") {
			t.Errorf("replies in the order %v, want %v", order, want)
		}
	})

	t.Run("a card submission is answered", func(t *testing.T) {
		card := tr.demoCard(t, "dave@example.com")
		if _, err := d.sim.SubmitCard(emulator.CardSubmit{MessageID: card.ID, PersonEmail: "dave@example.com",
			Inputs: map[string]any{"action": "demo", "name": "Ana"}}); err != nil {
			t.Fatal(err)
		}
		waitfor.True(t, 60*time.Second, "the cards worker answers in the card's thread", func() bool { return len(tr.threadReplies(card)) > 0 })
	})

	t.Run("a membership reaches the membership worker", func(t *testing.T) {
		if _, err := d.sim.ChangeMembership(emulator.MembershipChange{RoomID: "room-team", PersonEmail: "erin@example.com"}); err != nil {
			t.Fatal(err)
		}
		joined := regexp.MustCompile(`person joined a room.*erin@example.com`)
		waitfor.True(t, 60*time.Second, "the membership worker logs the join", func() bool {
			return d.procs["membership-worker"].count(joined) > 0
		})
	})

	t.Run("a disabled webhook is re-enabled", func(t *testing.T) {
		hooks, err := api.Webhooks(ctx(t, 5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		var h webex.Webhook
		for _, x := range hooks {
			if x.Resource == "messages" {
				h = x
			}
		}
		if _, err := api.UpdateWebhook(ctx(t, 5*time.Second), h.ID, webex.WebhookUpdate{Name: h.Name, TargetURL: h.TargetURL, Status: "disabled"}); err != nil {
			t.Fatal(err)
		}
		d.pretendDisabledLongAgo(t)
		waitfor.True(t, 60*time.Second, "the watchdog re-activates the webhook", func() bool {
			hooks, err := api.Webhooks(ctx(t, 5*time.Second))
			if err != nil {
				return false
			}
			for _, x := range hooks {
				if x.ID == h.ID {
					return x.Status == "active"
				}
			}
			return false
		})
		m := tr.post(t, "frank@example.com", "")
		tr.waitReplies(t, []webex.Message{m})
	})

	t.Run("the operator commands run as admin", func(t *testing.T) {
		// As `docker compose run --rm provision webexpipe ...` would: the
		// provision service's environment, the admin user.
		for _, args := range [][]string{
			{"status"},
			{"dlq", "list"},
		} {
			p := startProc(t, "webexpipe "+strings.Join(args, " "), append([]string{filepath.Join(d.bins, "webexpipe")}, args...), d.env("provision", nil))
			select {
			case <-p.done:
			case <-time.After(2 * time.Minute):
				t.Fatalf("webexpipe %v still running after 2 minutes", args)
			}
			if p.err != nil {
				t.Errorf("webexpipe %v as admin: %v\n%s", args, p.err, tail(p.output(), 20))
			}
		}
	})

	t.Run("the stream leader is killed and every 200 still gets one reply", func(t *testing.T) {
		nc, js := d.admin()
		defer nc.Close()
		s, err := js.Stream(ctx(t, 10*time.Second), events.EventsStream)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(ctx(t, 10*time.Second))
		if err != nil || info.Cluster == nil {
			t.Fatalf("stream info: %v", err)
		}
		leader := info.Cluster.Leader
		p := d.procs[leader]
		if p == nil {
			t.Fatalf("the leader %q is none of the nodes", leader)
		}
		done := tr.load(t, 30, 100*time.Millisecond)
		tr.waitPosted(t, 10)
		p.kill()
		t.Logf("killed %s, the leader of %s", leader, events.EventsStream)
		<-done
		d.startNATS(leader) // compose's restart: unless-stopped
	})

	t.Run("every message delivered with 200 got exactly one reply", func(t *testing.T) {
		tr.settle(t, d)
	})
	secrets := []string{botToken, webhookSecret}
	for _, f := range d.seeds {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, strings.TrimSpace(string(b)))
	}
	for name, p := range d.procs {
		for _, s := range secrets {
			if strings.Contains(p.output(), s) {
				t.Errorf("%s logged a secret", name)
			}
		}
	}
}

// markerRe finds the marker tying a message to its reply.
var markerRe = regexp.MustCompile(`m-\d+\.`)

// traffic posts user messages and checks their replies.
type traffic struct {
	d *deployment

	mu     sync.Mutex // guards n and posted
	n      int
	posted []webex.Message
}

// post sends a message as user in their direct room with the bot (room
// empty) and records it.
func (tr *traffic) post(t *testing.T, user, room string) webex.Message {
	t.Helper()
	m, err := tr.send(user, room)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// send posts and records one message.
func (tr *traffic) send(user, room string) (webex.Message, error) {
	tr.mu.Lock()
	tr.n++
	text := "m-" + strconv.Itoa(tr.n) + ". hello"
	tr.mu.Unlock()
	m, err := tr.d.sim.PostAsUser(emulator.UserMessage{PersonEmail: user, RoomID: room, Text: text})
	if err != nil {
		return m, err
	}
	tr.mu.Lock()
	tr.posted = append(tr.posted, m)
	tr.mu.Unlock()
	return m, nil
}

// load posts n messages from four users, one per interval, in the
// background; the channel closes after the last.
func (tr *traffic) load(t *testing.T, n int, interval time.Duration) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for i := range n {
			<-tick.C
			if _, err := tr.send(fmt.Sprintf("load%d@example.com", i%4), ""); err != nil {
				t.Errorf("post %d: %v", i, err)
				return
			}
		}
	}()
	return done
}

func (tr *traffic) waitPosted(t *testing.T, k int) {
	t.Helper()
	start := len(tr.snapshot())
	waitfor.True(t, 60*time.Second, fmt.Sprintf("%d more messages posted", k), func() bool { return len(tr.snapshot()) >= start+k })
}

func (tr *traffic) snapshot() []webex.Message {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]webex.Message(nil), tr.posted...)
}

// replies counts the bot's replies per marker in the rooms of msgs.
func (tr *traffic) replies(msgs []webex.Message) map[string]int {
	rooms := map[string]bool{}
	for _, m := range msgs {
		rooms[m.RoomID] = true
	}
	out := map[string]int{}
	for room := range rooms {
		for _, r := range tr.d.sim.BotMessages(room) {
			if g := markerRe.FindString(r.Markdown + " " + r.Text); g != "" {
				out[g]++
			}
		}
	}
	return out
}

// waitReplies waits until each of msgs has a reply.
func (tr *traffic) waitReplies(t *testing.T, msgs []webex.Message) {
	t.Helper()
	waitfor.Until(t, 90*time.Second, func() (bool, string) {
		got := tr.replies(msgs)
		for _, m := range msgs {
			if got[markerRe.FindString(m.Text)] == 0 {
				return false, "no reply yet to " + m.Text
			}
		}
		return true, ""
	})
}

// waitAccepted waits until the delivery of m got a 2xx: m is stored.
func (tr *traffic) waitAccepted(t *testing.T, m webex.Message) {
	t.Helper()
	waitfor.True(t, 30*time.Second, "the delivery of "+m.Text+" accepted", func() bool { return tr.accepted()[m.ID] })
}

// accepted returns the ids of the messages whose delivery got a 2xx.
func (tr *traffic) accepted() map[string]bool {
	out := map[string]bool{}
	for _, dl := range tr.d.sim.Deliveries() {
		var b struct {
			Data struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		if dl.OK() && json.Unmarshal(dl.Body, &b) == nil {
			out[b.Data.ID] = true
		}
	}
	return out
}

// settle waits until every message delivered with 200 has a reply and
// nothing is left in flight (consumers acknowledged everything, no call
// waits for the retry worker), then fails for any message with more than
// one reply.
func (tr *traffic) settle(t *testing.T, d *deployment) {
	t.Helper()
	posted := tr.snapshot()
	nc, js := d.admin()
	defer nc.Close()
	waitfor.Until(t, 3*time.Minute, func() (bool, string) {
		acc := tr.accepted()
		got := tr.replies(posted)
		for _, m := range posted {
			if acc[m.ID] && got[markerRe.FindString(m.Text)] == 0 {
				return false, "no reply to accepted " + m.Text
			}
		}
		if why := drained(t, js); why != "" {
			return false, why
		}
		return true, ""
	})
	acc := tr.accepted()
	got := tr.replies(posted)
	refused := 0
	for _, m := range posted {
		k := markerRe.FindString(m.Text)
		if got[k] > 1 {
			t.Errorf("%s got %d replies, want one", k, got[k])
		}
		if !acc[m.ID] {
			refused++
		}
	}
	t.Logf("%d messages posted, %d delivered with 200, %d refused during the fault", len(posted), len(posted)-refused, refused)
}

// drained says what is still in flight, or "".
func drained(t *testing.T, js jetstream.JetStream) string {
	for _, name := range []string{events.EventsStream, events.CallsStream} {
		s, err := js.Stream(ctx(t, 5*time.Second), name)
		if err != nil {
			return fmt.Sprintf("stream %s: %v", name, err)
		}
		// The whole list is read even once the answer is known: the
		// lister's goroutine blocks until its channel is drained.
		l := s.ListConsumers(ctx(t, 5*time.Second))
		busy := ""
		for ci := range l.Info() {
			if busy == "" && (ci.NumPending > 0 || ci.NumAckPending > 0) {
				busy = fmt.Sprintf("consumer %s has %d pending, %d unacknowledged", ci.Name, ci.NumPending, ci.NumAckPending)
			}
		}
		if busy != "" {
			return busy
		}
		if err := l.Err(); err != nil && !errors.Is(err, jetstream.ErrEndOfData) {
			return fmt.Sprintf("consumers of %s: %v", name, err)
		}
	}
	return ""
}

// pretendDisabledLongAgo waits until the watchdog has recorded the
// disabled webhook, then moves that record five minutes and more into
// the past, as if the webhook had been disabled since: the watchdog waits
// five minutes before re-activating (Webex's rule), too long for a test.
func (d *deployment) pretendDisabledLongAgo(t *testing.T) {
	t.Helper()
	nc, js := d.admin()
	defer nc.Close()
	kv, err := js.KeyValue(ctx(t, 10*time.Second), events.WebhooksBucket)
	if err != nil {
		t.Fatal(err)
	}
	waitfor.Until(t, 60*time.Second, func() (bool, string) {
		keys, err := kv.Keys(ctx(t, 5*time.Second))
		if err != nil {
			return false, err.Error()
		}
		for _, k := range keys {
			if !strings.HasPrefix(k, "hook.") {
				continue
			}
			e, err := kv.Get(ctx(t, 5*time.Second), k)
			if err != nil {
				return false, err.Error()
			}
			var rec map[string]any
			if json.Unmarshal(e.Value(), &rec) != nil || rec["disabled_since"] == nil {
				continue
			}
			rec["disabled_since"] = time.Now().Add(-10 * time.Minute).UTC().Format(time.RFC3339Nano)
			b, _ := json.Marshal(rec)
			if _, err := kv.Update(ctx(t, 5*time.Second), k, b, e.Revision()); err != nil {
				return false, "backdate: " + err.Error()
			}
			return true, ""
		}
		return false, "the watchdog has not recorded the disabled webhook"
	})
}

// demoCard has user ask the bot for the demo card and returns the card's
// message once the echo worker has sent it.
func (tr *traffic) demoCard(t *testing.T, user string) webex.Message {
	t.Helper()
	m, err := tr.d.sim.PostAsUser(emulator.UserMessage{PersonEmail: user, Text: "card"})
	if err != nil {
		t.Fatal(err)
	}
	var card webex.Message
	waitfor.True(t, 60*time.Second, "the bot sends the demo card", func() bool {
		for _, r := range tr.d.sim.BotMessages(m.RoomID) {
			if len(r.Attachments) > 0 {
				card = r
				return true
			}
		}
		return false
	})
	return card
}

// threadReplies are the bot's messages in card's thread.
func (tr *traffic) threadReplies(card webex.Message) []webex.Message {
	var out []webex.Message
	for _, r := range tr.d.sim.BotMessages(card.RoomID) {
		if r.ParentID == card.ID {
			out = append(out, r)
		}
	}
	return out
}
