package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// composeDir is where compose.yaml lives; relative paths in it resolve
// against it, as docker compose resolves them.
const composeDir = "../compose"

// service is the part of a compose service the test runs.
type service struct {
	Image       string            `yaml:"image"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	Secrets     []string          `yaml:"secrets"`
	Deploy      struct {
		Replicas int `yaml:"replicas"`
	} `yaml:"deploy"`
}

type composeFile struct {
	Services map[string]service `yaml:"services"`
	Secrets  map[string]struct {
		File string `yaml:"file"`
	} `yaml:"secrets"`
}

var interpolation = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\?)([^}]*))?\}`)

// interpolate substitutes ${VAR}, ${VAR:-default} and ${VAR:?message} as
// docker compose does, from vars only (never the test's environment). A
// required variable that vars lacks is an error naming it.
func interpolate(text string, vars map[string]string) (string, error) {
	var missing []string
	out := interpolation.ReplaceAllStringFunc(text, func(m string) string {
		g := interpolation.FindStringSubmatch(m)
		v, ok := vars[g[1]]
		switch {
		case ok && v != "":
			return v
		case g[2] == ":-":
			return g[3]
		case g[2] == ":?":
			missing = append(missing, g[1]+" ("+g[3]+")")
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("required variables unset: %s", strings.Join(missing, ", "))
	}
	return out, nil
}

// loadCompose reads compose.yaml with vars substituted.
func loadCompose(t *testing.T, vars map[string]string) composeFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(composeDir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text, err := interpolate(string(raw), vars)
	if err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	var c composeFile
	if err := yaml.Unmarshal([]byte(text), &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	return c
}

// requiredVars lists the variables compose.yaml refuses to start without.
func requiredVars(t *testing.T) map[string]bool {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(composeDir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, g := range interpolation.FindAllStringSubmatch(string(raw), -1) {
		if g[2] == ":?" {
			out[g[1]] = true
		}
	}
	return out
}

// TestComposeKeepsSecretsOutOfTheEnvironment: no secret is passed as an
// environment variable (only as a *_FILE or NATS_NKEY_SEED path), nothing
// defaults to a placeholder password, and a required setting fails loudly.
func TestComposeKeepsSecretsOutOfTheEnvironment(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(composeDir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "change-me") {
		t.Error("compose.yaml has a change-me default")
	}
	if _, err := interpolate(string(raw), nil); err == nil {
		t.Error("compose.yaml starts without any variable set; want ${VAR:?...} for what it needs")
	}
	vars := map[string]string{}
	for v := range requiredVars(t) {
		vars[v] = "x"
	}
	c := loadCompose(t, vars)
	secretish := regexp.MustCompile(`PASSWORD|TOKEN|SECRET|SEED|NKEY|KEY`)
	for name, svc := range c.Services {
		for k, v := range svc.Environment {
			if !secretish.MatchString(k) || strings.HasSuffix(k, "_FILE") || strings.HasSuffix(k, "_NKEY") {
				continue // public nkeys are not secret
			}
			if !strings.HasPrefix(v, "/run/secrets/") {
				t.Errorf("service %s: %s=%q; a secret must be a file under /run/secrets", name, k, v)
			}
		}
	}
}

// TestComposeImagesArePinned: every image has an exact version, and the
// NATS image is the nats-server this repository's tests run (go.mod).
func TestComposeImagesArePinned(t *testing.T) {
	vars := map[string]string{}
	for v := range requiredVars(t) {
		vars[v] = "x"
	}
	c := loadCompose(t, vars)
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`github.com/nats-io/nats-server/v2 v(\S+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod has no nats-server")
	}
	exact := regexp.MustCompile(`:\d+\.\d+\.\d+(-[a-z0-9]+)?$`)
	for name, svc := range c.Services {
		switch {
		case svc.Image == "webexpipe:local":
		case !exact.MatchString(svc.Image):
			t.Errorf("service %s: image %q has no exact version", name, svc.Image)
		case strings.HasPrefix(svc.Image, "nats:") && !strings.HasPrefix(svc.Image, "nats:"+string(m[1])+"-"):
			t.Errorf("service %s: image %q, but the tests run nats-server %s", name, svc.Image, m[1])
		}
	}
}
