package process

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"
)

// ErrBadNATSContext means --nats-context (NATS_CONTEXT) names no readable
// context of the nats CLI.
var ErrBadNATSContext = errors.New("NATS context")

// natsContext is the part of a nats CLI context file
// (~/.config/nats/context/<name>.json) webexpipe understands. The CLI
// writes more (jetstream domain, socks proxy, ...); those are ignored.
type natsContext struct {
	URL         string `json:"url"`
	User        string `json:"user"`
	Password    string `json:"password"`
	Creds       string `json:"creds"`
	NKey        string `json:"nkey"`
	CA          string `json:"ca"`
	Cert        string `json:"cert"`
	Key         string `json:"key"`
	InboxPrefix string `json:"inbox_prefix"`
}

// flags maps the context's fields to the flags they fill.
func (c natsContext) flags() [][2]string {
	return [][2]string{
		{"nats-url", c.URL}, {"nats-user", c.User}, {"nats-password", c.Password},
		{"nats-creds", c.Creds}, {"nats-nkey-seed", c.NKey},
		{"nats-tls-ca", c.CA}, {"nats-tls-cert", c.Cert}, {"nats-tls-key", c.Key},
		{"nats-inbox-prefix", c.InboxPrefix},
	}
}

// ApplyNATSContext fills the NATS flags of fs that neither the command line
// nor the environment set from the nats CLI context named by
// --nats-context, as the nats CLI reads it: the file <name>.json under
// $XDG_CONFIG_HOME/nats/context, or ~/.config/nats/context. Without that
// flag, or with it empty, it does nothing: a service never picks up the
// context a shell happened to select.
func ApplyNATSContext(fs *pflag.FlagSet, lookup func(string) (string, bool)) error {
	f := fs.Lookup("nats-context")
	if f == nil || f.Value.String() == "" {
		return nil
	}
	c, err := loadNATSContext(f.Value.String(), lookup)
	if err != nil {
		return err
	}
	for _, kv := range c.flags() {
		t := fs.Lookup(kv[0])
		if t == nil || t.Changed || kv[1] == "" {
			continue
		}
		if err := fs.Set(kv[0], kv[1]); err != nil {
			return fmt.Errorf("%w %s: field for --%s: %v", ErrBadNATSContext, f.Value.String(), kv[0], err)
		}
	}
	return nil
}

// loadNATSContext reads context name.
func loadNATSContext(name string, lookup func(string) (string, bool)) (natsContext, error) {
	var c natsContext
	if strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return c, fmt.Errorf("%w %q: a context name, not a path (the file is <name>.json under ~/.config/nats/context)", ErrBadNATSContext, name)
	}
	dir, err := natsContextDir(lookup)
	if err != nil {
		return c, err
	}
	path := filepath.Join(dir, name+".json")
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("%w %q: %w", ErrBadNATSContext, name, err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		// json's error quotes no value from the file, only offsets and types.
		return c, fmt.Errorf("%w %q: %s is not a context file: %w", ErrBadNATSContext, name, path, err)
	}
	home, _ := lookup("HOME")
	for _, p := range []*string{&c.Creds, &c.NKey, &c.CA, &c.Cert, &c.Key} {
		*p = expandHome(*p, home)
	}
	return c, nil
}

// natsContextDir is where the nats CLI keeps its contexts.
func natsContextDir(lookup func(string) (string, bool)) (string, error) {
	if x, ok := lookup("XDG_CONFIG_HOME"); ok && x != "" {
		return filepath.Join(x, "nats", "context"), nil
	}
	home, ok := lookup("HOME")
	if !ok || home == "" {
		return "", fmt.Errorf("%w: neither XDG_CONFIG_HOME nor HOME is set, so there is no context directory", ErrBadNATSContext)
	}
	return filepath.Join(home, ".config", "nats", "context"), nil
}

// expandHome turns the "~/" the nats CLI allows in paths into home.
func expandHome(p, home string) string {
	if home != "" && strings.HasPrefix(p, "~/") {
		return filepath.Join(home, p[2:])
	}
	return p
}
