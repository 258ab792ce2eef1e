// Package natsconf_test checks the NATS server configuration in this folder:
// it parses, its users can do what their binary does, through the binary's
// own code (the worker runtime, in ordered mode too, the outbox, the
// webhook manager), and nothing else, and the cluster admits no server
// without a certificate of the deployment's CA (rogue_test.go).
package natsconf_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/cmd/workerkit"
	"github.com/webexpipe/webexpipe/deploy/natsconf"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/metricstest"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/admin/recovery"
	"github.com/webexpipe/webexpipe/workers/backlog"
	"github.com/webexpipe/webexpipe/workers/retry"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
	"github.com/webexpipe/webexpipe/workers/webexcall/outbox"
)

// users holds the seed file of each user, made at run time.
type users map[string]string

// newUsers makes an nkey pair per role (and sys), puts the public keys in
// the environment the config reads them from, and returns the seed files.
func newUsers(t *testing.T) users {
	t.Helper()
	dir := t.TempDir()
	u := users{}
	for _, name := range []string{"sys"} {
		seed, pub, err := natsconf.NewUserKey()
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv(natsconf.SysNKeyVar, pub)
		u[name] = writeSeed(t, dir, name, seed)
	}
	for _, r := range events.Roles(events.DefaultSharding()) {
		seed, pub, err := natsconf.NewUserKey()
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv(natsconf.NKeyVar(r.User), pub)
		u[r.User] = writeSeed(t, dir, r.User, seed)
	}
	return u
}

func writeSeed(t *testing.T, dir, name string, seed []byte) string {
	t.Helper()
	f := filepath.Join(dir, name+".nk")
	if err := os.WriteFile(f, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// startSingle starts a server from single.conf with its ports and store
// moved to the test's loopback port and temp dir.
func startSingle(t *testing.T) string {
	t.Helper()
	return startSingleFrom(t, "single.conf")
}

// startSingleFrom is startSingle with the configuration at path.
func startSingleFrom(t *testing.T, path string) string {
	t.Helper()
	opts, err := server.ProcessConfigFile(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if opts.HTTPHost != "127.0.0.1" {
		t.Errorf("single.conf: monitoring on %q, want loopback only", opts.HTTPHost)
	}
	opts.Host, opts.Port = "127.0.0.1", server.RANDOM_PORT
	opts.HTTPHost, opts.HTTPPort = "", 0
	opts.StoreDir = t.TempDir()
	opts.NoSigs, opts.NoLog = true, true
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("server not ready")
	}
	return s.ClientURL()
}

// connect connects as user with its nkey and its inbox prefix, as the
// binaries do with NATS_NKEY_SEED and NATS_INBOX_PREFIX.
func connect(t *testing.T, url string, u users, user string) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	auth, err := nats.NkeyOptionFromSeed(u[user])
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(url, auth, nats.CustomInboxPrefix(events.InboxPrefix(user)),
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
	if err != nil {
		t.Fatalf("connect as %s: %v", user, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

// short bounds an operation expected to be refused: a refused publish or
// API request is not answered at all.
func short(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	t.Cleanup(cancel)
	return c
}

func eventMsg(resource, id, room string) *nats.Msg {
	m := nats.NewMsg(events.EventSubject(resource, "created", events.Partition(room, events.DefaultPartitions)))
	m.Data = fmt.Appendf(nil, `{"resource":%q,"event":"created","data":{"id":%q,"roomId":%q}}`, resource, id, room)
	m.Header.Set(events.HeaderMsgID, resource+"-"+id)
	return m
}

// denied checks that op fails.
func denied(t *testing.T, what string, op func() error) {
	t.Helper()
	if err := op(); err == nil {
		t.Errorf("%s: allowed, want it refused", what)
	}
}

// runWorker runs the worker runtime as user on the given events until
// the test ends, built as the worker binaries build it (with its backlog
// metrics); handle gets every event. It returns the worker's registry.
func runWorker(t *testing.T, js jetstream.JetStream, name string, ordered bool, res string, handle workers.HandlerFunc) *prometheus.Registry {
	t.Helper()
	cfg := workers.DefaultConfig(name)
	cfg.Events = []events.ResourceEvent{{Resource: res, Event: "created"}}
	cfg.StartAt = workers.StartAll
	cfg.Ordered = ordered
	cfg.Logger = slog.New(slog.DiscardHandler)
	reg := prometheus.NewRegistry()
	cfg.Metrics = reg
	r, err := workerkit.NewRunner(js, cfg, handle)
	if err != nil {
		t.Fatal(err)
	}
	run, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(run) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("%s runner: %v", name, err)
		}
	})
	return reg
}

// holder makes a handler hold the event with data id id until the test
// releases it (or ends), so the worker has an event not yet handled.
type holder struct {
	id      string
	held    chan struct{}
	release chan struct{}
}

func newHolder(t *testing.T, id string) *holder {
	h := &holder{id: id, held: make(chan struct{}, 1), release: make(chan struct{})}
	t.Cleanup(func() { h.Release() })
	return h
}

// hold blocks when ev is the held event; true when it was.
func (h *holder) hold(ctx context.Context, ev *workers.Event) bool {
	if ev.Envelope == nil || ev.Envelope.Data.ID != h.id {
		return false
	}
	select {
	case h.held <- struct{}{}:
	default:
	}
	select {
	case <-h.release:
	case <-ctx.Done():
	}
	return true
}

func (h *holder) Release() {
	select {
	case <-h.release:
	default:
		close(h.release)
	}
}

// checkBacklog reads the backlog series a worker exports, as its own NATS
// user: the consumers' counts, the age of the oldest event not handled (a
// message get on the stream) and the dead letters, with no read failing.
func checkBacklog(t *testing.T, reg prometheus.Gatherer, worker string, wantAge bool) {
	t.Helper()
	w := map[string]string{"worker": worker}
	if n := metricstest.Value(t, reg, "webexpipe_worker_backlog_read_errors_total", w); n != 0 {
		t.Errorf("%s: %v backlog readings failed as its own user", worker, n)
	}
	for _, name := range []string{"webexpipe_worker_backlog_pending", "webexpipe_worker_backlog_ack_pending", "webexpipe_worker_dead_letters"} {
		if !metricstest.Exists(t, reg, name, w) {
			t.Errorf("%s: %s missing", worker, name)
		}
	}
	if age := metricstest.Value(t, reg, "webexpipe_worker_backlog_oldest_age_seconds", w); wantAge && age <= 0 {
		t.Errorf("%s: oldest age %v with an event held, want > 0", worker, age)
	}
}

// TestLeastPrivilegeUsers runs each binary's code as its user against a
// server started from single.conf.
func TestLeastPrivilegeUsers(t *testing.T) {
	u := newUsers(t)
	url := startSingle(t)
	_, admin := connect(t, url, u, events.AdminUser)
	if err := events.Provision(ctx(t), admin, events.DefaultStreamOptions()); err != nil {
		t.Fatalf("admin provisions: %v", err)
	}
	_, ingest := connect(t, url, u, events.IngestUser)

	t.Run("ingest", func(t *testing.T) {
		if _, err := ingest.PublishMsg(ctx(t), eventMsg("messages", "m-ok", "r"), jetstream.WithExpectStream(events.EventsStream)); err != nil {
			t.Errorf("publish an event: %v", err)
		}
		if _, err := ingest.Stream(ctx(t), events.EventsStream); err != nil {
			t.Errorf("stream info for readiness: %v", err)
		}
		denied(t, "publish a dead letter", func() error {
			_, err := ingest.Publish(short(t), events.DLQSubject("echo"), []byte("{}"))
			return err
		})
		denied(t, "provision", func() error { return events.Provision(short(t), ingest, events.DefaultStreamOptions()) })
		denied(t, "create a consumer", func() error {
			_, err := ingest.CreateOrUpdateConsumer(short(t), events.EventsStream, jetstream.ConsumerConfig{Durable: "spy"})
			return err
		})
	})

	for _, user := range []string{events.IngestUser, events.WebhooksUser} {
		t.Run(user+" manages webhooks", func(t *testing.T) {
			_, js := connect(t, url, u, user)
			sim := emulator.NewTest(t, emulator.Options{})
			api, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token()})
			if err != nil {
				t.Fatal(err)
			}
			spec := webhooks.Spec{TargetURL: "https://bot.example.com/webhooks/webex", Secret: "s",
				Events: []events.ResourceEvent{{Resource: "messages", Event: "created"}}}
			if _, err := webhooks.Ensure(ctx(t), api, js, spec, webhooks.Options{}); err != nil {
				t.Errorf("ensure (lock, records in %s): %v", events.WebhooksBucket, err)
			}
		})
	}

	t.Run("webhooks recovers lost messages", func(t *testing.T) {
		_, js := connect(t, url, u, events.WebhooksUser)
		sim := emulator.NewTest(t, emulator.Options{})
		api, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sim.PostAsUser(emulator.UserMessage{Text: "lost"}); err != nil { // no webhook: never stored
			t.Fatal(err)
		}
		var res []recovery.Result
		rec, err := recovery.Open(ctx(t), js, api, recovery.Options{OnFinish: func(r recovery.Result) { res = append(res, r) }})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		if err := rec.Record(ctx(t), webhooks.Outage{WebhookID: "w", Resource: "messages", Event: "created", From: now, Until: now.Add(time.Minute)}); err != nil {
			t.Fatalf("record an outage (state in %s): %v", events.WebhooksBucket, err)
		}
		if err := rec.Run(ctx(t)); err != nil || len(res) != 1 || res[0].Stored != 1 {
			t.Errorf("recover (read the stream through %s, store the event): %v %+v", events.RecoveryConsumer, err, res)
		}
		denied(t, "read the stream through another consumer", func() error {
			_, err := js.CreateOrUpdateConsumer(short(t), events.EventsStream, jetstream.ConsumerConfig{Name: "spy",
				FilterSubject: events.EventFilter("messages", "created")})
			return err
		})
		denied(t, "store another kind of event", func() error {
			_, err := js.PublishMsg(short(t), eventMsg("attachmentActions", "a-1", "r"))
			return err
		})
	})

	for _, worker := range []string{"echo", "cards", "memberships"} {
		t.Run(worker, func(t *testing.T) {
			_, js := connect(t, url, u, worker)
			resource := worker
			if worker != "memberships" {
				resource = "messages"
			}
			var handled atomic.Int32
			hold := newHolder(t, "m-hold")
			reg := runWorker(t, js, worker, false, resource, func(ctx context.Context, ev *workers.Event) error {
				handled.Add(1)
				if hold.hold(ctx, ev) {
					return nil
				}
				if ev.Envelope.Data.ID == "m-bad" {
					return workers.Permanent(errors.New("bad"))
				}
				return nil
			})
			if _, err := ingest.PublishMsg(ctx(t), eventMsg(resource, "m-bad", "r-"+worker)); err != nil {
				t.Fatal(err)
			}
			// Held by the handler while the backlog is read below.
			if _, err := ingest.PublishMsg(ctx(t), eventMsg(resource, "m-hold", "r-"+worker)); err != nil {
				t.Fatal(err)
			}
			dlq, err := admin.Stream(ctx(t), events.DLQStream)
			if err != nil {
				t.Fatal(err)
			}
			waitfor.True(t, 20*time.Second, worker+" consumes, marks and dead-letters", func() bool {
				_, err := dlq.GetLastMsgForSubject(ctx(t), events.DLQSubject(worker))
				return err == nil
			})

			waitfor.True(t, 20*time.Second, worker+" holds an event", func() bool { return len(hold.held) > 0 })
			checkBacklog(t, reg, worker, true)
			if n := metricstest.Value(t, reg, "webexpipe_worker_dead_letters", map[string]string{"worker": worker}); n != 1 {
				t.Errorf("%s: dead letters %v, want 1", worker, n)
			}
			hold.Release()

			// The outbox: a failed call stored under its own subject and
			// looked up again, as the worker's Webex client does.
			store := outbox.NewStore(js)
			call := outbox.New(worker, "POST", "messages", []byte(`{"text":"hi"}`), nil)
			if _, err := store.Put(ctx(t), call); err != nil {
				t.Errorf("store a failed call: %v", err)
			}
			if ok, err := store.Pending(ctx(t), worker, call.ID); err != nil || !ok {
				t.Errorf("look up a stored call: pending %v, %v", ok, err)
			}
			denied(t, "store a call as another worker", func() error {
				_, err := outbox.NewStore(js).Put(short(t), outbox.New("retry", "POST", "messages", nil, nil))
				return err
			})

			other := "cards"
			if worker == "cards" {
				other = "echo"
			}
			denied(t, "take over another worker's consumer", func() error {
				_, err := js.CreateOrUpdateConsumer(short(t), events.EventsStream, jetstream.ConsumerConfig{Durable: other, FilterSubject: "webex.events.>"})
				return err
			})
			denied(t, "dead-letter as another worker", func() error {
				_, err := js.Publish(short(t), events.DLQSubject(other), []byte("{}"))
				return err
			})
			denied(t, "store events", func() error {
				_, err := js.PublishMsg(short(t), eventMsg("messages", "forged", "r"))
				return err
			})
			kv, err := js.KeyValue(ctx(t), events.ProcessedBucket)
			if err != nil {
				t.Fatal(err)
			}
			denied(t, "write another worker's markers", func() error {
				_, err := kv.Put(short(t), other+".x", []byte("{}"))
				return err
			})
		})
	}

	t.Run("echo ordered", func(t *testing.T) {
		_, js := connect(t, url, u, "echo")
		var handled atomic.Int32
		hold := newHolder(t, "m-hold-ordered")
		reg := runWorker(t, js, "echo", true, "messages", func(ctx context.Context, ev *workers.Event) error {
			if hold.hold(ctx, ev) {
				return nil
			}
			if ev.Envelope.Data.ID == "m-ordered" {
				handled.Add(1)
			}
			return nil
		})
		if _, err := ingest.PublishMsg(ctx(t), eventMsg("messages", "m-ordered", "room-ordered")); err != nil {
			t.Fatal(err)
		}
		waitfor.True(t, 20*time.Second, "the ordered echo worker handles an event on its partition consumer", func() bool {
			return handled.Load() > 0
		})
		if _, err := ingest.PublishMsg(ctx(t), eventMsg("messages", "m-hold-ordered", "room-held")); err != nil {
			t.Fatal(err)
		}
		waitfor.True(t, 20*time.Second, "the ordered echo worker holds an event", func() bool { return len(hold.held) > 0 })
		checkBacklog(t, reg, "echo", true)
		hold.Release()
	})

	t.Run("retry", func(t *testing.T) {
		_, js := connect(t, url, u, events.RetryWorker)
		c, err := js.CreateOrUpdateConsumer(ctx(t), events.CallsStream, jetstream.ConsumerConfig{
			Durable: events.RetryWorker, FilterSubject: events.CallsFilter, AckPolicy: jetstream.AckExplicitPolicy,
		})
		if err != nil {
			t.Fatalf("create its consumer: %v", err)
		}
		// The workers above stored calls: the retry worker's backlog.
		reg := prometheus.NewRegistry()
		reg.MustRegister(backlog.NewCollector(js, backlog.SourceOf(retry.RunnerConfig(workers.DefaultConfig(events.RetryWorker), retry.Config{})), backlog.Options{}))
		checkBacklog(t, reg, events.RetryWorker, true)
		batch, err := c.Fetch(1, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			call, err := outbox.Decode(m.Data())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := outbox.NewStore(js).Put(ctx(t), call); err != nil {
				t.Errorf("store the updated record of a call: %v", err)
			}
			if err := m.DoubleAck(ctx(t)); err != nil {
				t.Errorf("ack a call: %v", err)
			}
		}
		if _, err := js.Publish(ctx(t), events.DLQSubject(events.RetryWorker), []byte("{}")); err != nil {
			t.Errorf("dead-letter a call: %v", err)
		}
		denied(t, "dead-letter as echo", func() error {
			_, err := js.Publish(short(t), events.DLQSubject("echo"), []byte("{}"))
			return err
		})
		denied(t, "consume events", func() error {
			_, err := js.CreateOrUpdateConsumer(short(t), events.EventsStream, jetstream.ConsumerConfig{Durable: "retry"})
			return err
		})
	})
}
