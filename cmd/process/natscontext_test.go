package process

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func writeContext(t *testing.T, home, name, body string) {
	t.Helper()
	dir := filepath.Join(home, ".config", "nats", "context")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".json"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestNATSContext: NATS_CONTEXT fills what neither a flag nor a variable
// set, the way the nats CLI reads its context files.
func TestNATSContext(t *testing.T) {
	home := t.TempDir()
	writeContext(t, home, "prod", `{"description":"prod","url":"nats://ctx:4222","user":"ctx-user","password":"ctx-pw",
		"creds":"~/creds/app.creds","nkey":"","ca":"/etc/ca.pem","cert":"/etc/c.pem","key":"/etc/k.pem","jetstream_domain":"x"}`)
	var o NATSOptions
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse([]string{"--nats-user", "flag-user"}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": home, "NATS_CONTEXT": "prod", "NATS_TLS_KEY": "/env/k.pem"}
	if err := BindEnv(fs, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	want := NATSOptions{URL: "nats://ctx:4222", User: "flag-user", Password: "ctx-pw", Creds: filepath.Join(home, "creds/app.creds"),
		TLSCA: "/etc/ca.pem", TLSCert: "/etc/c.pem", TLSKey: "/env/k.pem"}
	got := NATSOptions{URL: o.URL, User: o.User, Password: o.Password, Creds: o.Creds, TLSCA: o.TLSCA, TLSCert: o.TLSCert, TLSKey: o.TLSKey}
	if got != want {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestNATSContextErrors(t *testing.T) {
	home := t.TempDir()
	writeContext(t, home, "broken", `{"url": "nats://x:4222", "password": "ctx-secret-pw"`)
	for _, name := range []string{"missing", "broken", "../etc/passwd"} {
		t.Run(name, func(t *testing.T) {
			var o NATSOptions
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			o.AddFlags(fs)
			env := map[string]string{"HOME": home, "NATS_CONTEXT": name}
			err := BindEnv(fs, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
			if !errors.Is(err, ErrBadNATSContext) {
				t.Fatalf("err = %v, want ErrBadNATSContext", err)
			}
			if strings.Contains(err.Error(), "ctx-secret-pw") {
				t.Errorf("the error shows the context's password: %v", err)
			}
		})
	}
}

func TestNATSContextXDG(t *testing.T) {
	xdg := t.TempDir()
	dir := filepath.Join(xdg, "nats", "context")
	os.MkdirAll(dir, 0o700)
	os.WriteFile(filepath.Join(dir, "dev.json"), []byte(`{"url":"nats://xdg:4222"}`), 0o600)
	var o NATSOptions
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlags(fs)
	env := map[string]string{"HOME": t.TempDir(), "XDG_CONFIG_HOME": xdg, "NATS_CONTEXT": "dev"}
	if err := BindEnv(fs, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	if o.URL != "nats://xdg:4222" {
		t.Errorf("URL = %q", o.URL)
	}
}
