// Package deploy_test checks that the deployment files in this folder (and
// the README's configuration table) use only settings the binaries know:
// every environment variable the compose file and the Kubernetes manifests
// set for a container must be a flag of the binary that container runs, so
// a typo, a renamed setting or one set for the wrong binary fails here
// instead of being silently ignored in production. A binary's variables are
// those its --help lists, which are exactly those it reads: no binary hides
// a flag.
package deploy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/webexpipe/webexpipe/cmd/process"
)

// envOf builds the binary for command (e.g. "ingest" or
// "webexpipe provision") and returns the variables its --help lists.
func envOf(t *testing.T, bins map[string]string, command []string) map[string]bool {
	t.Helper()
	name := command[0]
	bin, ok := bins[name]
	if !ok {
		bin = filepath.Join(t.TempDir(), name)
		if out, err := exec.Command("go", "build", "-o", bin, "../cmd/"+name).CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", name, err, out)
		}
		bins[name] = bin
	}
	out, err := exec.Command(bin, append(command[1:], "--help")...).CombinedOutput()
	if err != nil {
		t.Fatalf("%v --help: %v\n%s", command, err, out)
	}
	known := map[string]bool{}
	// "(env NAME)" or, for a setting with aliases, "(env NAME or OTHER)".
	for _, m := range regexp.MustCompile(`\(env ([A-Z0-9_]+(?: or [A-Z0-9_]+)*)\)`).FindAllStringSubmatch(string(out), -1) {
		for _, n := range strings.Split(m[1], " or ") {
			known[n] = true
		}
	}
	if len(known) == 0 {
		t.Fatalf("%v --help lists no environment variables", command)
	}
	return known
}

func check(t *testing.T, where string, known map[string]bool, env []string) {
	t.Helper()
	sort.Strings(env)
	for _, v := range env {
		if !known[v] {
			t.Errorf("%s sets %s, which the binary does not read", where, v)
		}
	}
}

func TestComposeSettingsExist(t *testing.T) {
	b, err := os.ReadFile("compose/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]struct {
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
			Image       string            `yaml:"image"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	bins := map[string]string{}
	checked := 0
	for name, svc := range doc.Services {
		if svc.Image != "webexpipe:local" {
			continue // nats, nginx
		}
		var env []string
		for k := range svc.Environment {
			env = append(env, k)
		}
		check(t, "compose service "+name, envOf(t, bins, svc.Command), env)
		checked++
	}
	if checked < 5 {
		t.Errorf("checked %d webexpipe services, want the provisioner, ingest and the workers", checked)
	}
}

func TestKubernetesSettingsExist(t *testing.T) {
	kust, err := os.ReadFile("k8s/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Resources []string `yaml:"resources"`
		ConfigMap []struct {
			Literals []string `yaml:"literals"`
		} `yaml:"configMapGenerator"`
	}
	if err := yaml.Unmarshal(kust, &k); err != nil {
		t.Fatal(err)
	}
	var shared []string // from the ConfigMap every container takes with envFrom
	for _, cm := range k.ConfigMap {
		for _, l := range cm.Literals {
			name, _, _ := strings.Cut(l, "=")
			shared = append(shared, name)
		}
	}
	bins := map[string]string{}
	checked := 0
	for _, res := range k.Resources {
		f, err := os.Open(filepath.Join("k8s", res))
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(f)
		for {
			var obj struct {
				Kind     string `yaml:"kind"`
				Metadata struct {
					Name string `yaml:"name"`
				} `yaml:"metadata"`
				Spec struct {
					Template struct {
						Spec struct {
							Containers []struct {
								Command []string `yaml:"command"`
								EnvFrom []any    `yaml:"envFrom"`
								Env     []struct {
									Name string `yaml:"name"`
								} `yaml:"env"`
							} `yaml:"containers"`
						} `yaml:"spec"`
					} `yaml:"template"`
				} `yaml:"spec"`
			}
			if err := dec.Decode(&obj); err != nil {
				break
			}
			for _, c := range obj.Spec.Template.Spec.Containers {
				var env []string
				if len(c.EnvFrom) > 0 {
					env = append(env, shared...)
				}
				for _, e := range c.Env {
					env = append(env, e.Name)
				}
				check(t, obj.Kind+" "+obj.Metadata.Name, envOf(t, bins, c.Command), env)
				checked++
			}
		}
		f.Close()
	}
	if checked < 5 {
		t.Errorf("checked %d containers, want the provisioning job, ingest and three workers", checked)
	}
}

// readmeUsers maps the words of the configuration table's "used by"
// column to the commands they name. Words not here (status, sim send,
// bench, ...) are not checked one by one.
var readmeUsers = map[string][][]string{
	"ingest":                   {{"ingest"}},
	"workers":                  {{"echo-worker"}, {"cards-worker"}, {"retry-worker"}, {"membership-worker"}},
	"event workers":            {{"echo-worker"}, {"cards-worker"}, {"membership-worker"}},
	"Webex workers":            {{"echo-worker"}, {"cards-worker"}, {"retry-worker"}},
	"echo-worker":              {{"echo-worker"}},
	"cards-worker":             {{"cards-worker"}},
	"retry-worker":             {{"retry-worker"}},
	"membership-worker":        {{"membership-worker"}},
	"dev":                      {{"webexpipe", "dev"}},
	"provision":                {{"webexpipe", "provision"}},
	"webexpipe webhooks":       {{"webexpipe", "webhooks", "ensure"}, {"webexpipe", "webhooks", "watch"}},
	"webexpipe webhooks watch": {{"webexpipe", "webhooks", "watch"}},
	"webexpipe bots":           {{"webexpipe", "bots", "check"}, {"webexpipe", "bots", "list"}},
	"all":                      {{"ingest"}, {"echo-worker"}, {"cards-worker"}, {"retry-worker"}, {"membership-worker"}, {"webexpipe", "dev"}, {"webexpipe", "provision"}},
}

// exactlyDocumented are the binaries whose every variable the table must
// list under them: ingest and the workers, the deployed binaries.
var exactlyDocumented = [][]string{{"ingest"}, {"echo-worker"}, {"cards-worker"}, {"retry-worker"}, {"membership-worker"}}

// TestReadmeSettingsExist checks the README's configuration table the same
// way: every variable it documents is read by at least one binary, and by
// each binary its "used by" column names; and ingest and each worker
// binary read nothing the table does not list under it.
func TestReadmeSettingsExist(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "## Configuration")
	end := strings.Index(readme[start+1:], "\n## ")
	if start < 0 || end < 0 {
		t.Fatal("no Configuration section in the README")
	}
	table := readme[start : start+1+end]
	bins := map[string]string{}
	known := map[string]bool{}
	reads := map[string]map[string]bool{} // command -> its variables
	for _, command := range [][]string{
		{"ingest"}, {"echo-worker"}, {"cards-worker"}, {"retry-worker"}, {"membership-worker"},
		{"webexpipe", "dev"}, {"webexpipe", "sim", "send"}, {"webexpipe", "sim", "serve"},
		{"webexpipe", "provision"}, {"webexpipe", "replay"}, {"webexpipe", "events", "list"},
		{"webexpipe", "status"}, {"webexpipe", "webhooks", "watch"}, {"webexpipe", "webhooks", "ensure"}, {"webexpipe", "backfill"},
		{"webexpipe", "dlq", "list"}, {"webexpipe", "bench"}, {"webexpipe", "sim", "click"},
		{"webexpipe", "bots", "check"}, {"webexpipe", "bots", "list"},
	} {
		env := envOf(t, bins, command)
		reads[strings.Join(command, " ")] = env
		for v := range env {
			known[v] = true
		}
	}
	// Every command started by process.Execute honours the OTEL_*
	// variables; they are read from the environment, not as flags.
	for c := range reads {
		for _, v := range process.TracingVariables {
			reads[c][v] = true
			known[v] = true
		}
	}
	name := regexp.MustCompile("`([A-Z][A-Z0-9_]*[A-Z0-9])`")
	documented := 0
	listed := map[string]map[string]bool{} // command -> variables the table lists under it
	for _, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cols := strings.Split(line, "|") // "", variables, default, used by, meaning...
		if len(cols) < 5 {
			t.Errorf("a table row without its columns: %s", line)
			continue
		}
		var users [][]string
		for _, word := range strings.Split(strings.TrimSpace(cols[3]), ", ") {
			users = append(users, readmeUsers[word]...)
		}
		for _, m := range name.FindAllStringSubmatch(cols[1], -1) {
			v := m[1]
			documented++
			if !known[v] {
				t.Errorf("the README documents %s, which no binary reads", v)
				continue
			}
			for _, u := range users {
				c := strings.Join(u, " ")
				if !reads[c][v] {
					t.Errorf("the README says %s reads %s; it does not", c, v)
				}
				if listed[c] == nil {
					listed[c] = map[string]bool{}
				}
				listed[c][v] = true
			}
		}
	}
	if documented < 30 {
		t.Errorf("found %d documented variables; is the table still there?", documented)
	}
	for _, command := range exactlyDocumented {
		c := strings.Join(command, " ")
		var missing []string
		for v := range reads[c] {
			if !listed[c][v] {
				missing = append(missing, v)
			}
		}
		sort.Strings(missing)
		for _, v := range missing {
			t.Errorf("%s reads %s, which the README's table does not list under it", c, v)
		}
	}
}
