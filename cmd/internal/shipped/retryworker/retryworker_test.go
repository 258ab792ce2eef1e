package retryworker

import (
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/cmd/workerkit"
	"github.com/webexpipe/webexpipe/workers/retry"
)

func TestOptionsFromTheEnvironment(t *testing.T) {
	env := map[string]string{
		"RETRY_INITIAL_INTERVAL": "3s",
		"RETRY_MULTIPLIER":       "1.5",
		"RETRY_RANDOMIZATION":    "0.1",
		"RETRY_MAX_INTERVAL":     "1m",
		"RETRY_MAX_ELAPSED":      "2h",
		"RETRY_RECHECK_AFTER":    "20s",
		"RETRY_NOT_FOUND_GRACE":  "45s",
		"WEBEX_MAX_PAUSE":        "90s",
	}
	var (
		ro Options
		wo workerkit.WorkerOptions
	)
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	ro.AddFlags(fs)
	wo.Calls.AddFlags(fs) // the retry worker's Webex settings: no outbox
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if err := process.BindEnv(fs, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	want := retry.Policy{Initial: 3 * time.Second, Multiplier: 1.5, Randomization: 0.1, MaxInterval: time.Minute, MaxElapsed: 2 * time.Hour}
	cfg := ro.Config(nil, nil)
	if cfg.Policy != want || cfg.RecheckAfter != 20*time.Second || cfg.NotFoundGrace != 45*time.Second {
		t.Errorf("retry config = %+v", cfg)
	}
	if wo.Calls.MaxPause != 90*time.Second {
		t.Errorf("call options = %+v", wo.Calls)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("valid settings refused: %v", err)
	}
}

func TestOptionsDefaultsAreValid(t *testing.T) {
	var ro Options
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	ro.AddFlags(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if cfg := ro.Config(nil, nil); cfg.Policy != retry.DefaultPolicy() || cfg.Validate() != nil {
		t.Errorf("defaults = %+v (%v), want retry.DefaultConfig", cfg, cfg.Validate())
	}
}
