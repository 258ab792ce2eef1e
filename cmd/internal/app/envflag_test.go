package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
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
		nats NATSOptions
		in   IngestOptions
	)
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	nats.AddFlags(fs)
	in.AddFlags(fs)
	if err := fs.Parse([]string{"--stream-replicas", "1"}); err != nil {
		t.Fatal(err)
	}
	if err := BindEnv(fs, lookup); err != nil {
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
	var in IngestOptions
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	in.AddFlags(fs)
	err := BindEnv(fs, func(k string) (string, bool) {
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

func TestEnvName(t *testing.T) {
	for flag, want := range map[string]string{"nats-url": "NATS_URL", "webex-webhook-secret-file": "WEBEX_WEBHOOK_SECRET_FILE", "partitions": "PARTITIONS"} {
		if got := EnvName(flag); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", flag, got, want)
		}
	}
}

func TestSecretsAndTokenFromFiles(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secrets")
	os.WriteFile(secretFile, []byte("new-secret\n\n  old-secret  \n"), 0o600)
	tokenFile := filepath.Join(dir, "token")
	os.WriteFile(tokenFile, []byte("the-token\n"), 0o600)

	in := IngestOptions{Secrets: []string{"flag-secret"}, SecretFile: secretFile}
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
	tok, err := WebexOptions{TokenFile: tokenFile}.ResolveToken()
	if err != nil || tok != "the-token" {
		t.Errorf("token = %q, %v", tok, err)
	}
	if tok, _ := (WebexOptions{Token: "flag", TokenFile: tokenFile}).ResolveToken(); tok != "flag" {
		t.Errorf("an explicit token should win over the file, got %q", tok)
	}
	if _, err := (IngestOptions{SecretFile: filepath.Join(dir, "missing")}).ResolveSecrets(); err == nil {
		t.Error("a missing secret file was accepted")
	}
}

func TestStreamStorage(t *testing.T) {
	o := NATSOptions{Storage: "tape"}
	o.Streams.Replicas = 1
	if _, err := o.streamOptions(); err == nil {
		t.Error("unknown storage accepted")
	}
}

func TestNATSAuthOptions(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("from-file\n"), 0o600)
	opts, err := NATSOptions{User: "u", PasswordFile: pw, InboxPrefix: "_INBOX_u"}.authOptions()
	if err != nil || len(opts) != 2 {
		t.Fatalf("options %d, %v", len(opts), err)
	}
	if _, err := (NATSOptions{NKeySeed: filepath.Join(dir, "missing")}).authOptions(); err == nil {
		t.Error("a missing nkey seed file was accepted")
	}
}

func TestFlagOnly(t *testing.T) {
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	var force bool
	var url string
	fs.BoolVar(&force, "force", false, "force it")
	fs.StringVar(&url, "nats-url", "", "where")
	FlagOnly(fs, "force", "no-such-flag")
	env := map[string]string{"FORCE": "true", "NATS_URL": "nats://x:4222"}
	if err := BindEnv(fs, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	if force || url != "nats://x:4222" {
		t.Errorf("force %v (want false: flag only), url %q (want from the environment)", force, url)
	}
	DescribeEnv(fs)
	if u := fs.Lookup("force").Usage; strings.Contains(u, "env") {
		t.Errorf("a flag-only flag names a variable: %q", u)
	}
	if u := fs.Lookup("nats-url").Usage; !strings.Contains(u, "(env NATS_URL)") {
		t.Errorf("usage %q", u)
	}
}
