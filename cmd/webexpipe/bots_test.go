package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/webexpipe/webexpipe/bots"
)

const (
	botsTestToken  = "tok-CMD-5e1d-KNOWN"
	botsTestSecret = "sec-CMD-9a07-KNOWN"
)

// writeRegistry writes a registry and the secret files it references into
// a temp folder; the variables it names are set for the test.
func writeRegistry(t *testing.T, doc string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"bots.yaml":      doc,
		"support-token":  botsTestToken + "\n",
		"support-secret": botsTestSecret + "\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("BOTS_TEST_ALERTS_TOKEN", "alerts-token")
	t.Setenv("BOTS_TEST_ALERTS_SECRET", "alerts-secret")
	return filepath.Join(dir, "bots.yaml")
}

const botsTestRegistry = `bots:
  - id: support
    token_file: support-token
    webhooks:
      - {id: hook1, secret_file: support-secret, resources: [messages]}
      - {secret_file: support-secret, resources: [attachmentActions]}
    max_pause: 1m
  - id: alerts
    token_env: BOTS_TEST_ALERTS_TOKEN
    webhooks: [{secret_env: BOTS_TEST_ALERTS_SECRET}]
`

func TestBotsCheck(t *testing.T) {
	file := writeRegistry(t, botsTestRegistry)
	out, _, err := runCLI(t, "bots", "check", "--file", file)
	if err != nil {
		t.Fatal(err)
	}
	if want := file + ": ok: 2 bots, 3 webhook registrations"; strings.TrimSpace(out) != want {
		t.Errorf("check printed %q, want %q", out, want)
	}
}

func TestBotsCheckReportsEveryProblem(t *testing.T) {
	file := writeRegistry(t, `bots:
  - id: support
    token_file: support-token
    webhooks: [{secret_file: support-secret}]
  - id: copy
    token_file: support-token
    webhooks: [{secret_file: support-secret}]
  - id: Alerts
    token_env: BOTS_TEST_UNSET
    webhooks: [{resources: [messages]}]
`)
	out, _, err := runCLI(t, "bots", "check", "--file", file)
	if err == nil {
		t.Fatalf("an invalid registry passed: %s", out)
	}
	if !errors.Is(err, bots.ErrInvalid) {
		t.Errorf("err = %v, want ErrInvalid", err)
	}
	msg := err.Error()
	for _, want := range []string{
		file + ": 5 problems:",
		"\n  bots[2]: id: not a valid id",
		"\n  bots[2]: token_env: secret reference does not resolve: BOTS_TEST_UNSET is not set",
		"\n  bots[2]: webhooks[0].secret_file: missing",
		"\n  bot copy: token_file: secret shared by two bots: the token is also bot support's",
		"\n  bot copy: webhooks[0]: secret shared by two bots",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error does not say %q:\n%s", want, msg)
		}
	}
	for _, secret := range []string{botsTestToken, botsTestSecret} {
		if strings.Contains(msg, secret) {
			t.Fatalf("the error shows a secret:\n%s", msg)
		}
	}
}

func TestBotsCheckInsecure(t *testing.T) {
	file := writeRegistry(t, "bots:\n  - {id: dev, token_env: BOTS_TEST_ALERTS_TOKEN, webhooks: [{resources: [messages]}]}\n")
	if _, _, err := runCLI(t, "bots", "check", "--file", file); !errors.Is(err, bots.ErrMissing) {
		t.Fatalf("without --insecure-skip-signature: %v, want ErrMissing", err)
	}
	if _, _, err := runCLI(t, "bots", "check", "--file", file, "--insecure-skip-signature"); err != nil {
		t.Fatalf("with --insecure-skip-signature: %v", err)
	}
}

func TestBotsCheckNeedsAFile(t *testing.T) {
	if _, _, err := runCLI(t, "bots", "check"); err == nil || !strings.Contains(err.Error(), "--file") {
		t.Fatalf("err = %v, want one naming --file", err)
	}
	if _, _, err := runCLI(t, "bots", "check", "--file", filepath.Join(t.TempDir(), "none.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want not found", err)
	}
}

func TestBotsList(t *testing.T) {
	file := writeRegistry(t, botsTestRegistry)
	t.Run("table", func(t *testing.T) {
		out, _, err := runCLI(t, "bots", "list", "--file", file)
		if err != nil {
			t.Fatal(err)
		}
		checkHeaders(t, out, []string{"ID", "TOKEN", "WEBHOOKS", "RESOURCES"})
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 3 {
			t.Fatalf("want a header and two bots:\n%s", out)
		}
		for i, want := range [][]string{
			{"alerts", "env", "1", "-"},
			{"support", "file", "2", "messages/created,attachmentActions/created"},
		} {
			if got := strings.Fields(lines[i+1]); !reflect.DeepEqual(got, want) {
				t.Errorf("line %d = %q, want %q", i+1, got, want)
			}
		}
		noSecrets(t, out)
	})
	t.Run("json", func(t *testing.T) {
		out, _, err := runCLI(t, "bots", "list", "--file", file, "-o", "json")
		if err != nil {
			t.Fatal(err)
		}
		var rows []botRow
		if err := json.Unmarshal([]byte(out), &rows); err != nil {
			t.Fatalf("%v:\n%s", err, out)
		}
		want := []botRow{
			{ID: "alerts", TokenSource: "env", Webhooks: 1, WebhookIDs: []string{}, Resources: []string{}},
			{ID: "support", TokenSource: "file", Webhooks: 2, WebhookIDs: []string{"hook1"},
				Resources: []string{"messages/created", "attachmentActions/created"}, MaxPause: "1m0s"},
		}
		if !reflect.DeepEqual(rows, want) {
			t.Errorf("rows = %+v\nwant %+v", rows, want)
		}
		hasKeys(t, oneJSONDocument(t, out).([]any)[0], []string{"id", "token_source", "webhooks", "webhook_ids", "resources"})
		noSecrets(t, out)
	})
}

func noSecrets(t *testing.T, out string) {
	t.Helper()
	for _, secret := range []string{botsTestToken, botsTestSecret, "alerts-token", "alerts-secret"} {
		if strings.Contains(out, secret) {
			t.Fatalf("a secret shows:\n%s", out)
		}
	}
}
