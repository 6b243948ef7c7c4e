// Package deploy holds zpd's container and Kubernetes files. Its test lives
// in a module of its own so that k8s.io/api never enters zpd's go.mod.
package deploy

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// object is a decoded manifest document.
type object struct {
	file string
	kind string
	name string
	obj  any
}

// decode strictly decodes every document of every manifest under
// kubernetes/: an unknown or misspelt field, a duplicate key or a value of
// the wrong type fails, as it would (or worse, be silently dropped) in a
// cluster.
func decode(t *testing.T) []object {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("kubernetes", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	var out []object
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range bytes.Split(b, []byte("\n---\n")) {
			var tm metav1.TypeMeta
			if err := yaml.Unmarshal(doc, &tm); err != nil {
				t.Fatalf("%s document %d: %v", f, i, err)
			}
			o, err := decodeKind(tm, doc)
			if err != nil {
				t.Fatalf("%s document %d (%s): %v", f, i, tm.Kind, err)
			}
			var meta struct{ Metadata metav1.ObjectMeta }
			_ = yaml.Unmarshal(doc, &meta)
			out = append(out, object{file: filepath.Base(f), kind: tm.Kind, name: meta.Metadata.Name, obj: o})
		}
	}
	return out
}

func decodeKind(tm metav1.TypeMeta, doc []byte) (any, error) {
	var o any
	switch tm.APIVersion + "/" + tm.Kind {
	case "apps/v1/Deployment":
		o = &appsv1.Deployment{}
	case "apps/v1/StatefulSet":
		o = &appsv1.StatefulSet{}
	case "batch/v1/Job":
		o = &batchv1.Job{}
	case "v1/Service":
		o = &corev1.Service{}
	case "v1/Secret":
		o = &corev1.Secret{}
	default:
		return nil, fmt.Errorf("apiVersion %q kind %q: not a kind this test knows", tm.APIVersion, tm.Kind)
	}
	return o, yaml.UnmarshalStrict(doc, o)
}

func TestManifestsDecodeStrictly(t *testing.T) {
	objs := decode(t)
	want := map[string]bool{
		"zpd-serve.yaml/Secret/zpd-serve-keys":                  false,
		"zpd-serve.yaml/Deployment/zpd-serve":                   false,
		"zpd-serve.yaml/Service/zpd-serve":                      false,
		"zpd-score-job.yaml/Job/zpd-score":                      false,
		"zpd-serve-postgres.yaml/Secret/zpd-serve-stateful":     false,
		"zpd-serve-postgres.yaml/StatefulSet/zpd-postgres":      false,
		"zpd-serve-postgres.yaml/Service/zpd-postgres":          false,
		"zpd-serve-postgres.yaml/Deployment/zpd-serve-stateful": false,
		"zpd-serve-postgres.yaml/Service/zpd-serve-stateful":    false,
	}
	for _, o := range objs {
		k := o.file + "/" + o.kind + "/" + o.name
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected object %s: add it to this test", k)
		}
		want[k] = true
	}
	for k, seen := range want {
		if !seen {
			t.Errorf("missing object %s", k)
		}
	}
}

// TestMisspeltFieldFails shows the strict decoding has teeth.
func TestMisspeltFieldFails(t *testing.T) {
	doc := []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replicas: 2\n  replica: 3\n")
	if _, err := decodeKind(metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}, doc); err == nil {
		t.Fatal("a misspelt field decoded without error")
	}
}

// TestServeDeployments checks what the serving Deployments promise in
// docs/serve.md: probes on /readyz and /healthz, a memory limit above
// GOMEMLIMIT, non-root with a read-only root filesystem, keys from Secrets
// that exist, a Service selecting the pods, and, for the stateful variant,
// the store URL from its Secret.
func TestServeDeployments(t *testing.T) {
	objs := decode(t)
	secrets := map[string]*corev1.Secret{}
	var services []*corev1.Service
	for _, o := range objs {
		switch v := o.obj.(type) {
		case *corev1.Secret:
			secrets[v.Name] = v
		case *corev1.Service:
			services = append(services, v)
		}
	}
	n := 0
	for _, o := range objs {
		d, ok := o.obj.(*appsv1.Deployment)
		if !ok {
			continue
		}
		n++
		pod := d.Spec.Template.Spec
		if len(pod.Containers) != 1 {
			t.Fatalf("%s: %d containers", d.Name, len(pod.Containers))
		}
		c := pod.Containers[0]
		if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" ||
			c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
			t.Errorf("%s: probes %+v %+v", d.Name, c.ReadinessProbe, c.LivenessProbe)
		}
		if pod.SecurityContext == nil || pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot ||
			c.SecurityContext == nil || c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem {
			t.Errorf("%s: not non-root with a read-only root filesystem", d.Name)
		}
		env := map[string]corev1.EnvVar{}
		for _, e := range c.Env {
			env[e.Name] = e
		}
		limit := c.Resources.Limits[corev1.ResourceMemory]
		gomem, err := resource.ParseQuantity(strings.TrimSuffix(env["GOMEMLIMIT"].Value, "B"))
		if err != nil || limit.IsZero() || gomem.Cmp(limit) >= 0 {
			t.Errorf("%s: GOMEMLIMIT %q must be below the memory limit %v (%v)", d.Name, env["GOMEMLIMIT"].Value, limit.String(), err)
		}
		for _, e := range c.Env {
			if ref := e.ValueFrom; ref != nil && ref.SecretKeyRef != nil {
				s, ok := secrets[ref.SecretKeyRef.Name]
				if !ok {
					t.Errorf("%s: env %s from missing Secret %s", d.Name, e.Name, ref.SecretKeyRef.Name)
				} else if _, ok := s.StringData[ref.SecretKeyRef.Key]; !ok {
					t.Errorf("%s: env %s from missing key %s/%s", d.Name, e.Name, s.Name, ref.SecretKeyRef.Key)
				}
			}
		}
		stateful := strings.Contains(o.file, "postgres")
		if _, ok := env["ZPD_SERVE_STORE"]; ok != stateful {
			t.Errorf("%s: ZPD_SERVE_STORE set %v, want %v", d.Name, ok, stateful)
		}
		selected := false
		for _, s := range services {
			match := len(s.Spec.Selector) > 0
			for k, v := range s.Spec.Selector {
				match = match && d.Spec.Template.Labels[k] == v
			}
			selected = selected || match
		}
		if !selected {
			t.Errorf("%s: no Service selects its pods", d.Name)
		}
	}
	if n != 2 {
		t.Errorf("%d Deployments, want the stateless and the stateful one", n)
	}
}

// TestScoreJob checks the Indexed Job's shard count agrees with the
// JOB_COMPLETIONS it passes to zpd score (docs/score.md).
func TestScoreJob(t *testing.T) {
	for _, o := range decode(t) {
		j, ok := o.obj.(*batchv1.Job)
		if !ok {
			continue
		}
		if j.Spec.CompletionMode == nil || *j.Spec.CompletionMode != batchv1.IndexedCompletion || j.Spec.Completions == nil {
			t.Fatalf("%s: not an Indexed Job with completions", j.Name)
		}
		var completions string
		for _, e := range j.Spec.Template.Spec.Containers[0].Env {
			if e.Name == "JOB_COMPLETIONS" {
				completions = e.Value
			}
		}
		if completions != fmt.Sprint(*j.Spec.Completions) {
			t.Errorf("%s: JOB_COMPLETIONS %q, spec.completions %d", j.Name, completions, *j.Spec.Completions)
		}
	}
}
