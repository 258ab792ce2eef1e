package ingest

import (
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/bots"
	"github.com/webexpipe/webexpipe/events"
)

// FuzzBotRouting drives the choice of a delivery's bot and secrets with
// arbitrary bodies, paths and signers: the body's webhook id is untrusted
// when it picks the secrets. Invariant: whatever is accepted was signed
// with a secret of the bot it is taken for, and a bot's path only ever
// takes that bot's deliveries.
func FuzzBotRouting(f *testing.F) {
	env := map[string]string{"A1": "alpha-registered", "A2": "alpha-unlisted", "B1": "beta-registered"}
	reg, err := bots.Parse([]byte(`
bots:
  - id: alpha
    token_env: T
    webhooks:
      - id: HOOKA
        secret_env: A1
      - secret_env: A2
  - id: beta
    token_env: T
    webhooks:
      - id: HOOKB
        secret_env: B1
`), bots.Options{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }, SkipTokens: true})
	if err != nil {
		f.Fatal(err)
	}
	m, err := newMetrics(prometheus.NewRegistry(), reg.IDs())
	if err != nil {
		f.Fatal(err)
	}
	rs := newBotRoutes(Config{Bots: reg}, m)
	signers := []struct{ bot, secret string }{{"alpha", env["A1"]}, {"alpha", env["A2"]}, {"beta", env["B1"]}}
	paths := []*botRoute{nil, rs.byID["alpha"], rs.byID["beta"]}
	for _, id := range []string{"HOOKA", "HOOKB", "OTHER", ""} {
		for p := range paths {
			for s := range signers {
				body := `{"id":"` + id + `","resource":"messages","event":"created","data":{"id":"m","roomId":"r"}}`
				f.Add([]byte(body), uint8(p), uint8(s))
			}
		}
	}
	f.Add([]byte(`{"id":"HOOKA","id":"HOOKB","resource":"messages","event":"created","data":{"id":"m"}}`), uint8(0), uint8(2))
	f.Add([]byte(`{"ID":"HOOKB","id":"HOOKA","resource":"messages","event":"created","data":{"id":"m"}}`), uint8(2), uint8(0))
	f.Fuzz(func(t *testing.T, body []byte, path, signer uint8) {
		pathBot, s := paths[int(path)%len(paths)], signers[int(signer)%len(signers)]
		c, rej := rs.choose(pathBot, body)
		if rej != nil {
			if !slices.Contains([]string{outcomeWrongBot, outcomeUnknownWebhook}, rej.outcome) || strings.ContainsAny(rej.reason, "\r\n") {
				t.Fatalf("refusal %d/%s %q", rej.status, rej.outcome, rej.reason)
			}
			return
		}
		got, rej := admit(body, events.Sign([]byte(s.secret), body), c.verifier, false)
		if rej != nil || c.byID && got.ID != c.claimed {
			return // refused
		}
		if c.bot.id != s.bot {
			t.Fatalf("signed by %s's secret, taken for %s", s.bot, c.bot.id)
		}
		if pathBot != nil && c.bot != pathBot {
			t.Fatalf("on %s's path, taken for %s", pathBot.id, c.bot.id)
		}
	})
}
