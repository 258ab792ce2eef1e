package bots

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Known values, to look for wherever a registry can end up.
const (
	knownToken  = "tok-7f3a9c1e-KNOWN"
	knownSecret = "sec-41b8d2aa-KNOWN"
)

// TestSecretsNeverShown formats a registry holding known secrets in every
// way a value leaves a process (fmt verbs, JSON, YAML, slog text and JSON)
// and the errors of registries that hold them in the wrong place: the
// secrets appear nowhere.
func TestSecretsNeverShown(t *testing.T) {
	r := mustParse(t, "bots:\n  - id: a\n    token_env: TOKEN\n    webhooks: [{id: h1, secret_env: SECRET, resources: [messages]}]\n",
		Options{LookupEnv: env(map[string]string{"TOKEN": knownToken, "SECRET": knownSecret})})
	b, _ := r.Bot("a")
	if b.Token.Reveal() != knownToken || b.Secrets()[0].Reveal() != knownSecret {
		t.Fatal("the registry does not hold the known secrets; the test would prove nothing")
	}
	_, w, _ := r.Webhook("h1")
	values := map[string]any{
		"secret": b.Token, "secret pointer": &b.Token, "secrets": b.Secrets(),
		"bot": *b, "bot pointer": b, "bots": r.Bots(), "webhook": *w, "registry": *r, "registry pointer": r,
	}
	var out strings.Builder
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%10.3s", "%d"} {
			fmt.Fprintf(&out, "%s %s: "+verb+"\n", name, verb, v)
		}
		fmt.Fprintln(&out, v)
		j, err := json.Marshal(v)
		if err != nil {
			t.Errorf("json %s: %v", name, err)
		}
		out.Write(j)
		y, err := yaml.Marshal(v)
		if err != nil {
			t.Errorf("yaml %s: %v", name, err)
		}
		out.Write(y)
	}
	var logs bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&logs, nil), slog.NewJSONHandler(&logs, nil)} {
		log := slog.New(h)
		log.Info("bot", "bot", b, "token", b.Token, "secrets", b.Secrets(), "webhook", w)
		log.Info("bot", slog.Any("bot", *b), slog.Group("g", "registry", r))
	}
	out.Write(logs.Bytes())

	// A secret written where a reference or an id belongs.
	for _, doc := range []string{
		"bots:\n  - id: a\n    token: " + knownToken + "\n",
		"bots:\n  - id: a\n    token_file: {x: " + knownToken + "}\n",
		"bots:\n  - id: a\n    webhooks: " + knownSecret + "\n",
		"bots:\n  - id: a\n    webhooks: [{secret: " + knownSecret + "}]\n",
		"bots:\n  - id: a\n    webhooks: [{resources: " + knownSecret + "}]\n",
		"bots:\n  - id: a\n    webhooks: [{secrets: [" + knownSecret + "]}]\n",
		"bots:\n  - id: a\n    max_pause: [" + knownSecret + "]\n",
		"bots: " + knownSecret + "\n",
		"bots:\n  - " + knownSecret + "\n",
		knownSecret + "\n",
	} {
		_, err := Parse([]byte(doc), Options{})
		if err == nil {
			t.Errorf("no error for %q", doc)
			continue
		}
		fmt.Fprintln(&out, err)
	}
	// A token and a secret shared by two bots.
	_, err := Parse([]byte("bots:\n  - {id: a, token_env: TOKEN, webhooks: [{secret_env: SECRET}]}\n  - {id: b, token_env: TOKEN, webhooks: [{secret_env: SECRET}]}\n"),
		Options{LookupEnv: env(map[string]string{"TOKEN": knownToken, "SECRET": knownSecret})})
	if err == nil {
		t.Error("a shared secret was not refused")
	}
	fmt.Fprintln(&out, err)

	s := out.String()
	for _, secret := range []string{knownToken, knownSecret} {
		for _, form := range []string{secret, secret[:10], hex.EncodeToString([]byte(secret)), strings.ToUpper(hex.EncodeToString([]byte(secret)))} {
			if strings.Contains(s, form) {
				t.Fatalf("%q shows in:\n%s", form, s)
			}
		}
	}
	if !strings.Contains(s, redacted) {
		t.Fatalf("nothing redacted; did anything print?\n%s", s)
	}
}

func TestSecret(t *testing.T) {
	var zero Secret
	if !zero.IsZero() || NewSecret("x").IsZero() {
		t.Error("IsZero")
	}
	if !NewSecret("x").Equal(NewSecret("x")) || NewSecret("x").Equal(NewSecret("y")) {
		t.Error("Equal")
	}
	if got := fmt.Sprintf("%#v", NewSecret("x")); got != "bots.Secret([redacted])" {
		t.Errorf("%%#v = %s", got)
	}
}
