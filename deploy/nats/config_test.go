// Package natsconf_test checks the NATS server configuration in this folder:
// it parses, and its users can do what their binary needs and nothing else.
package natsconf_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers"
)

var passwords = map[string]string{
	"NATS_SYS_PASSWORD":         "sys-pw",
	"WEBEXPIPE_ADMIN_PASSWORD":  "admin-pw",
	"WEBEXPIPE_INGEST_PASSWORD": "ingest-pw",
	"WEBEXPIPE_ECHO_PASSWORD":   "echo-pw",
	"WEBEXPIPE_CARDS_PASSWORD":  "cards-pw",
	"WEBEXPIPE_RETRY_PASSWORD":  "retry-pw",
	"NATS_SERVER_NAME":          "nats-1",
}

// startFromConfig starts a server from file with its ports and store moved
// to the test's loopback port and temp dir.
func startFromConfig(t *testing.T, file string) string {
	t.Helper()
	for k, v := range passwords {
		t.Setenv(k, v)
	}
	opts, err := server.ProcessConfigFile(file)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	opts.Host, opts.Port = "127.0.0.1", server.RANDOM_PORT
	opts.HTTPHost, opts.HTTPPort = "", 0
	opts.StoreDir = t.TempDir()
	opts.NoSigs, opts.NoLog = true, true
	opts.Cluster.Port = 0
	opts.Routes = nil
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

func TestClusterConfigParses(t *testing.T) {
	for k, v := range passwords {
		t.Setenv(k, v)
	}
	opts, err := server.ProcessConfigFile("cluster.conf")
	if err != nil {
		t.Fatal(err)
	}
	if opts.ServerName != "nats-1" || len(opts.Routes) != 3 || !opts.JetStream || opts.Cluster.Name != "webexpipe" {
		t.Errorf("cluster.conf: name %q, %d routes, jetstream %v, cluster %q", opts.ServerName, len(opts.Routes), opts.JetStream, opts.Cluster.Name)
	}
}

// connect connects as user with its inbox prefix.
func connect(t *testing.T, url, user string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url, nats.UserInfo(user, passwords["WEBEXPIPE_"+upper(user)+"_PASSWORD"]),
		nats.CustomInboxPrefix("_INBOX_"+user), nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
	if err != nil {
		t.Fatalf("connect as %s: %v", user, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

func upper(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] >= 'a' && b[i] <= 'z' {
			b[i] -= 'a' - 'A'
		}
	}
	return string(b)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	t.Cleanup(cancel)
	return c
}

// short bounds an operation expected to be refused.
func short(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	t.Cleanup(cancel)
	return c
}

func eventMsg(id string, dedup string) *nats.Msg {
	m := nats.NewMsg(events.EventSubject("messages", "created", 1))
	m.Data = fmt.Appendf(nil, `{"resource":"messages","event":"created","data":{"id":%q,"roomId":"r"}}`, id)
	m.Header.Set(events.HeaderMsgID, dedup)
	return m
}

// TestLeastPrivilegeUsers runs each binary's operations as its user against
// a server started from single.conf.
func TestLeastPrivilegeUsers(t *testing.T) {
	url := startFromConfig(t, "single.conf")
	admin := connect(t, url, "admin")
	if err := events.Provision(ctx(t), admin, events.DefaultStreamOptions()); err != nil {
		t.Fatalf("admin provisions: %v", err)
	}

	t.Run("ingest", func(t *testing.T) {
		js := connect(t, url, "ingest")
		if _, err := js.PublishMsg(ctx(t), eventMsg("m-ok", "k-ok"), jetstream.WithExpectStream(events.EventsStream)); err != nil {
			t.Errorf("publish an event: %v", err)
		}
		if _, err := js.Stream(ctx(t), events.EventsStream); err != nil {
			t.Errorf("stream info for readiness: %v", err)
		}
		denied(t, "publish a dead letter", func() error {
			_, err := js.Publish(short(t), events.DLQSubject("echo"), []byte("{}"))
			return err
		})
		denied(t, "provision", func() error { return events.Provision(short(t), js, events.DefaultStreamOptions()) })
		denied(t, "create a consumer", func() error {
			_, err := js.CreateOrUpdateConsumer(short(t), events.EventsStream, jetstream.ConsumerConfig{Durable: "spy"})
			return err
		})
	})

	for _, worker := range []string{"echo", "cards"} {
		t.Run(worker, func(t *testing.T) {
			js := connect(t, url, worker)
			var handled atomic.Int32
			cfg := workers.DefaultConfig(worker)
			cfg.Events = []events.ResourceEvent{{Resource: "messages", Event: "created"}}
			cfg.StartAt = workers.StartAll
			cfg.Logger = slog.New(slog.DiscardHandler)
			cfg.Metrics = prometheus.NewRegistry()
			r, err := workers.New(js, cfg, workers.HandlerFunc(func(_ context.Context, ev *workers.Event) error {
				handled.Add(1)
				if ev.Envelope.Data.ID == "m-bad" {
					return workers.Permanent(errors.New("bad"))
				}
				return nil
			}))
			if err != nil {
				t.Fatal(err)
			}
			run, stop := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- r.Run(run) }()
			defer func() { stop(); <-done }()

			ingest := connect(t, url, "ingest")
			if _, err := ingest.PublishMsg(ctx(t), eventMsg("m-bad", "k-bad-"+worker)); err != nil {
				t.Fatal(err)
			}
			dlq, err := admin.Stream(ctx(t), events.DLQStream)
			if err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				if _, err := dlq.GetLastMsgForSubject(ctx(t), events.DLQSubject(worker)); err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s could not consume, mark and dead-letter (handled %d)", worker, handled.Load())
				}
				time.Sleep(20 * time.Millisecond) // poll, bounded by the deadline
			}

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
				_, err := js.PublishMsg(short(t), eventMsg("forged", "k-forged"))
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
			rl, err := js.KeyValue(ctx(t), events.RateLimitBucket)
			if err != nil {
				t.Fatalf("open the rate-limit bucket: %v", err)
			}
			if _, err := rl.Put(ctx(t), "token-hash", []byte("2026-01-01T00:00:00Z")); err != nil {
				t.Errorf("write the pause: %v", err)
			}
			if _, err := rl.Get(ctx(t), "token-hash"); err != nil {
				t.Errorf("read the pause: %v", err)
			}
			w, err := rl.Watch(ctx(t), "token-hash")
			if err != nil {
				t.Fatalf("watch the pause: %v", err)
			}
			select {
			case e := <-w.Updates():
				if e == nil || string(e.Value()) != "2026-01-01T00:00:00Z" {
					t.Errorf("watch gave %v", e)
				}
			case <-time.After(5 * time.Second):
				t.Error("watch gave nothing")
			}
			w.Stop()
		})
	}

	t.Run("retry", func(t *testing.T) {
		js := connect(t, url, "retry")
		if _, err := js.Publish(ctx(t), events.CallsSubject("echo"), []byte(`{"call":1}`)); err != nil {
			t.Fatalf("re-queue a call: %v", err)
		}
		c, err := js.CreateOrUpdateConsumer(ctx(t), events.CallsStream, jetstream.ConsumerConfig{
			Durable: "retry", FilterSubject: "webex.calls.>", AckPolicy: jetstream.AckExplicitPolicy,
		})
		if err != nil {
			t.Fatalf("create its consumer: %v", err)
		}
		batch, err := c.Fetch(1, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			if err := m.DoubleAck(ctx(t)); err != nil {
				t.Errorf("ack a call: %v", err)
			}
		}
		if got != 1 {
			t.Errorf("fetched %d calls, want 1", got)
		}
		if _, err := js.Publish(ctx(t), events.DLQSubject("retry"), []byte("{}")); err != nil {
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

// denied checks that op fails. A refused publish or API request is not
// answered at all, so op runs with a short deadline (see short).
func denied(t *testing.T, what string, op func() error) {
	t.Helper()
	if err := op(); err == nil {
		t.Errorf("%s: allowed, want it refused", what)
	}
}
