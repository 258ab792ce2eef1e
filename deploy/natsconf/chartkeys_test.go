package natsconf_test

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/webexpipe/webexpipe/deploy/natsconf"
)

// chartValues is the NATS Helm chart's own values.yaml, vendored unchanged
// (see testdata/nats-chart/README.md for the version and source).
const chartValues = "testdata/nats-chart/values.yaml"

// freeForm names the chart keys whose contents the chart passes on as they
// are (merged into or patched onto a config block or a Kubernetes object),
// so any key below them is allowed.
var freeForm = map[string]bool{"merge": true, "patch": true}

// TestHelmValuesKeysInChart fails for each key of deploy/k8s/nats-values.yaml
// that the NATS chart's values.yaml does not have, or that has the wrong
// shape (a list where the chart takes a map, ...): Helm ignores such a key
// without a word, so a misspelt TLS setting would leave TLS off.
func TestHelmValuesKeysInChart(t *testing.T) {
	readme, err := os.ReadFile("testdata/nats-chart/README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "Chart version: "+natsconf.HelmChartVersion+" ") {
		t.Errorf("testdata/nats-chart/README.md does not name chart version %s (natsconf.HelmChartVersion): vendor that version's values.yaml", natsconf.HelmChartVersion)
	}
	chart := readYAML(t, chartValues)
	values := readYAML(t, "../k8s/nats-values.yaml")
	for _, p := range chartKeyProblems(chart, values) {
		t.Errorf("deploy/k8s/nats-values.yaml: %s", p)
	}
}

// TestChartKeyProblems shows that the check finds wrong keys: each case is
// run through chartKeyProblems against the vendored chart values.
func TestChartKeyProblems(t *testing.T) {
	chart := readYAML(t, chartValues)
	for _, tc := range []struct {
		name, values string
		want         []string
	}{
		{"known keys", "tlsCA: {enabled: true, secretName: ca, key: ca.crt}\nconfig: {cluster: {enabled: true, replicas: 3}}\n", nil},
		{"misspelt top-level key", "tlsCa: {enabled: true}\n", []string{"tlsCa: not a key of the chart"}},
		{"misspelt nested key", "config: {cluster: {tls: {enabeld: true}}}\n", []string{"config.cluster.tls.enabeld: not a key of the chart"}},
		{"verify outside merge", "config: {cluster: {tls: {verify: true}}}\n", []string{"config.cluster.tls.verify: not a key of the chart"}},
		{"anything under merge", "config: {cluster: {tls: {merge: {verify: true}}}, merge: {accounts: {A: {users: [{nkey: x}]}}}}\n", nil},
		{"anything under an empty map", "podTemplate: {topologySpreadConstraints: {kubernetes.io/hostname: {maxSkew: 1}}}\n", nil},
		{"list where the chart takes a map", "container: {env: [{name: A, value: b}]}\n", []string{"container.env: a list, the chart takes a map"}},
		{"map where the chart takes a value", "config: {monitor: {enabled: {x: 1}}}\n", []string{"config.monitor.enabled: a map, the chart takes a value"}},
		{"list elements of the chart's shape", "reloader: {natsVolumeMountPrefixes: [/etc/, /var/]}\n", nil},
		{"list element of another shape", "reloader: {natsVolumeMountPrefixes: [{dir: /etc/}]}\n", []string{"reloader.natsVolumeMountPrefixes[0]: a map, the chart takes a value"}},
		{"anything in an empty list", "extraResources: [{apiVersion: v1, kind: ConfigMap}]\n", nil},
		{"anything for a key without a default", "config: {nats: {tls: {secretName: nats-tls}}}\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var values yaml.Node
			if err := yaml.Unmarshal([]byte(tc.values), &values); err != nil {
				t.Fatal(err)
			}
			got := chartKeyProblems(chart, &values)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("problems %q, want %q", got, tc.want)
			}
		})
	}
}

func readYAML(t *testing.T, file string) *yaml.Node {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var n yaml.Node
	if err := yaml.Unmarshal(b, &n); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return &n
}

// chartKeyProblems compares values with the chart's default values and
// returns one line per key path the chart does not have. A map key must be
// a key of the chart's map at that path, and a map, list or value must be
// where the chart has one; below a chart key that defaults to an empty map
// or is free-form (merge, patch) anything goes, and so for a key whose
// default is empty (null). A list is compared element by element with the
// first element of the chart's default, if the default is not empty.
func chartKeyProblems(chart, values *yaml.Node) []string {
	var problems []string
	var walk func(path string, c, v *yaml.Node)
	walk = func(path string, c, v *yaml.Node) {
		c, v = resolve(c), resolve(v)
		if c == nil || v == nil || c.Tag == "!!null" || v.Tag == "!!null" {
			return
		}
		if c.Kind != v.Kind {
			problems = append(problems, fmt.Sprintf("%s: %s, the chart takes %s", path, kindName(v), kindName(c)))
			return
		}
		switch c.Kind {
		case yaml.MappingNode:
			if len(c.Content) == 0 || freeForm[lastKey(path)] {
				return
			}
			for i := 0; i+1 < len(v.Content); i += 2 {
				key := v.Content[i].Value
				p := key
				if path != "" {
					p = path + "." + key
				}
				cv := mapValue(c, key)
				if cv == nil {
					problems = append(problems, p+": not a key of the chart")
					continue
				}
				walk(p, cv, v.Content[i+1])
			}
		case yaml.SequenceNode:
			if len(c.Content) == 0 || freeForm[lastKey(path)] {
				return
			}
			for i, e := range v.Content {
				walk(fmt.Sprintf("%s[%d]", path, i), c.Content[0], e)
			}
		}
	}
	walk("", chart, values)
	return problems
}

// resolve steps from a document node to its content and from an alias to
// what it names.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil {
		switch {
		case n.Kind == yaml.DocumentNode && len(n.Content) > 0:
			n = n.Content[0]
		case n.Kind == yaml.AliasNode:
			n = n.Alias
		default:
			return n
		}
	}
	return nil
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func lastKey(path string) string {
	path = path[strings.LastIndex(path, ".")+1:]
	if i := strings.IndexByte(path, '['); i >= 0 {
		path = path[:i]
	}
	return path
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	default:
		return "a value"
	}
}
