// Package check decodes zpd's Kubernetes manifests strictly into the
// k8s.io/api types, so a misspelt or misplaced field fails here rather than
// at kubectl apply. It is a module of its own, so that the main go.mod does
// not carry the Kubernetes API: run it with
//
//	cd deploy/kubernetes/check && go test ./...
package check

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// manifests are the files checked, relative to this directory.
var manifests = []string{"../zpd-serve.yaml", "../zpd-serve-postgres.yaml", "../../score-indexed-job.yaml"}

type object struct {
	file, kind, name string
	doc              []byte
}

// documents splits every manifest into its YAML documents.
func documents(t *testing.T) []object {
	t.Helper()
	var out []object
	for _, f := range manifests {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range bytes.Split(b, []byte("\n---")) {
			if len(bytes.TrimSpace(stripComments(doc))) == 0 {
				continue
			}
			var head struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
				Metadata   struct {
					Name string `json:"name"`
				} `json:"metadata"`
			}
			if err := yaml.Unmarshal(doc, &head); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out = append(out, object{filepath.Base(f), head.APIVersion + "/" + head.Kind, head.Metadata.Name, doc})
		}
	}
	return out
}

func stripComments(doc []byte) []byte {
	var keep [][]byte
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			keep = append(keep, line)
		}
	}
	return bytes.Join(keep, []byte("\n"))
}

// TestManifestsDecodeStrictly: every document is a known kind, and decodes
// into its type with no unknown or duplicate field.
func TestManifestsDecodeStrictly(t *testing.T) {
	seen := map[string]int{}
	for _, o := range documents(t) {
		var err error
		switch o.kind {
		case "apps/v1/Deployment":
			var d appsv1.Deployment
			if err = yaml.UnmarshalStrict(o.doc, &d); err == nil {
				checkDeployment(t, o, &d)
			}
		case "v1/Service":
			err = yaml.UnmarshalStrict(o.doc, &corev1.Service{})
		case "v1/Secret":
			err = yaml.UnmarshalStrict(o.doc, &corev1.Secret{})
		case "batch/v1/Job":
			var j batchv1.Job
			if err = yaml.UnmarshalStrict(o.doc, &j); err == nil {
				if j.Spec.CompletionMode == nil || *j.Spec.CompletionMode != batchv1.IndexedCompletion {
					t.Errorf("%s %s: want an Indexed Job", o.file, o.name)
				}
			}
		default:
			t.Errorf("%s: %s %s: no check for this kind", o.file, o.kind, o.name)
			continue
		}
		if err != nil {
			t.Errorf("%s: %s %s: %v", o.file, o.kind, o.name, err)
		}
		seen[o.kind]++
	}
	for _, kind := range []string{"apps/v1/Deployment", "v1/Service", "v1/Secret", "batch/v1/Job"} {
		if seen[kind] == 0 {
			t.Errorf("no %s among the manifests", kind)
		}
	}
}

// checkDeployment: the serve container has its probes, and reads its keys
// (and, in the PostgreSQL variant, its store) from a Secret.
func checkDeployment(t *testing.T, o object, d *appsv1.Deployment) {
	t.Helper()
	cs := d.Spec.Template.Spec.Containers
	if len(cs) != 1 {
		t.Fatalf("%s %s: %d containers", o.file, o.name, len(cs))
	}
	c := cs[0]
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
		t.Errorf("%s %s: readiness probe %+v, want GET /readyz", o.file, o.name, c.ReadinessProbe)
	}
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Errorf("%s %s: liveness probe %+v, want GET /healthz", o.file, o.name, c.LivenessProbe)
	}
	env := map[string]*corev1.EnvVarSource{}
	for _, e := range c.Env {
		env[e.Name] = e.ValueFrom
	}
	secret := func(name string) {
		if s := env[name]; s == nil || s.SecretKeyRef == nil {
			t.Errorf("%s %s: %s does not come from a Secret", o.file, o.name, name)
		}
	}
	secret("ZPD_SERVE_API_KEYS")
	if strings.Contains(o.file, "postgres") {
		secret("ZPD_SERVE_STORE")
	}
}

// TestStrictDecodingCatches: the check rejects a misspelt field.
func TestStrictDecodingCatches(t *testing.T) {
	bad := []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replica: 2\n")
	if err := yaml.UnmarshalStrict(bad, &appsv1.Deployment{}); err == nil {
		t.Fatal("a misspelt field (replica) decoded without error")
	}
}
