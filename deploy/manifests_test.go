// Package deploy_test checks the Kubernetes manifests in deploy/ by strict
// decoding into the Kubernetes API types (k8s.io/api): a misspelt or
// misplaced field fails here, not at `kubectl apply`. KServe's
// InferenceService is a custom resource; its Go types pull KServe's whole
// controller, so it decodes into inferenceService below, which mirrors the
// documented v1beta1 fields these manifests use and nothing else.
package deploy_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// decodeStrict decodes one YAML document the way the API server does, but
// failing on what it would only warn about: unknown fields, fields in the
// wrong case (encoding/json alone matches names case-insensitively) and
// duplicate keys.
func decodeStrict(doc []byte, v any) error {
	raw, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return err
	}
	strict, err := kjson.UnmarshalStrict(raw, v, kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}

// inferenceService is serving.kserve.io/v1beta1 InferenceService as far as
// these manifests use it (https://kserve.github.io/website/ API reference:
// InferenceServiceSpec, PredictorSpec, ModelSpec).
type inferenceService struct {
	metav1.TypeMeta `json:",inline"`
	Metadata        metav1.ObjectMeta `json:"metadata"`
	Spec            struct {
		Predictor struct {
			MinReplicas  *int32              `json:"minReplicas,omitempty"`
			MaxReplicas  int32               `json:"maxReplicas,omitempty"`
			NodeSelector map[string]string   `json:"nodeSelector,omitempty"`
			Tolerations  []corev1.Toleration `json:"tolerations,omitempty"`
			Model        *struct {
				ModelFormat struct {
					Name    string `json:"name"`
					Version string `json:"version,omitempty"`
				} `json:"modelFormat"`
				Runtime         string                      `json:"runtime,omitempty"`
				ProtocolVersion string                      `json:"protocolVersion,omitempty"`
				StorageURI      string                      `json:"storageUri,omitempty"`
				Resources       corev1.ResourceRequirements `json:"resources,omitempty"`
			} `json:"model"`
		} `json:"predictor"`
	} `json:"spec"`
}

// object is one decoded manifest document.
type object struct {
	file string
	kind string
	v    any
}

// newObject is the typed value for apiVersion/kind; nil for a kind the test
// does not know (a failure: every manifest must be checked).
func newObject(apiVersion, kind string) any {
	switch apiVersion + "/" + kind {
	case "v1/Namespace":
		return &corev1.Namespace{}
	case "v1/Service":
		return &corev1.Service{}
	case "v1/PersistentVolumeClaim":
		return &corev1.PersistentVolumeClaim{}
	case "apps/v1/Deployment":
		return &appsv1.Deployment{}
	case "networking.k8s.io/v1/Ingress":
		return &networkingv1.Ingress{}
	case "policy/v1/PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}
	case "serving.kserve.io/v1beta1/InferenceService":
		return &inferenceService{}
	}
	return nil
}

func loadManifests(t *testing.T) []object {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in deploy/ (%v)", err)
	}
	var objs []object
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range bytes.Split(raw, []byte("\n---\n")) {
			var tm metav1.TypeMeta
			if err := yaml.Unmarshal(doc, &tm); err != nil {
				t.Fatalf("%s document %d: %v", file, i+1, err)
			}
			v := newObject(tm.APIVersion, tm.Kind)
			if v == nil {
				t.Fatalf("%s document %d: %s %s is not a kind this test decodes", file, i+1, tm.APIVersion, tm.Kind)
			}
			if err := decodeStrict(doc, v); err != nil {
				t.Fatalf("%s document %d (%s): %v", file, i+1, tm.Kind, err)
			}
			objs = append(objs, object{file, tm.Kind, v})
		}
	}
	return objs
}

func find[T any](objs []object, name string) *T {
	for _, o := range objs {
		if v, ok := o.v.(*T); ok {
			if m, ok := any(v).(metav1.Object); ok && m.GetName() == name {
				return v
			}
			if isvc, ok := any(v).(*inferenceService); ok && isvc.Metadata.Name == name {
				return v
			}
		}
	}
	return nil
}

// TestManifestsDecodeStrictly: every document is a known kind and has no
// field its type lacks; a misspelt or miscased field is caught (the check
// itself works).
func TestManifestsDecodeStrictly(t *testing.T) {
	objs := loadManifests(t)
	if len(objs) < 8 {
		t.Errorf("%d manifest documents, want the clinlm, Triton and KServe sets", len(objs))
	}
	for _, field := range []string{"replica: 2", "Replicas: 2", "replicas: 2\n  replicas: 3"} {
		bad := []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  " + field + "\n")
		if err := decodeStrict(bad, &appsv1.Deployment{}); err == nil {
			t.Errorf("spec %q decoded without error", field)
		}
	}
	badISVC := []byte("apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata: {name: x}\nspec:\n  predictor:\n    model:\n      storageURI: s3://x\n")
	if err := decodeStrict(badISVC, &inferenceService{}); err == nil {
		t.Error("a misspelt InferenceService field decoded without error")
	}
}

// TestClinlmDeployment: replicas behind a Service without affinity, probes on
// /healthz and /readyz at the container's port, a grace period longer than
// the server's own drain, and an Ingress that reaches the Service.
func TestClinlmDeployment(t *testing.T) {
	objs := loadManifests(t)
	d := find[appsv1.Deployment](objs, "clinlm")
	svc := find[corev1.Service](objs, "clinlm")
	ing := find[networkingv1.Ingress](objs, "clinlm")
	if d == nil || svc == nil || ing == nil || find[policyv1.PodDisruptionBudget](objs, "clinlm") == nil {
		t.Fatal("clinlm.yaml needs a Deployment, Service, Ingress and PodDisruptionBudget named clinlm")
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
		t.Errorf("replicas %v, want at least 2", d.Spec.Replicas)
	}
	pod := d.Spec.Template
	for k, v := range svc.Spec.Selector {
		if pod.Labels[k] != v || d.Spec.Selector.MatchLabels[k] != v {
			t.Errorf("the Service selects %s=%s, which the pods do not carry", k, v)
		}
	}
	if svc.Spec.SessionAffinity != corev1.ServiceAffinityNone {
		t.Errorf("session affinity %q; clinlm replicas are stateless (docs/deploy.md)", svc.Spec.SessionAffinity)
	}
	c := pod.Spec.Containers[0]
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Errorf("liveness probe %+v, want GET /healthz", c.LivenessProbe)
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
		t.Errorf("readiness probe %+v, want GET /readyz", c.ReadinessProbe)
	}
	for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
		if p == nil || p.HTTPGet == nil || !slices.ContainsFunc(c.Ports, func(cp corev1.ContainerPort) bool { return cp.Name == p.HTTPGet.Port.StrVal }) {
			t.Errorf("a probe targets a port the container does not name: %+v", p)
		}
	}
	if !slices.Contains(c.Args, "--addr=0.0.0.0:8080") || c.Ports[0].ContainerPort != 8080 {
		t.Errorf("the server listens per %q, the container exposes %d", c.Args, c.Ports[0].ContainerPort)
	}
	var grace time.Duration
	for _, a := range c.Args {
		if v, ok := strings.CutPrefix(a, "--shutdown-grace="); ok {
			grace, _ = time.ParseDuration(v)
		}
	}
	pause := time.Duration(0)
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
		pause = time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
	}
	if tg := pod.Spec.TerminationGracePeriodSeconds; grace == 0 || tg == nil || time.Duration(*tg)*time.Second <= grace+pause {
		t.Errorf("terminationGracePeriodSeconds %v must exceed --shutdown-grace %s plus the preStop pause %s", tg, grace, pause)
	}
	// The server answers only Host names it knows (DNS rebinding): every
	// name the Ingress routes must be in --allowed-hosts.
	var allowed []string
	for _, a := range c.Args {
		if v, ok := strings.CutPrefix(a, "--allowed-hosts="); ok {
			allowed = strings.Split(v, ",")
		}
	}
	for _, r := range ing.Spec.Rules {
		if !slices.Contains(allowed, r.Host) && !slices.Contains(allowed, "*") {
			t.Errorf("the Ingress routes host %q, which --allowed-hosts %v does not name: every request would be 403", r.Host, allowed)
		}
	}
	backend := ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service
	if backend == nil || backend.Name != svc.Name || backend.Port.Name != svc.Spec.Ports[0].Name {
		t.Errorf("the Ingress reaches %+v, not the clinlm Service's port", backend)
	}
}

// TestModelServersOnGPUNodes: Triton and the InferenceService ask for a GPU,
// run on GPU nodes, and Triton's probes use the v2 health endpoints.
func TestModelServersOnGPUNodes(t *testing.T) {
	objs := loadManifests(t)
	gpu := corev1.ResourceName("nvidia.com/gpu")
	triton := find[appsv1.Deployment](objs, "triton")
	if triton == nil || find[corev1.Service](objs, "triton") == nil {
		t.Fatal("triton.yaml needs a Deployment and a Service named triton")
	}
	pod := triton.Spec.Template.Spec
	c := pod.Containers[0]
	if q, ok := c.Resources.Limits[gpu]; !ok || q.Value() < 1 {
		t.Errorf("Triton's limits %v ask for no GPU", c.Resources.Limits)
	}
	if pod.NodeSelector["nvidia.com/gpu.present"] != "true" || len(pod.Tolerations) == 0 {
		t.Errorf("Triton is not pinned to GPU nodes: %v %v", pod.NodeSelector, pod.Tolerations)
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet.Path != "/v2/health/ready" ||
		c.LivenessProbe == nil || c.LivenessProbe.HTTPGet.Path != "/v2/health/live" {
		t.Errorf("Triton's probes are not the v2 health endpoints")
	}
	if len(pod.InitContainers) != 1 || pod.InitContainers[0].Args[0] != "export-triton" {
		t.Errorf("Triton's model repository is not written by clinlm export-triton: %+v", pod.InitContainers)
	}
	isvc := find[inferenceService](objs, "clinlm-models")
	if isvc == nil || isvc.Spec.Predictor.Model == nil {
		t.Fatal("kserve.yaml needs an InferenceService clinlm-models with a predictor model")
	}
	m := isvc.Spec.Predictor.Model
	if q, ok := m.Resources.Limits[gpu]; !ok || q.Value() < 1 || m.ProtocolVersion != "v2" {
		t.Errorf("the InferenceService asks for %v with protocol %q; want a GPU and v2", m.Resources.Limits, m.ProtocolVersion)
	}
	if pvc, ok := strings.CutPrefix(m.StorageURI, "pvc://"); !ok || find[corev1.PersistentVolumeClaim](objs, strings.Trim(pvc, "/")) == nil {
		t.Errorf("storageUri %q names no PersistentVolumeClaim of these manifests", m.StorageURI)
	}
}
