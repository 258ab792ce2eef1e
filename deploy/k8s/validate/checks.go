package main

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// workload is a pod template and what kind of thing runs it.
type workload struct {
	obj      Object
	tmpl     corev1.PodTemplateSpec
	longRun  bool   // a server: needs probes
	replicas *int32 // nil when the object leaves the count to others
}

func workloads(objs []Object) []workload {
	var out []workload
	for _, o := range objs {
		switch v := o.Value.(type) {
		case *appsv1.Deployment:
			out = append(out, workload{o, v.Spec.Template, true, v.Spec.Replicas})
		case *appsv1.StatefulSet:
			out = append(out, workload{o, v.Spec.Template, true, v.Spec.Replicas})
		case *batchv1.Job:
			out = append(out, workload{o, v.Spec.Template, false, nil})
		}
	}
	return out
}

// Check applies webexpipe's rules to the built objects and returns every
// breach, each naming its object.
func Check(objs []Object) []string {
	var p []string
	ws := workloads(objs)
	for _, w := range ws {
		p = append(p, checkPod(w)...)
	}
	p = append(p, checkHPAs(objs, ws)...)
	p = append(p, checkPolicies(objs, ws)...)
	return p
}

// checkPod: numeric non-root user (the kubelet cannot check runAsNonRoot
// against a user name), pinned images, resources and probes, and secret
// volumes that name the keys they mount (least privilege).
func checkPod(w workload) []string {
	var p []string
	bad := func(format string, args ...any) { p = append(p, w.obj.String()+": "+fmt.Sprintf(format, args...)) }
	spec := w.tmpl.Spec
	psc := spec.SecurityContext
	for _, c := range append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...) {
		nonRoot, uid := false, (*int64)(nil)
		if psc != nil {
			if psc.RunAsNonRoot != nil {
				nonRoot = *psc.RunAsNonRoot
			}
			uid = psc.RunAsUser
		}
		if c.SecurityContext != nil {
			if c.SecurityContext.RunAsNonRoot != nil {
				nonRoot = *c.SecurityContext.RunAsNonRoot
			}
			if c.SecurityContext.RunAsUser != nil {
				uid = c.SecurityContext.RunAsUser
			}
		}
		switch {
		case !nonRoot:
			bad("container %s: runAsNonRoot is not set", c.Name)
		case uid == nil:
			bad("container %s: runAsNonRoot without a numeric runAsUser: the kubelet refuses an image whose USER is a name", c.Name)
		case *uid == 0:
			bad("container %s: runAsUser 0 is root", c.Name)
		}
		if why := unpinned(c.Image); why != "" {
			bad("container %s: image %q %s", c.Name, c.Image, why)
		}
		if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() {
			bad("container %s: no cpu and memory requests", c.Name)
		}
		if c.Resources.Limits.Memory().IsZero() {
			bad("container %s: no memory limit", c.Name)
		}
		if w.longRun && (c.LivenessProbe == nil || c.ReadinessProbe == nil) {
			bad("container %s: a liveness and a readiness probe are required", c.Name)
		}
	}
	for _, v := range spec.Volumes {
		if v.Secret != nil && len(v.Secret.Items) == 0 {
			bad("volume %s mounts every key of secret %s: name the keys the pod needs (items)", v.Name, v.Secret.SecretName)
		}
	}
	return p
}

// unpinned says why an image reference is not a fixed release, or "".
func unpinned(image string) string {
	if strings.Contains(image, "@sha256:") {
		return ""
	}
	name := image[strings.LastIndex(image, "/")+1:]
	i := strings.LastIndex(name, ":")
	switch {
	case i < 0:
		return "has no tag (it means :latest): pin a release"
	case name[i+1:] == "latest":
		return "is :latest: pin a release"
	}
	return ""
}

// checkHPAs: a workload an HPA scales names no replica count, or every
// apply would reset what the HPA chose.
func checkHPAs(objs []Object, ws []workload) []string {
	var p []string
	for _, o := range objs {
		h, ok := o.Value.(*autoscalingv2.HorizontalPodAutoscaler)
		if !ok {
			continue
		}
		ref := h.Spec.ScaleTargetRef
		found := false
		for _, w := range ws {
			if w.obj.Kind != ref.Kind || w.obj.Name != ref.Name {
				continue
			}
			found = true
			if w.replicas != nil {
				p = append(p, fmt.Sprintf("%s: sets replicas although %s scales it: drop the field", w.obj, o))
			}
		}
		if !found {
			p = append(p, fmt.Sprintf("%s: scales %s/%s, which is not in the manifests", o, ref.Kind, ref.Name))
		}
	}
	return p
}

// checkPolicies: every workload's pods are selected by a NetworkPolicy, so
// none is open to the whole cluster by oversight.
func checkPolicies(objs []Object, ws []workload) []string {
	var sels []labels.Selector
	for _, o := range objs {
		np, ok := o.Value.(*networkingv1.NetworkPolicy)
		if !ok {
			continue
		}
		s, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		if err != nil {
			return []string{fmt.Sprintf("%s: pod selector: %v", o, err)}
		}
		sels = append(sels, s)
	}
	var p []string
	for _, w := range ws {
		covered := false
		for _, s := range sels {
			if s.Matches(labels.Set(w.tmpl.Labels)) {
				covered = true
				break
			}
		}
		if !covered {
			p = append(p, fmt.Sprintf("%s: no NetworkPolicy selects its pods", w.obj))
		}
	}
	return p
}
