package process_test

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/cmd/workerkit"
)

// TestBindEnvExplainsInvalidValues: a bad variable says which one, what is
// wrong and what would be valid, every bad one at once.
func TestBindEnvExplainsInvalidValues(t *testing.T) {
	tests := []struct {
		name, variable, value string
		want                  []string
	}{
		{"duration without unit", "PUBLISH_TIMEOUT", "5", []string{"PUBLISH_TIMEOUT=5", "a duration needs a unit, e.g. 5s"}},
		{"days", "EVENTS_MAX_AGE", "7d", []string{"EVENTS_MAX_AGE=7d", `"d" is not a duration unit`, "168h"}},
		{"garbage duration", "WORKER_ACK_WAIT", "soon", []string{"WORKER_ACK_WAIT=soon", "want a duration such as 30s"}},
		{"bool", "WORKER_ORDERED", "yes please", []string{"WORKER_ORDERED=yes please", "want true or false"}},
		{"int", "STREAM_REPLICAS", "three", []string{"STREAM_REPLICAS=three", "want a whole number"}},
		{"custom value", "START_AT", "yesterday", []string{"START_AT=yesterday", "want new, all"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var (
				nats process.NATSOptions
				in   app.IngestOptions
				wo   workerkit.WorkerOptions
			)
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			nats.AddFlags(fs)
			in.AddFlags(fs)
			wo.RuntimeOptions.AddFlags(fs)
			wo.EventOptions.AddFlags(fs)
			err := process.BindEnv(fs, func(k string) (string, bool) {
				if k == tc.variable {
					return tc.value, true
				}
				return "", false
			})
			if err == nil {
				t.Fatalf("%s=%s accepted", tc.variable, tc.value)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestBindEnvReportsEveryBadVariable(t *testing.T) {
	var in app.IngestOptions
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	in.AddFlags(fs)
	env := map[string]string{"PUBLISH_TIMEOUT": "5", "RETRY_AFTER": "x"}
	err := process.BindEnv(fs, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err == nil || !strings.Contains(err.Error(), "PUBLISH_TIMEOUT") || !strings.Contains(err.Error(), "RETRY_AFTER") {
		t.Errorf("want both variables named, got %v", err)
	}
}

// TestNATSCLIVariableNames: the nats CLI's names work, the older names
// still do, and two different values are refused rather than one picked.
func TestNATSCLIVariableNames(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantCA  string
		wantErr bool
	}{
		{"nats CLI name", map[string]string{"NATS_CA": "/ca.pem"}, "/ca.pem", false},
		{"older name", map[string]string{"NATS_TLS_CA": "/old.pem"}, "/old.pem", false},
		{"both, same", map[string]string{"NATS_CA": "/ca.pem", "NATS_TLS_CA": "/ca.pem"}, "/ca.pem", false},
		{"both, different", map[string]string{"NATS_CA": "/a.pem", "NATS_TLS_CA": "/b.pem"}, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var o process.NATSOptions
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			o.AddFlags(fs)
			err := process.BindEnv(fs, func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err == nil && o.TLSCA != tc.wantCA {
				t.Errorf("CA = %q, want %q", o.TLSCA, tc.wantCA)
			}
		})
	}
	var o process.NATSOptions
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlags(fs)
	env := map[string]string{"NATS_CERT": "/c.pem", "NATS_KEY": "/k.pem", "NATS_NKEY": "/seed"}
	if err := process.BindEnv(fs, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	if o.TLSCert != "/c.pem" || o.TLSKey != "/k.pem" || o.NKeySeed != "/seed" {
		t.Errorf("cert %q key %q nkey %q", o.TLSCert, o.TLSKey, o.NKeySeed)
	}
}
