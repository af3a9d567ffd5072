package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func mirrorRun(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := Mirror(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// An air-gapped site reads the images from a saved copy of the ConfigMap, as
// `oc get -o yaml` or `-o json` writes it.
func TestMirrorFromASavedConfigMap(t *testing.T) {
	dir := t.TempDir()
	yamlFile := filepath.Join(dir, "cm.yaml")
	if err := os.WriteFile(yamlFile, []byte(`apiVersion: v1
kind: ConfigMap
metadata:
  name: imagestreamtag-to-image
  namespace: openshift-cluster-samples-operator
  annotations:
    samples.operator.openshift.io/version: 4.22.0
data:
  ruby_3.3: registry.redhat.io/ubi9/ruby-33:latest
  perl_5.32: registry.redhat.io/ubi9/perl-532:latest
`), 0o600); err != nil {
		t.Fatal(err)
	}
	jsonFile := filepath.Join(dir, "cm.json")
	if err := os.WriteFile(jsonFile, []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"imagestreamtag-to-image"},"data":{"ruby_3.3":"registry.redhat.io/ubi9/ruby-33:latest"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := mirrorRun("images", "--from-file", yamlFile); code != 0 || out != "registry.redhat.io/ubi9/perl-532:latest\nregistry.redhat.io/ubi9/ruby-33:latest\n" {
		t.Errorf("YAML: exit %d, %q, %q", code, out, errOut)
	}
	if code, out, _ := mirrorRun("mapping", "--to", "m.example.com:5000", "--from-file", jsonFile); code != 0 || out != "registry.redhat.io/ubi9/ruby-33:latest=m.example.com:5000/ubi9/ruby-33:latest\n" {
		t.Errorf("JSON: exit %d, %q", code, out)
	}
	other := filepath.Join(dir, "other.yaml")
	if err := os.WriteFile(other, []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: pull-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := mirrorRun("images", "--from-file", other); code != 1 || !strings.Contains(errOut, "not the ConfigMap imagestreamtag-to-image") {
		t.Errorf("another object: exit %d, %q", code, errOut)
	}
	if code, _, errOut := mirrorRun("images", "--from-file", yamlFile, "--from-cluster"); code != 2 || !strings.Contains(errOut, "give one") {
		t.Errorf("two sources: exit %d, %q", code, errOut)
	}
}

// --help lists every flag with its help, and the exit codes.
func TestMirrorHelpListsEveryFlag(t *testing.T) {
	code, out, _ := mirrorRun("--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, name := range FlagNames("mirror check") {
		found := false
		for _, line := range strings.Split(out, "\n") {
			fields := strings.Fields(line)
			if len(fields) >= 2 && strings.TrimLeft(fields[0], "-") == name {
				found = true
			}
		}
		if !found {
			t.Errorf("--%s has no help line", name)
		}
	}
	if !strings.Contains(out, "Exit codes: 0") || !strings.Contains(out, "3 images are missing") {
		t.Errorf("no exit codes in the help:\n%s", out)
	}
}

// imageSetConfiguration mirrors the documented fields of oc-mirror v2's
// ImageSetConfiguration (oc-mirror's module is not served here), so that the output is
// decoded strictly: a field oc-mirror does not have fails the test.
type imageSetConfiguration struct {
	Kind       string `json:"kind"`
	APIVersion string `json:"apiVersion"`
	Mirror     struct {
		Platform         map[string]any   `json:"platform,omitempty"`
		Operators        []map[string]any `json:"operators,omitempty"`
		AdditionalImages []struct {
			Name string `json:"name"`
		} `json:"additionalImages"`
		BlockedImages []map[string]any `json:"blockedImages,omitempty"`
		Helm          map[string]any   `json:"helm,omitempty"`
	} `json:"mirror"`
}

func TestMirrorImageSet(t *testing.T) {
	code, out, errOut := mirrorRun("imageset", "--arch", "x86_64")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var isc imageSetConfiguration
	if err := yaml.UnmarshalStrict([]byte(out), &isc); err != nil {
		t.Fatalf("not an ImageSetConfiguration: %v\n%s", err, out)
	}
	if isc.Kind != "ImageSetConfiguration" || isc.APIVersion != "mirror.openshift.io/v2alpha1" {
		t.Errorf("kind %q apiVersion %q", isc.Kind, isc.APIVersion)
	}
	_, images, _ := mirrorRun("images", "--arch", "x86_64")
	want := strings.Fields(images)
	var got []string
	for _, img := range isc.Mirror.AdditionalImages {
		got = append(got, img.Name)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") || len(want) < 30 {
		t.Errorf("additionalImages %d, the inventory's images %d", len(got), len(want))
	}
	jenkins := false
	for _, img := range got {
		jenkins = jenkins || strings.Contains(img, "jenkins")
	}
	if !jenkins {
		t.Error("the jenkins images are left out")
	}
}
