package process

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestEnvName(t *testing.T) {
	for flag, want := range map[string]string{"nats-url": "NATS_URL", "webex-webhook-secret-file": "WEBEX_WEBHOOK_SECRET_FILE", "partitions": "PARTITIONS"} {
		if got := EnvName(flag); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", flag, got, want)
		}
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
