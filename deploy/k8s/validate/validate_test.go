package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDeployK8s is the check CI runs: deploy/k8s builds, decodes strictly
// and breaks no rule.
func TestDeployK8s(t *testing.T) {
	objs, err := Build("..")
	if err != nil {
		t.Fatal(err)
	}
	if p := Check(objs); len(p) > 0 {
		t.Errorf("deploy/k8s:\n%s", strings.Join(p, "\n"))
	}
}

const goodPod = `
      securityContext: {runAsNonRoot: true, runAsUser: 65532}
      containers:
        - name: c
          image: example.com/app:v1
          resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {memory: 32Mi}}
          livenessProbe: {httpGet: {path: /healthz, port: 8080}}
          readinessProbe: {httpGet: {path: /readyz, port: 8080}}`

const policy = `
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: all}
spec:
  podSelector: {}
  policyTypes: [Ingress]`

func deployment(replicas, pod string) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:` + replicas + `
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:` + pod
}

// TestRules: each rule catches what the issue found in the manifests.
func TestRules(t *testing.T) {
	hpa := `
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: app}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: app}
  maxReplicas: 3`
	tests := []struct {
		name, manifest, want string
	}{
		{"valid", deployment("", goodPod) + policy + hpa, ""},
		{"user name only", deployment("", strings.Replace(goodPod, ", runAsUser: 65532", "", 1)) + policy, "without a numeric runAsUser"},
		{"latest", deployment("", strings.Replace(goodPod, ":v1", ":latest", 1)) + policy, "is :latest"},
		{"no tag", deployment("", strings.Replace(goodPod, ":v1", "", 1)) + policy, "has no tag"},
		{"replicas beside an HPA", deployment("\n  replicas: 2", goodPod) + policy + hpa, "sets replicas although"},
		{"no probes", deployment("", strings.Split(goodPod, "\n          livenessProbe")[0]) + policy, "probe"},
		{"no resources", deployment("", strings.Replace(goodPod, "resources:", "# resources:", 1)) + policy, "no cpu and memory requests"},
		{"no policy", deployment("", goodPod), "no NetworkPolicy"},
		{"whole secret", deployment("", goodPod+"\n      volumes: [{name: s, secret: {secretName: all}}]") + policy, "mounts every key"},
		{"unknown field", deployment("", strings.Replace(goodPod, "livenessProbe:", "livenesProbe:", 1)) + policy, "unknown field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte("resources: [app.yaml]\n"), 0o600)
			os.WriteFile(filepath.Join(dir, "app.yaml"), []byte(tc.manifest), 0o600)
			objs, err := Build(dir)
			var got string
			if err != nil {
				got = err.Error()
			} else {
				got = strings.Join(Check(objs), "\n")
			}
			if tc.want == "" && got != "" {
				t.Errorf("want no problem, got:\n%s", got)
			}
			if tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("want %q, got:\n%s", tc.want, got)
			}
		})
	}
}
