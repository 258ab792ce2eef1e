package ingest

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/bots"
	"github.com/webexpipe/webexpipe/events"
)

// BenchmarkChooseAndVerify is what picking a delivery's bot and checking
// its signature costs: in a single-bot deployment (no webhook id to look
// up, nothing read before the signature) and with registrations that name
// their ids (the body's id read first to choose the secrets).
func BenchmarkChooseAndVerify(b *testing.B) {
	body := []byte(`{"id":"HOOKA","name":"bot hook","targetUrl":"https://bot.example/webhooks/webex","resource":"messages",` +
		`"event":"created","orgId":"org-1","createdBy":"person-1","appId":"app-1","ownedBy":"creator","status":"active",` +
		`"created":"2026-01-02T03:04:05.000Z","actorId":"person-2","data":{"id":"m-1","roomId":"room-1","roomType":"direct",` +
		`"personId":"person-2","personEmail":"someone@example.com","created":"2026-03-04T05:06:07.000Z"}}`)
	secret := "alpha-registered"
	sig := events.Sign([]byte(secret), body)
	reg, err := bots.Parse([]byte("bots:\n  - id: alpha\n    token_env: T\n    webhooks:\n      - id: HOOKA\n        secret_env: S\n"+
		"  - id: beta\n    token_env: T\n    webhooks:\n      - id: HOOKB\n        secret_env: S2\n"),
		bots.Options{LookupEnv: func(k string) (string, bool) { return map[string]string{"S": secret, "S2": "beta"}[k], true }, SkipTokens: true})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"single", Config{Secrets: [][]byte{[]byte(secret)}}},
		{"registered_ids", Config{Bots: reg}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			m, err := newMetrics(prometheus.NewRegistry(), botIDs(tc.cfg))
			if err != nil {
				b.Fatal(err)
			}
			rs := newBotRoutes(tc.cfg, m)
			b.ReportAllocs()
			for b.Loop() {
				c, rej := rs.choose(nil, body)
				if rej != nil {
					b.Fatal(rej.reason)
				}
				if _, rej := admit(body, sig, c.verifier, false); rej != nil {
					b.Fatal(rej.reason)
				}
			}
		})
	}
}
