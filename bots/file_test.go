package bots

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
)

const twoBotsYAML = `
bots:
  - id: support
    token_file: /s/support-token
    webhooks:
      - id: hookA
        secret_file: /s/support-secret
        resources: [messages]
      - secret_env: SUPPORT_CARDS_SECRET
        resources: [attachmentActions/created]
    max_pause: 90s
    target_url: https://bots.example.com/webhooks/webex/support
  - id: alerts
    token_env: ALERTS_TOKEN
    webhooks:
      - secret_env: ALERTS_SECRET
        resources: [messages, memberships/all]
`

// The same registry as JSON, indented with tabs as editors write it.
const twoBotsJSON = "{\n\t\"bots\": [\n" +
	"\t\t{\"id\": \"support\", \"token_file\": \"/s/support-token\", \"webhooks\": [\n" +
	"\t\t\t{\"id\": \"hookA\", \"secret_file\": \"/s/support-secret\", \"resources\": [\"messages\"]},\n" +
	"\t\t\t{\"secret_env\": \"SUPPORT_CARDS_SECRET\", \"resources\": [\"attachmentActions/created\"]}\n" +
	"\t\t], \"max_pause\": \"90s\", \"target_url\": \"https://bots.example.com/webhooks/webex/support\"},\n" +
	"\t\t{\"id\": \"alerts\", \"token_env\": \"ALERTS_TOKEN\", \"webhooks\": [\n" +
	"\t\t\t{\"secret_env\": \"ALERTS_SECRET\", \"resources\": [\"messages\", \"memberships/all\"]}\n" +
	"\t\t]}\n\t]\n}\n"

// twoBotsOptions resolve the references of twoBotsYAML.
func twoBotsOptions() Options {
	return Options{
		ReadFile: files(map[string]string{
			"/s/support-token":  "support-token\n",
			"/s/support-secret": "new-secret\n\nold-secret\n",
		}),
		LookupEnv: env(map[string]string{
			"SUPPORT_CARDS_SECRET": " cards-secret ",
			"ALERTS_TOKEN":         "alerts-token",
			"ALERTS_SECRET":        "alerts-new, alerts-old",
		}),
	}
}

func TestParseYAMLAndJSON(t *testing.T) {
	for _, tt := range []struct{ name, doc string }{{"yaml", twoBotsYAML}, {"json", twoBotsJSON}} {
		t.Run(tt.name, func(t *testing.T) {
			r := mustParse(t, tt.doc, twoBotsOptions())
			if got, want := r.IDs(), []string{"alerts", "support"}; !reflect.DeepEqual(got, want) {
				t.Fatalf("IDs = %v, want %v", got, want)
			}
			s, _ := r.Bot("support")
			if s.Token.Reveal() != "support-token" || s.TokenSource != SourceFile {
				t.Errorf("support token: %q from %s", s.Token.Reveal(), s.TokenSource)
			}
			if s.MaxPause != 90*time.Second || s.TargetURL != "https://bots.example.com/webhooks/webex/support" {
				t.Errorf("support settings: %v %q", s.MaxPause, s.TargetURL)
			}
			if len(s.Webhooks) != 2 || s.Webhooks[0].ID != "hookA" || s.Webhooks[1].ID != "" {
				t.Fatalf("support webhooks: %+v", s.Webhooks)
			}
			if got := reveal(s.Webhooks[0].Secrets); !reflect.DeepEqual(got, []string{"new-secret", "old-secret"}) {
				t.Errorf("secret file read as %q, want one secret a line, in order", got)
			}
			if got := reveal(s.Webhooks[1].Secrets); !reflect.DeepEqual(got, []string{"cards-secret"}) {
				t.Errorf("secret variable read as %q", got)
			}
			a, _ := r.Bot("alerts")
			if a.Token.Reveal() != "alerts-token" || a.TokenSource != SourceEnv {
				t.Errorf("alerts token: %q from %s", a.Token.Reveal(), a.TokenSource)
			}
			if got := reveal(a.Secrets()); !reflect.DeepEqual(got, []string{"alerts-new", "alerts-old"}) {
				t.Errorf("secret variable read as %q, want it split at commas", got)
			}
			want := []events.ResourceEvent{{Resource: "messages", Event: "created"}, {Resource: "memberships", Event: "all"}}
			if !reflect.DeepEqual(a.Resources(), want) {
				t.Errorf("alerts resources = %v, want %v", a.Resources(), want)
			}
		})
	}
}

func reveal(ss []Secret) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Reveal())
	}
	return out
}

// TestParseIsStrict: anything but a registry is refused as a whole, and
// the error says where.
func TestParseIsStrict(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string // in the error
	}{
		{name: "unknown key at the top", doc: "bot:\n  - id: a\n", want: []string{`unknown key "bot"`, "line 1"}},
		{name: "unknown key in a bot", doc: "bots:\n  - id: a\n    tokenfile: /x\n", want: []string{`unknown key "tokenfile" in a bot`, "line 3"}},
		{name: "unknown key in a webhook", doc: "bots:\n  - id: a\n    webhooks:\n      - secretfile: /x\n", want: []string{`unknown key "secretfile" in a webhook`}},
		{name: "a key in another case", doc: "bots:\n  - ID: a\n", want: []string{`unknown key "ID"`}},
		{name: "a key twice", doc: "bots:\n  - id: a\n    id: b\n", want: []string{`"id" already defined`}},
		{name: "a JSON key twice", doc: `{"bots": [], "bots": []}`, want: []string{`"bots" already defined`}},
		{name: "a list where a mapping belongs", doc: "bots:\n  - [a]\n", want: []string{"a seq where a mapping belongs"}},
		{name: "a string where a list belongs", doc: "bots: everything\n", want: []string{"a str where a list belongs"}},
		{name: "two documents", doc: "bots: []\n---\nbots: []\n", want: []string{"more than one YAML document"}},
		{name: "empty", doc: "", want: []string{"empty"}},
		{name: "not YAML", doc: "bots: [\n", want: []string{"line"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc), Options{})
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("err = %v, want ErrFormat", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "bots.file") {
				t.Errorf("error %q names a Go type", err)
			}
		})
	}
}
