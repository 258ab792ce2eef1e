package app

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/webexpipe/webexpipe/bots"
	"github.com/webexpipe/webexpipe/cmd/process"
)

const twoBotsFile = `bots:
  - id: alpha
    token_env: ALPHA_TOKEN
    webhooks:
      - secret_env: ALPHA_SECRET
  - id: beta
    token_env: BETA_TOKEN
    webhooks:
      - secret_env: BETA_SECRET
`

func TestBotChoice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bots.yaml")
	if err := os.WriteFile(path, []byte(twoBotsFile), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		c    BotChoice
		want []string
		bad  string
	}{
		{name: "single-bot settings", want: []string{"default"}},
		{name: "every bot of the file", c: BotChoice{Registry: registryFile(path)}, want: []string{"alpha", "beta"}},
		{name: "one", c: BotChoice{Registry: registryFile(path), IDs: []string{"beta"}}, want: []string{"beta"}},
		{name: "twice, out of order", c: BotChoice{Registry: registryFile(path), IDs: []string{"beta", "alpha", "beta"}}, want: []string{"alpha", "beta"}},
		{name: "unknown", c: BotChoice{Registry: registryFile(path), IDs: []string{"gamma"}}, bad: `"gamma": no such bot; the registry has alpha, beta`},
		{name: "default with a file", c: BotChoice{Registry: registryFile(path), IDs: []string{"default"}}, bad: `"default": no such bot`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.IDsOnly()
			bs, err := tt.c.Bots(bots.SingleSettings{})
			if tt.bad != "" {
				// The message names the ids an operator may give.
				if !errors.Is(err, ErrUnknownBot) || !strings.Contains(err.Error(), tt.bad) {
					t.Fatalf("Bots = %v, %v; want an error saying %q", BotIDs(bs), err, tt.bad)
				}
				return
			}
			if err != nil || !slices.Equal(BotIDs(bs), tt.want) {
				t.Errorf("Bots = %v, %v; want %v", BotIDs(bs), err, tt.want)
			}
		})
	}
}

func registryFile(path string) (o process.BotsOptions) {
	o.File = path
	return o
}

// Named gives the --bot ids only, nil without --bot, and reads no token:
// the registry's token variables are unset here.
func TestBotChoiceNamed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bots.yaml")
	if err := os.WriteFile(path, []byte(twoBotsFile), 0o600); err != nil {
		t.Fatal(err)
	}
	if ids, err := (BotChoice{Registry: registryFile(path)}).Named(); err != nil || ids != nil {
		t.Errorf("without --bot: %v, %v; want nil", ids, err)
	}
	if ids, err := (BotChoice{Registry: registryFile(path), IDs: []string{"beta"}}).Named(); err != nil || !slices.Equal(ids, []string{"beta"}) {
		t.Errorf("--bot beta: %v, %v; want [beta]", ids, err)
	}
	if _, err := (BotChoice{Registry: registryFile(path), IDs: []string{"gamma"}}).Named(); !errors.Is(err, ErrUnknownBot) {
		t.Errorf("--bot gamma: %v; want ErrUnknownBot", err)
	}
}
