package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/webexpipe/webexpipe/bots"
	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/cmd/process"
)

func TestBindEnv(t *testing.T) {
	env := map[string]string{
		"NATS_URL":             "nats://a:4222,nats://b:4222",
		"WEBEX_WEBHOOK_SECRET": "s1,s2",
		"PUBLISH_TIMEOUT":      "2s",
		"STREAM_REPLICAS":      "3",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }

	var (
		nats process.NATSOptions
		in   app.IngestOptions
	)
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	nats.AddFlags(fs)
	in.AddFlags(fs)
	if err := fs.Parse([]string{"--stream-replicas", "1"}); err != nil {
		t.Fatal(err)
	}
	if err := process.BindEnv(fs, lookup); err != nil {
		t.Fatal(err)
	}
	if nats.URL != env["NATS_URL"] {
		t.Errorf("NATS_URL not applied: %q", nats.URL)
	}
	if nats.Streams.Replicas != 1 {
		t.Errorf("the command line must win over the environment: replicas %d", nats.Streams.Replicas)
	}
	if in.PublishTimeout != 2*time.Second {
		t.Errorf("PUBLISH_TIMEOUT not applied: %s", in.PublishTimeout)
	}
	secrets, err := in.ResolveSecrets()
	if err != nil || len(secrets) != 2 || string(secrets[1]) != "s2" {
		t.Errorf("secrets = %q, %v", secrets, err)
	}
}

func TestBindEnvErrorHidesSecretValues(t *testing.T) {
	var in app.IngestOptions
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	in.AddFlags(fs)
	err := process.BindEnv(fs, func(k string) (string, bool) {
		if k == "WEBEX_WEBHOOK_SECRET" {
			return `"hunter2`, true // a CSV quote left open: the value cannot be parsed
		}
		return "", false
	})
	if err == nil {
		t.Fatal("an invalid value was accepted")
	}
	if strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "WEBEX_WEBHOOK_SECRET") {
		t.Errorf("error should name the variable and not its value: %v", err)
	}
}

func TestSecretsAndTokenFromFiles(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secrets")
	os.WriteFile(secretFile, []byte("new-secret\n\n  old-secret  \n"), 0o600)
	tokenFile := filepath.Join(dir, "token")
	os.WriteFile(tokenFile, []byte("the-token\n"), 0o600)

	in := app.IngestOptions{Secrets: []string{"flag-secret"}, SecretFile: secretFile}
	secrets, err := in.ResolveSecrets()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range secrets {
		got = append(got, string(s))
	}
	if strings.Join(got, ",") != "flag-secret,new-secret,old-secret" {
		t.Errorf("secrets = %v", got)
	}
	tok, err := process.WebexOptions{TokenFile: tokenFile}.ResolveToken()
	if err != nil || tok != "the-token" {
		t.Errorf("token = %q, %v", tok, err)
	}
	if tok, _ := (process.WebexOptions{Token: "flag", TokenFile: tokenFile}).ResolveToken(); tok != "flag" {
		t.Errorf("an explicit token should win over the file, got %q", tok)
	}
	if _, err := (app.IngestOptions{SecretFile: filepath.Join(dir, "missing")}).ResolveSecrets(); err == nil {
		t.Error("a missing secret file was accepted")
	}
}

// TestIngestBotRegistry: without BOTS_FILE ingest serves the one default
// bot of the secret settings; a registry given by the caller (dev mode)
// is served as it is, and refused next to the settings it replaces.
func TestIngestBotRegistry(t *testing.T) {
	single, err := app.IngestOptions{Secrets: []string{"s1", "s2"}}.BotRegistry()
	if err != nil {
		t.Fatal(err)
	}
	if ids := single.IDs(); len(ids) != 1 || ids[0] != bots.DefaultBotID {
		t.Fatalf("bots %v, want the default bot", ids)
	}
	if b, _ := single.Bot(bots.DefaultBotID); len(b.Secrets()) != 2 {
		t.Errorf("the default bot has %d secrets, want 2", len(b.Secrets()))
	}
	if _, err := (app.IngestOptions{}).Config(nil, nil); err == nil || !strings.Contains(err.Error(), "WEBEX_WEBHOOK_SECRET") {
		t.Errorf("no secret: %v, want an error naming the setting", err)
	}

	given, err := bots.Parse([]byte("bots:\n  - id: alpha\n    token_env: T\n    webhooks:\n      - secret_env: S\n"),
		bots.Options{LookupEnv: func(string) (string, bool) { return "s", true }, SkipTokens: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := app.IngestOptions{Registry: given}.Config(nil, nil)
	if err != nil || cfg.Bots != given {
		t.Fatalf("Config: %v; want the given registry served", err)
	}
	for _, in := range []app.IngestOptions{
		{Registry: given, Secrets: []string{"s"}},
		{Registry: given, Bots: process.BotsOptions{File: "bots.yaml"}},
	} {
		if _, err := in.Config(nil, nil); err == nil {
			t.Errorf("%+v: accepted", in)
		}
	}
}
