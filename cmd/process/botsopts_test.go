package process_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webexpipe/webexpipe/bots"
	"github.com/webexpipe/webexpipe/cmd/process"
)

func TestBotsOptionsRegistry(t *testing.T) {
	// Without a file: the one bot of the single-bot settings.
	r, err := process.BotsOptions{}.Registry(bots.SingleSettings{Token: "tok", Secrets: []string{"s1"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.IDs(); len(got) != 1 || got[0] != bots.DefaultBotID {
		t.Fatalf("ids %v", got)
	}
	b, _ := r.Bot(bots.DefaultBotID)
	client, err := process.WebexOptions{APIURL: "http://127.0.0.1:1"}.ClientFor(b)
	if err != nil || client == nil {
		t.Fatalf("client: %v", err)
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte("secret-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "bots.yaml")
	reg := "bots:\n  - id: support\n    token_file: token\n    webhooks:\n      - secret_env: TEST_SUPPORT_SECRET\n"
	if err := os.WriteFile(file, []byte(reg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TEST_SUPPORT_SECRET", "hook-secret")
	r, err = process.BotsOptions{File: file}.Registry(bots.SingleSettings{})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.IDs(); len(got) != 1 || got[0] != "support" {
		t.Fatalf("ids %v", got)
	}

	// A file and a single-bot token together: which one serves the bot
	// would be a guess.
	_, err = process.BotsOptions{File: file}.Registry(bots.SingleSettings{Token: "stale"})
	if err == nil || !strings.Contains(err.Error(), "BOTS_FILE") || strings.Contains(err.Error(), "stale") {
		t.Errorf("file and token: %v", err)
	}
	// A bot without a token gets no client, and the error names the bot.
	_, err = process.WebexOptions{}.ClientFor(&bots.Bot{ID: "alerts"})
	if err == nil || !strings.Contains(err.Error(), "alerts") {
		t.Errorf("no token: %v", err)
	}
}
