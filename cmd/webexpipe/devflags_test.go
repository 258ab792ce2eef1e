package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"github.com/webexpipe/webexpipe/cmd/process"
)

// Dev mode has its own default for --listen-addr, and LISTEN_ADDR still
// moves it: `LISTEN_ADDR=127.0.0.1:8081 make run` when 8080 is taken.
func TestDevListenAddr(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{name: "default", want: devListenAddr},
		{name: "environment", env: map[string]string{"LISTEN_ADDR": "127.0.0.1:8081"}, want: "127.0.0.1:8081"},
		{name: "flag over environment", env: map[string]string{"LISTEN_ADDR": "127.0.0.1:8081"}, args: []string{"--listen-addr", "127.0.0.1:8082"}, want: "127.0.0.1:8082"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o devOptions
			fs := pflag.NewFlagSet("dev", pflag.ContinueOnError)
			o.addFlags(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			if err := process.BindEnv(fs, func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }); err != nil {
				t.Fatal(err)
			}
			if o.ingest.Addr != tt.want {
				t.Errorf("ingest listens on %q, want %q", o.ingest.Addr, tt.want)
			}
			if got := fs.Lookup("listen-addr").DefValue; got != devListenAddr {
				t.Errorf("--help shows the default %q, want %q", got, devListenAddr)
			}
		})
	}
}

// The hint printed at start names the emulator's URL whenever the sim
// commands would not find it on their own.
func TestDevHintNamesTheEmulatorWhenMoved(t *testing.T) {
	tests := []struct {
		name    string
		simURL  string
		wantEnv string // "" when no SIM_URL is needed
	}{
		{name: "default address", simURL: defaultSimURL + "/v1"},
		{name: "another port", simURL: "http://127.0.0.1:18090/v1", wantEnv: "SIM_URL=http://127.0.0.1:18090 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			printNextSteps(&out, "http://127.0.0.1:8080/webhooks/webex", devOptions{dataDir: "./data"}, tt.simURL, "nats://127.0.0.1:4222", "")
			text := out.String()
			hasEnv := strings.Contains(text, "SIM_URL=")
			switch {
			case tt.wantEnv == "" && hasEnv:
				t.Errorf("SIM_URL given though the emulator is on its default address:\n%s", text)
			case tt.wantEnv != "" && !strings.Contains(text, tt.wantEnv):
				t.Errorf("no %q in the hint:\n%s", tt.wantEnv, text)
			}
			if !strings.Contains(text, "sim send") {
				t.Errorf("no sim command in the hint:\n%s", text)
			}
		})
	}
}
