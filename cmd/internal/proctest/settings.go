package proctest

import (
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/cmd/process"
)

// Settings returns the environment variables cmd reads (every name of each
// of its flags, inherited ones included, but the command-line-only ones),
// sorted, and the names of any hidden flags.
func Settings(cmd *cobra.Command) (env, hidden []string) {
	visit := func(f *pflag.Flag) {
		if f.Name == "help" {
			return
		}
		if f.Hidden {
			hidden = append(hidden, f.Name)
		}
		if _, flagOnly := f.Annotations["webexpipe/flag-only"]; !flagOnly {
			env = append(env, process.EnvNames(f)...)
		}
	}
	cmd.LocalFlags().VisitAll(visit)
	cmd.InheritedFlags().VisitAll(visit)
	slices.Sort(env)
	return slices.Compact(env), hidden
}

// ExpectSettings fails t unless cmd reads exactly the variables of groups
// (taken together) and hides no flag: a setting a binary registers but
// never reads would be listed by --help and accepted silently.
func ExpectSettings(t *testing.T, cmd *cobra.Command, groups ...[]string) {
	t.Helper()
	want := slices.Concat(groups...)
	slices.Sort(want)
	want = slices.Compact(want)
	got, hidden := Settings(cmd)
	var extra, missing []string
	for _, v := range got {
		if !slices.Contains(want, v) {
			extra = append(extra, v)
		}
	}
	for _, v := range want {
		if !slices.Contains(got, v) {
			missing = append(missing, v)
		}
	}
	if len(extra) > 0 {
		t.Errorf("%s reads %s, which it should not", cmd.CommandPath(), strings.Join(extra, ", "))
	}
	if len(missing) > 0 {
		t.Errorf("%s does not read %s", cmd.CommandPath(), strings.Join(missing, ", "))
	}
	if len(hidden) > 0 {
		t.Errorf("%s hides flags %s: register only what applies", cmd.CommandPath(), strings.Join(hidden, ", "))
	}
}

// Groups of settings as the README's configuration table names them, for
// ExpectSettings. Each is what the binaries of that kind read; a test
// names the groups of its binary and the variables of its own.
var (
	// LogSettings and NATSSettings: every binary.
	LogSettings  = []string{"LOG_LEVEL", "LOG_FORMAT"}
	NATSSettings = []string{"NATS_URL", "NATS_USER", "NATS_PASSWORD", "NATS_PASSWORD_FILE", "NATS_CREDS", "NATS_NKEY", "NATS_NKEY_SEED",
		"NATS_CA", "NATS_TLS_CA", "NATS_CERT", "NATS_TLS_CERT", "NATS_KEY", "NATS_TLS_KEY", "NATS_CONTEXT", "NATS_CONNECT_TIMEOUT", "NATS_INBOX_PREFIX"}
	// StreamSettings: binaries that may provision the streams.
	StreamSettings = []string{"PROVISION", "STREAM_REPLICAS", "STREAM_STORAGE", "EVENTS_MAX_AGE", "EVENTS_MAX_BYTES", "EVENTS_COMPRESSION", "DUPLICATE_WINDOW", "DLQ_MAX_AGE", "PROCESSED_TTL"}
	// RuntimeSettings: every worker.
	RuntimeSettings = []string{"WORKER_CONCURRENCY", "WORKER_BOT_CONCURRENCY", "WORKER_MAX_ACK_PENDING", "WORKER_ACK_WAIT", "WORKER_HANDLER_TIMEOUT"}
	// OpsSettings: every worker binary.
	OpsSettings = []string{"METRICS_ADDR", "DEBUG_ADDR"}
	// EventSettings: workers of webhook events (not the retry worker).
	EventSettings = []string{"WORKER_MAX_DELIVER", "WORKER_ORDERED", "WORKER_PARTITIONS", "WORKER_PIN_TIMEOUT", "START_AT"}
	// ShardSettings: binaries that store or read events.
	ShardSettings = []string{"EVENTS_SHARDS"}
	// WebexSettings: what reaches Webex.
	WebexSettings = []string{"WEBEX_TOKEN", "WEBEX_TOKEN_FILE", "WEBEX_API_URL", "WEBEX_TIMEOUT"}
	// CallerSettings: workers that call Webex; OutboxSettings: those of
	// them that consume webhook events.
	CallerSettings = []string{"WEBEX_MAX_PAUSE"}
	OutboxSettings = []string{"WEBEX_OUTBOX"}
)
