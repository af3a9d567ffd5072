package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
