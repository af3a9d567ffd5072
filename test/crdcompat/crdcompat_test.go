// Package crdcompat proves that the project's generated Config CRD is wire compatible
// with the canonical one shipped in github.com/openshift/api: the same names and shape,
// and the same verdict from a real API server on valid and invalid Configs.
package crdcompat

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/openshift/cluster-samples-operator/internal/registry"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

func ourCRDPath() string {
	return filepath.Join(testenv.RepoRoot(), "config", "crd", "bases", "samples.operator.openshift.io_configs.yaml")
}

func canonicalCRDPath(t *testing.T) string {
	t.Helper()
	dir, err := testenv.OpenShiftAPIDir()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "samples", "v1", "zz_generated.crd-manifests", "00_configs.crd.yaml")
}

func loadCRD(t *testing.T, path string) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict(data, crd); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return crd
}

// facets flattens a schema into "path: type and validation facets", so that two schemas
// can be compared property by property while descriptions are ignored.
func facets(prefix string, s *apiextensionsv1.JSONSchemaProps, out map[string]string) {
	var f []string
	f = append(f, "type="+s.Type)
	if s.Format != "" {
		f = append(f, "format="+s.Format)
	}
	if s.Pattern != "" {
		f = append(f, "pattern="+s.Pattern)
	}
	if s.MaxItems != nil {
		f = append(f, fmt.Sprintf("maxItems=%d", *s.MaxItems))
	}
	if s.MinLength != nil {
		f = append(f, fmt.Sprintf("minLength=%d", *s.MinLength))
	}
	if s.MaxLength != nil {
		f = append(f, fmt.Sprintf("maxLength=%d", *s.MaxLength))
	}
	if s.XListType != nil {
		f = append(f, "listType="+*s.XListType)
	}
	if len(s.Required) > 0 {
		req := append([]string(nil), s.Required...)
		sort.Strings(req)
		f = append(f, "required="+strings.Join(req, ","))
	}
	for _, v := range s.XValidations {
		f = append(f, "rule="+v.Rule)
	}
	out[prefix] = strings.Join(f, " ")
	for name, p := range s.Properties {
		facets(prefix+"."+name, &p, out)
	}
	if s.Items != nil && s.Items.Schema != nil {
		facets(prefix+"[]", s.Items.Schema, out)
	}
}

// tighter lists the validation this CRD adds to the canonical one, on purpose: values the
// stock operator accepts and then cannot use (a registry with a scheme or spaces sets
// every image stream to an unpullable reference) are refused when written, and the skip
// lists are bounded so validation cost stays bounded. The facets after the canonical
// ones must be exactly these.
var tighter = map[string]string{
	".spec.samplesRegistry":     "pattern=" + registry.Pattern + " maxLength=256",
	".spec.skippedImagestreams": "maxItems=500",
	".spec.skippedTemplates":    "maxItems=500",
}

func TestCRDShapeMatchesCanonical(t *testing.T) {
	ours, canon := loadCRD(t, ourCRDPath()), loadCRD(t, canonicalCRDPath(t))

	if ours.Name != canon.Name || ours.Spec.Group != canon.Spec.Group || ours.Spec.Scope != canon.Spec.Scope {
		t.Errorf("name/group/scope = %s/%s/%s, canonical %s/%s/%s", ours.Name, ours.Spec.Group, ours.Spec.Scope, canon.Name, canon.Spec.Group, canon.Spec.Scope)
	}
	if ours.Spec.Names.Kind != canon.Spec.Names.Kind || ours.Spec.Names.ListKind != canon.Spec.Names.ListKind ||
		ours.Spec.Names.Plural != canon.Spec.Names.Plural || ours.Spec.Names.Singular != canon.Spec.Names.Singular {
		t.Errorf("names = %+v, canonical %+v", ours.Spec.Names, canon.Spec.Names)
	}
	if len(ours.Spec.Versions) != len(canon.Spec.Versions) {
		t.Fatalf("%d versions, canonical has %d", len(ours.Spec.Versions), len(canon.Spec.Versions))
	}
	for i, ov := range ours.Spec.Versions {
		cv := canon.Spec.Versions[i]
		if ov.Name != cv.Name || ov.Served != cv.Served || ov.Storage != cv.Storage {
			t.Errorf("version %d = %s served=%v storage=%v, canonical %s served=%v storage=%v", i, ov.Name, ov.Served, ov.Storage, cv.Name, cv.Served, cv.Storage)
		}
		if (ov.Subresources == nil || ov.Subresources.Status == nil) != (cv.Subresources == nil || cv.Subresources.Status == nil) {
			t.Errorf("version %s: status subresource differs from canonical", ov.Name)
		}
		of, cf := map[string]string{}, map[string]string{}
		facets("", ov.Schema.OpenAPIV3Schema, of)
		facets("", cv.Schema.OpenAPIV3Schema, cf)
		for path, want := range cf {
			if got, ok := of[path]; !ok {
				t.Errorf("%s: property %q missing (canonical: %s)", ov.Name, path, want)
			} else if got != want && strings.TrimSpace(strings.TrimPrefix(got, want)) != tighter[path] {
				t.Errorf("%s: property %q is %q, canonical %q", ov.Name, path, got, want)
			}
		}
		for path := range of {
			if _, ok := cf[path]; !ok {
				t.Errorf("%s: property %q is not in the canonical CRD", ov.Name, path)
			}
		}
		if len(of) < 30 {
			t.Errorf("only %d properties compared; the schema walk is broken", len(of))
		}
	}
}

type configCase struct {
	name  string
	valid bool
	obj   map[string]any
}

func helmCharts(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = fmt.Sprintf("redhat-chart-%d.example", i)
	}
	return out
}

func names(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = fmt.Sprintf("stream-%d", i)
	}
	return out
}

func configCases() []configCase {
	cfg := func(spec map[string]any) map[string]any {
		return map[string]any{
			"apiVersion": "samples.operator.openshift.io/v1",
			"kind":       "Config",
			"metadata":   map[string]any{"name": "cluster"},
			"spec":       spec,
		}
	}
	withStatus := cfg(map[string]any{"managementState": "Managed"})
	withStatus["status"] = map[string]any{
		"managementState": "Managed",
		"version":         "4.22.0",
		"conditions": []any{map[string]any{
			"type": "SamplesExist", "status": "True",
			"lastUpdateTime": "2026-01-01T00:00:00Z", "lastTransitionTime": "2026-01-01T00:00:00Z",
		}},
	}
	return []configCase{
		{"empty spec", true, cfg(map[string]any{})},
		{"managed", true, cfg(map[string]any{"managementState": "Managed"})},
		{"removed", true, cfg(map[string]any{"managementState": "Removed"})},
		{"unmanaged", true, cfg(map[string]any{"managementState": "Unmanaged"})},
		{"force", true, cfg(map[string]any{"managementState": "Force"})},
		{"every spec field", true, cfg(map[string]any{
			"managementState":     "Managed",
			"samplesRegistry":     "mirror.example.com:5000/samples",
			"architectures":       []any{"x86_64"},
			"skippedImagestreams": []any{"ruby", "jenkins"},
			"skippedTemplates":    []any{"rails-postgresql-example"},
			"skippedHelmCharts":   []any{"redhat-redhat-ruby-imagestreams"},
		})},
		{"16 helm charts", true, cfg(map[string]any{"skippedHelmCharts": helmCharts(16)})},
		{"with status", true, withStatus},
		{"unknown management state", false, cfg(map[string]any{"managementState": "Enabled"})},
		{"registry with a scheme", false, cfg(map[string]any{"samplesRegistry": "https://mirror.example.com"})},
		{"registry with a space", false, cfg(map[string]any{"samplesRegistry": "mirror.example.com/my samples"})},
		{"registry path in upper case", false, cfg(map[string]any{"samplesRegistry": "mirror.example.com/Samples"})},
		{"registry with a port and path", true, cfg(map[string]any{"samplesRegistry": "10.0.0.1:5000/ocp4/samples"})},
		{"501 skipped image streams", false, cfg(map[string]any{"skippedImagestreams": names(501)})},
		{"500 skipped image streams", true, cfg(map[string]any{"skippedImagestreams": names(500)})},
		{"lower-case management state", false, cfg(map[string]any{"managementState": "managed"})},
		{"17 helm charts", false, cfg(map[string]any{"skippedHelmCharts": helmCharts(17)})},
		{"helm chart with capitals", false, cfg(map[string]any{"skippedHelmCharts": []any{"Redhat-Ruby"}})},
		{"helm chart ending in a dash", false, cfg(map[string]any{"skippedHelmCharts": []any{"ruby-"}})},
		{"empty helm chart", false, cfg(map[string]any{"skippedHelmCharts": []any{""}})},
		{"254-char helm chart", false, cfg(map[string]any{"skippedHelmCharts": []any{strings.Repeat("a", 254)}})},
		{"duplicate helm charts", false, cfg(map[string]any{"skippedHelmCharts": []any{"ruby", "ruby"}})},
		{"architectures not a list", false, cfg(map[string]any{"architectures": "x86_64"})},
		{"samplesRegistry not a string", false, cfg(map[string]any{"samplesRegistry": 5})},
		{"no spec", false, map[string]any{
			"apiVersion": "samples.operator.openshift.io/v1", "kind": "Config",
			"metadata": map[string]any{"name": "cluster"},
		}},
	}
}

// verdicts applies every case with a server-side dry run against a control plane
// serving the given Config CRD and returns the error (or nil) per case.
func verdicts(t *testing.T, crd string) map[string]error {
	t.Helper()
	env, err := testenv.Start(testenv.Options{ConfigCRD: crd})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := env.Stop(); err != nil {
			t.Error(err)
		}
	}()
	out := map[string]error{}
	for _, c := range configCases() {
		u := &unstructured.Unstructured{Object: c.obj}
		out[c.name] = env.Client.Create(context.Background(), u, client.DryRunAll)
	}
	return out
}

// refusedOnlyHere are the cases the canonical CRD accepts and this one refuses (tighter).
var refusedOnlyHere = map[string]bool{
	"registry with a scheme": true, "registry with a space": true, "registry path in upper case": true, "501 skipped image streams": true,
}

func TestServerVerdictsMatchCanonical(t *testing.T) {
	ours := verdicts(t, ourCRDPath())
	canon := verdicts(t, canonicalCRDPath(t))
	for _, c := range configCases() {
		o, cn := ours[c.name], canon[c.name]
		t.Logf("%s: ours: %v", c.name, o)
		if (o == nil) != c.valid {
			t.Errorf("%s: our CRD said %v, want valid=%v", c.name, o, c.valid)
		}
		if (cn == nil) != (c.valid || refusedOnlyHere[c.name]) {
			t.Errorf("%s: canonical CRD said %v, want valid=%v", c.name, cn, c.valid || refusedOnlyHere[c.name])
		}
	}
}
