package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/bots"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/ingest"
	"github.com/webexpipe/webexpipe/internal/metricstest"
	"github.com/webexpipe/webexpipe/internal/waitfor"
)

// Two bots with secrets of their own. alpha has a registration with a
// webhook id and one without (a webhook created but not written down
// yet); beta has one with an id.
const (
	hookAlpha = "SE9PSy1BTFBIQQ"
	hookBeta  = "SE9PSy1CRVRB"
	hookOther = "SE9PSy1VTkxJU1RFRA" // in no registration
)

var (
	secretAlpha    = []byte("alpha-secret-do-not-log")
	secretAlphaNew = []byte("alpha-unlisted-secret-do-not-log")
	secretBeta     = []byte("beta-secret-do-not-log")
)

const twoBots = `
bots:
  - id: alpha
    token_env: ALPHA_TOKEN
    webhooks:
      - id: ` + hookAlpha + `
        secret_env: ALPHA_SECRET
      - secret_env: ALPHA_NEW_SECRET
  - id: beta
    token_env: BETA_TOKEN
    webhooks:
      - id: ` + hookBeta + `
        secret_env: BETA_SECRET
`

// twoBotRegistry is the registry of twoBots, read as ingest reads it: no
// token.
func twoBotRegistry(t testing.TB) *bots.Registry {
	t.Helper()
	env := map[string]string{
		"ALPHA_SECRET": string(secretAlpha), "ALPHA_NEW_SECRET": string(secretAlphaNew), "BETA_SECRET": string(secretBeta),
	}
	r, err := bots.Parse([]byte(twoBots), bots.Options{
		LookupEnv:  func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		SkipTokens: true,
	})
	if err != nil {
		t.Fatalf("registry: %v", err)
	}
	return r
}

// hookBody is a delivery of webhook hook about a new message in room.
func hookBody(hook, dataID, room string) []byte {
	return bytes.Replace(webhook("messages", "created", dataID, room),
		[]byte(`"id":"Y2lzY29zcGFyazovL3VzL1dFQkhPT0svMQ"`), []byte(`"id":"`+hook+`"`), 1)
}

// signedWith are the headers of body signed with secret.
func signedWith(secret, body []byte) http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(events.SignatureHeader, events.Sign(secret, body))
	return h
}

// counted is webexpipe_ingest_requests_total for outcome and bot.
func (e *testEnv) counted(t testing.TB, outcome, bot string) float64 {
	t.Helper()
	return metricstest.Value(t, e.reg, "webexpipe_ingest_requests_total", map[string]string{"outcome": outcome, "bot": bot})
}

// lastEvent is the newest stored event on subject filter, or nil.
func (e *testEnv) lastEvent(t testing.TB, filter string) *jetstream.RawStreamMsg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := e.js.Stream(ctx, events.EventsStream)
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	m, err := s.GetLastMsgForSubject(ctx, filter)
	if err != nil {
		return nil
	}
	return m
}

func newBotsEnv(t *testing.T) *testEnv {
	t.Helper()
	return newEnv(t, func(c *ingest.Config) { c.Secrets, c.Bots = nil, twoBotRegistry(t) })
}

func TestBotRouting(t *testing.T) {
	e := newBotsEnv(t)
	path := e.url + ingest.DefaultPath
	cases := []struct {
		name    string
		url     string
		body    []byte
		secret  []byte
		status  int
		outcome string
		bot     string // the bot label it is counted under; and stored for, on 200
	}{
		{"registered webhook on its bot's path", path + "/alpha", hookBody(hookAlpha, "m1", "r1"), secretAlpha, 200, "stored", "alpha"},
		{"unlisted webhook on the bot's path, any of its secrets", path + "/alpha", hookBody(hookOther, "m2", "r1"), secretAlphaNew, 200, "stored", "alpha"},
		{"registered webhook on the bare path", path, hookBody(hookBeta, "m3", "r1"), secretBeta, 200, "stored", "beta"},
		{"signed with the other bot's secret", path + "/beta", hookBody(hookOther, "m4", "r1"), secretAlpha, 401, "unauthorized", "beta"},
		{"the registration's secret only, not the bot's others", path + "/alpha", hookBody(hookAlpha, "m5", "r1"), secretAlphaNew, 401, "unauthorized", "alpha"},
		{"another bot's webhook on this bot's path", path + "/beta", hookBody(hookAlpha, "m6", "r1"), secretAlpha, 403, "wrong_bot", "beta"},
		{"unknown bot", path + "/gamma", hookBody(hookAlpha, "m7", "r1"), secretAlpha, 404, "unknown_bot", ""},
		{"unlisted webhook on the bare path of two bots", path, hookBody(hookOther, "m8", "r1"), secretAlpha, 404, "unknown_webhook", ""},
		{"below a bot's path", path + "/alpha/x", hookBody(hookAlpha, "m9", "r1"), secretAlpha, 404, "not_found", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, storedBefore := e.counted(t, tc.outcome, tc.bot), e.stored(t)
			r := do(t, http.MethodPost, tc.url, bytes.NewReader(tc.body), signedWith(tc.secret, tc.body))
			if r.status != tc.status {
				t.Fatalf("status %d (%v), want %d", r.status, r.body, tc.status)
			}
			if got := e.counted(t, tc.outcome, tc.bot) - before; got != 1 {
				t.Errorf("counted %v under outcome %s, bot %q; want 1", got, tc.outcome, tc.bot)
			}
			if tc.status != 200 {
				if got := e.stored(t); got != storedBefore {
					t.Errorf("stored %d events, want none", got-storedBefore)
				}
				return
			}
			m := e.lastEvent(t, events.BotEventsFilter(tc.bot))
			if m == nil || !bytes.Equal(m.Data, tc.body) {
				t.Fatalf("not stored under %s", events.BotEventsFilter(tc.bot))
			}
			if a, _ := events.ParseSubject(m.Subject); a.Bot != tc.bot {
				t.Errorf("subject %s names bot %q, want %q", m.Subject, a.Bot, tc.bot)
			}
			if got := events.BotOf(m.Header); got != tc.bot {
				t.Errorf("%s: %q, want %q", events.HeaderBot, got, tc.bot)
			}
		})
	}
	// Nothing a request named became a label value.
	for b := range metricstest.ByLabel(t, e.reg, "webexpipe_ingest_requests_total", "bot") {
		if b != "" && b != "alpha" && b != "beta" {
			t.Errorf("series with bot %q", b)
		}
	}
}

// TestBotsOneMessage: Webex tells each of two bots in a room about the
// same message, each delivery signed with its bot's secret: both are
// stored, on each bot's subject, rather than the second dropped as a
// duplicate of the first.
func TestBotsOneMessage(t *testing.T) {
	e := newBotsEnv(t)
	body := hookBody(hookOther, "msg-1", "room-1")
	for _, b := range []struct {
		bot    string
		secret []byte
	}{{"alpha", secretAlpha}, {"beta", secretBeta}} {
		r := do(t, http.MethodPost, e.url+ingest.DefaultPath+"/"+b.bot, bytes.NewReader(body), signedWith(b.secret, body))
		if r.status != 200 || r.body["duplicate"] != false {
			t.Fatalf("%s: %d %v, want a new event", b.bot, r.status, r.body)
		}
	}
	if got := e.stored(t); got != 2 {
		t.Fatalf("stored %d events, want 2", got)
	}
	alpha, beta := e.lastEvent(t, events.BotEventsFilter("alpha")), e.lastEvent(t, events.BotEventsFilter("beta"))
	if alpha == nil || beta == nil {
		t.Fatal("an event is missing")
	}
	if alpha.Header.Get(events.HeaderMsgID) == beta.Header.Get(events.HeaderMsgID) {
		t.Error("both events have the same Nats-Msg-Id")
	}
	// A redelivery to one bot is still a duplicate.
	r := do(t, http.MethodPost, e.url+ingest.DefaultPath+"/beta", bytes.NewReader(body), signedWith(secretBeta, body))
	if r.status != 200 || r.body["duplicate"] != true {
		t.Fatalf("redelivery: %d %v, want a duplicate", r.status, r.body)
	}
}

// TestDefaultBotUnchanged: a single-bot deployment stores what it stored
// before there were bots: today's subject, no bot header, today's
// Nats-Msg-Id; its bot's path is served too.
func TestDefaultBotUnchanged(t *testing.T) {
	e := newEnv(t, nil)
	body := webhook("messages", "created", "msg-1", "room-1")
	env, err := events.Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	if r := e.post(t, body, signedHeaders(body)); r.status != 200 {
		t.Fatalf("status %d %v", r.status, r.body)
	}
	subject := env.Subject(events.DefaultPartitions)
	m := e.lastEvent(t, subject)
	if m == nil {
		t.Fatalf("nothing stored on %s", subject)
	}
	if _, ok := m.Header[events.HeaderBot]; ok {
		t.Errorf("the default bot's event has %s", events.HeaderBot)
	}
	if got, want := m.Header.Get(events.HeaderMsgID), events.MsgID(events.DedupKey(env, body)); got != want {
		t.Errorf("Nats-Msg-Id %s, want %s", got, want)
	}
	r := do(t, http.MethodPost, e.url+ingest.DefaultPath+"/"+events.DefaultBot, bytes.NewReader(body), signedHeaders(body))
	if r.status != 200 || r.body["duplicate"] != true {
		t.Fatalf("on the default bot's path: %d %v, want the same event again", r.status, r.body)
	}
	if r := do(t, http.MethodPost, e.url+ingest.DefaultPath+"/other", bytes.NewReader(body), signedHeaders(body)); r.status != 404 {
		t.Fatalf("another bot's path: %d, want 404", r.status)
	}
}

func TestBotsConfig(t *testing.T) {
	reg := twoBotRegistry(t)
	unsigned, err := bots.Parse([]byte("bots:\n  - id: alpha\n    token_env: T\n    webhooks:\n      - resources: [messages]\n"),
		bots.Options{Unsigned: true, SkipTokens: true})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		cfg  ingest.Config
		want error
	}{
		{"registry", ingest.Config{Bots: reg}, nil},
		{"registry and secrets", ingest.Config{Bots: reg, Secrets: [][]byte{secretA}}, ingest.ErrInvalidConfig},
		{"bot without a secret", ingest.Config{Bots: unsigned}, ingest.ErrNoSecret},
		{"bot without a secret, insecure", ingest.Config{Bots: unsigned, Insecure: true}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.cfg.Validate(); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Validate: %v, want %v", err, tc.want)
			}
		})
	}
}

// TestSpoolForwardsBotEvents: bots' deliveries spooled while a shard's
// stream is missing are forwarded to their bot's subject in the shard of
// their partition, with their bot header.
func TestSpoolForwardsBotEvents(t *testing.T) {
	e := newShardedEnv(t, threeShards, func(c *ingest.Config) {
		c.Secrets, c.Bots = nil, twoBotRegistry(t)
		c.PublishTimeout = 300 * time.Millisecond
		c.SpoolDir = t.TempDir()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.js.DeleteStream(ctx, events.ShardStream(1)); err != nil {
		t.Fatal(err)
	}
	botOf := func(p int) (string, []byte) {
		if p%2 == 0 {
			return "alpha", secretAlpha
		}
		return "beta", secretBeta
	}
	rooms := roomPerPartition(t, threeShards.Partitions)
	spooled := 0
	for p, room := range rooms {
		bot, secret := botOf(p)
		body := hookBody(hookOther, fmt.Sprintf("s-%d", p), room)
		r := do(t, http.MethodPost, e.url+ingest.DefaultPath+"/"+bot, bytes.NewReader(body), signedWith(secret, body))
		if r.status != 200 {
			t.Fatalf("partition %d: %d %v, want 200", p, r.status, r.body)
		}
		if r.str("status") == "spooled" {
			spooled++
		}
	}
	if spooled == 0 {
		t.Fatal("nothing was spooled")
	}
	forwarding(t, e.svc)
	localnats.ProvisionTest(t, e.js, shardedStreams(threeShards))
	waitfor.True(t, 15*time.Second, "the spool drained", func() bool {
		return metricstest.Value(t, e.reg, "webexpipe_ingest_spool_records", nil) == 0
	})
	for k, stream := range threeShards.Streams() {
		var want []string
		for _, p := range threeShards.ShardPartitions(k) {
			bot, _ := botOf(p)
			want = append(want, fmt.Sprintf("%s/%s:%d:s-%d", bot, bot, p, p))
		}
		if got := e.botContents(t, stream); !slices.Equal(got, want) {
			t.Errorf("shard %d (%s) holds %v, want %v", k, stream, got, want)
		}
	}
}

// botContents lists "<subject's bot>/<header's bot>:<partition>:<data id>"
// of every event stream holds, in stream order.
func (e *testEnv) botContents(t *testing.T, stream string) []string {
	t.Helper()
	return e.eventLines(t, stream, func(a events.Address, h nats.Header, env *events.Envelope) string {
		return fmt.Sprintf("%s/%s:%d:%s", a.Bot, events.BotOf(h), a.Partition, env.Data.ID)
	})
}

// TestBarePathIsTheDefaultBots: a single-bot deployment that adds a bot
// keeps its first bot as default, whose webhooks still post to the bare
// path with ids the registry does not list. Those deliveries are the
// default bot's, checked with its secrets only.
func TestBarePathIsTheDefaultBots(t *testing.T) {
	const doc = `
bots:
  - id: default
    token_env: T1
    webhooks: [{secret_env: S1}]
  - id: beta
    token_env: T2
    webhooks: [{secret_env: S2}]
`
	env := map[string]string{"S1": string(secretAlpha), "S2": string(secretBeta)}
	r, err := bots.Parse([]byte(doc), bots.Options{SkipTokens: true, LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *ingest.Config) { c.Secrets, c.Bots = nil, r })
	path := e.url + ingest.DefaultPath
	body := hookBody(hookOther, "bare-1", "r1")
	if got := do(t, http.MethodPost, path, bytes.NewReader(body), signedWith(secretBeta, body)); got.status != http.StatusUnauthorized {
		t.Fatalf("beta's secret on the bare path: %d, want 401", got.status)
	}
	if got := do(t, http.MethodPost, path, bytes.NewReader(body), signedWith(secretAlpha, body)); got.status != http.StatusOK {
		t.Fatalf("default's delivery on the bare path: %d %v", got.status, got.body)
	}
	m := e.lastEvent(t, events.EventFilter("*", "*"))
	if m == nil || m.Header.Get(events.HeaderBot) != "" {
		t.Fatalf("not stored as the default bot's event: %v", m)
	}
}
