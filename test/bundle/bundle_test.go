// Package bundle validates the OLM bundle offline with operator-framework/api.
package bundle

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/operator-framework/api/pkg/manifests"
	"github.com/operator-framework/api/pkg/validation"
	"sigs.k8s.io/yaml"

	"github.com/openshift/cluster-samples-operator/test/testenv"
)

func TestBundleValidates(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(), "bundle")
	b, err := manifests.GetBundleFromDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	validators := append(validation.DefaultBundleValidators, validation.OperatorHubV2Validator, validation.GoodPracticesValidator)
	results := validators.Validate(b, b.CSV)
	errors := 0
	for _, r := range results {
		for _, e := range r.Errors {
			t.Errorf("%s: %v", r.Name, e)
			errors++
		}
		for _, w := range r.Warnings {
			t.Logf("warning: %s: %v", r.Name, w)
		}
	}
	if b.CSV == nil || len(b.V1CRDs) != 1 || len(b.Objects) < 6 {
		t.Errorf("bundle: csv %v, %d CRDs, %d objects", b.CSV != nil, len(b.V1CRDs), len(b.Objects))
	}
}

// Kinds a registry+v1 bundle may carry besides the CSV and CRDs.
var supported = map[string]bool{
	"ClusterServiceVersion": true, "CustomResourceDefinition": true, "Service": true, "ServiceMonitor": true,
	"PrometheusRule": true, "ClusterRole": true, "Role": true, "ClusterRoleBinding": true, "RoleBinding": true,
	"ConfigMap": true, "Secret": true, "ServiceAccount": true, "PodDisruptionBudget": true, "PriorityClass": true,
	"VerticalPodAutoscaler": true, "ConsoleYAMLSample": true, "ConsoleQuickStart": true, "ConsoleCLIDownload": true, "ConsoleLink": true,
}

func TestBundleKindsAndLabels(t *testing.T) {
	root := testenv.RepoRoot()
	files, _ := filepath.Glob(filepath.Join(root, "bundle", "manifests", "*.yaml"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		var obj struct{ Kind string }
		if err := yaml.Unmarshal(data, &obj); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if !supported[obj.Kind] {
			t.Errorf("%s: kind %s cannot be in a bundle", filepath.Base(f), obj.Kind)
		}
	}
	data, err := os.ReadFile(filepath.Join(root, "bundle", "metadata", "annotations.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var ann struct{ Annotations map[string]string }
	if err := yaml.Unmarshal(data, &ann); err != nil {
		t.Fatal(err)
	}
	docker, err := os.ReadFile(filepath.Join(root, "bundle.Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^LABEL (\S+)=(\S+)$`).FindAllStringSubmatch(string(docker), -1) {
		labels[m[1]] = m[2]
	}
	if len(labels) != len(ann.Annotations) {
		t.Errorf("%d labels, %d annotations", len(labels), len(ann.Annotations))
	}
	for k, v := range ann.Annotations {
		if labels[k] != v {
			t.Errorf("label %s = %q, annotation %q", k, labels[k], v)
		}
	}
}
