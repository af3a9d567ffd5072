package controllers

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/samples"
	"github.com/openshift/cluster-samples-operator/test/fakeimporter"
)

func errorConfigMap(t *testing.T, name string) (*corev1.ConfigMap, bool) {
	t.Helper()
	cm := &corev1.ConfigMap{}
	err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: samplesv1.OperatorNamespace, Name: name}, cm)
	if apierrors.IsNotFound(err) {
		return nil, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return cm, true
}

func retriesOf(stream string) []fakeimporter.ImportRecord {
	var out []fakeimporter.ImportRecord
	for _, r := range importer.Imports() {
		if r.Name == stream {
			out = append(out, r)
		}
	}
	return out
}

// pushRuby makes ruby's images exist, so only python (quay.io/sclorg/python-312) fails.
func pushRuby(t *testing.T) {
	t.Helper()
	for _, ref := range []string{"registry.redhat.io/ubi9/ruby-33:latest", "registry.redhat.io/ubi9/ruby-31:latest"} {
		if _, err := importer.Registry.Push(context.Background(), ref); err != nil {
			t.Fatal(err)
		}
	}
}

func TestImportFailuresAreReportedAndRetried(t *testing.T) {
	pushRuby(t)
	const interval = 3 * time.Second
	op := startOperator(t, operatorOptions{retryInterval: interval})
	before := len(retriesOf("python"))
	createConfig(t, managed(), true)

	var cm *corev1.ConfigMap
	eventually(t, "python's error ConfigMap", func() (bool, string) {
		var ok bool
		cm, ok = errorConfigMap(t, "python")
		return ok && cm.Data["3.12"] != "", fmt.Sprint(cm)
	})
	if cm.Labels["samples.openshift.io/imagestream-error"] != "true" || !strings.Contains(cm.Data["3.12"], "python-312") {
		t.Errorf("ConfigMap = %+v", cm)
	}
	if _, ok := errorConfigMap(t, "ruby"); ok {
		t.Error("a healthy stream has an error ConfigMap")
	}
	cfg := waitCondition(t, samplesv1.ImportImageErrorsExist, corev1.ConditionTrue)
	if c := conditions.Get(cfg.Status.Conditions, samplesv1.ImportImageErrorsExist); !strings.Contains(c.Message, "python (3.12)") || c.Reason != "python" {
		t.Errorf("ImportImageErrorsExist = %+v", c)
	}
	if v := op.retryCount(t, "python"); v < 1 {
		t.Errorf("retry counter = %v", v)
	}
	streams, failing, err := importMetricsSource(env.Client, testSource(), samplesv1.OperatorNamespace)(context.Background())
	if err != nil || len(streams) != 2 || !failing["python"] || failing["ruby"] {
		t.Errorf("failed-import metric inputs: %v %v %v", streams, failing, err)
	}

	// A retry at the first failure, the next one only after the interval.
	eventually(t, "first retry", func() (bool, string) { return len(retriesOf("python")) > before, "" })
	eventually(t, "second retry", func() (bool, string) { return len(retriesOf("python")) > before+1, "" })
	recs := retriesOf("python")
	first, second := recs[before], recs[before+1]
	if gap := second.Time.Sub(first.Time); gap < interval-time.Second {
		t.Errorf("retried after %s, before the %s interval", gap, interval)
	}
	if first.Tags["3.12"] == "" {
		t.Errorf("first retry record = %+v", first)
	}

	// The image appears: the next retry imports it and everything clears.
	if _, err := importer.Registry.Push(context.Background(), "quay.io/sclorg/python-312:latest"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := importer.Registry.Delete(context.Background(), "quay.io/sclorg/python-312:latest"); err != nil {
			t.Error(err)
		}
	})
	eventually(t, "error ConfigMap deleted", func() (bool, string) {
		_, ok := errorConfigMap(t, "python")
		return !ok, ""
	})
	waitCondition(t, samplesv1.ImportImageErrorsExist, corev1.ConditionFalse)
	_, failing, _ = importMetricsSource(env.Client, testSource(), samplesv1.OperatorNamespace)(context.Background())
	if failing["python"] {
		t.Error("python still failing in the metric")
	}
}

func TestImportErrorsClearWhenSkippedOrRemoved(t *testing.T) {
	pushRuby(t)
	startOperator(t, operatorOptions{retryInterval: time.Hour})
	createConfig(t, managed(), true)
	eventually(t, "python's error ConfigMap", func() (bool, string) {
		_, ok := errorConfigMap(t, "python")
		return ok, ""
	})
	// Someone else's ConfigMap with the label's name pattern is never touched.
	foreign := &corev1.ConfigMap{Data: map[string]string{"a": "b"}}
	foreign.Namespace, foreign.Name = samplesv1.OperatorNamespace, "ruby"
	if err := env.Client.Create(context.Background(), foreign); err != nil {
		t.Fatal(err)
	}
	editConfig(t, func(s *samplesv1.ConfigSpec) { s.SkippedImagestreams = []string{"python"} })
	eventually(t, "cleared on skip", func() (bool, string) {
		_, ok := errorConfigMap(t, "python")
		return !ok, ""
	})
	waitCondition(t, samplesv1.ImportImageErrorsExist, corev1.ConditionFalse)

	editConfig(t, func(s *samplesv1.ConfigSpec) { s.SkippedImagestreams = nil })
	eventually(t, "back on unskip", func() (bool, string) {
		_, ok := errorConfigMap(t, "python")
		return ok, ""
	})
	editConfig(t, func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Removed })
	eventually(t, "cleared on Removed", func() (bool, string) {
		_, ok := errorConfigMap(t, "python")
		return !ok, ""
	})
	if _, ok := errorConfigMap(t, "ruby"); !ok {
		t.Error("a ConfigMap the operator did not create was deleted")
	}
}

func TestRestartDoesNotRetryAtOnce(t *testing.T) {
	pushRuby(t)
	op := startOperator(t, operatorOptions{retryInterval: time.Hour})
	before := len(retriesOf("python"))
	createConfig(t, managed(), true)
	eventually(t, "first retry recorded", func() (bool, string) {
		cm, ok := errorConfigMap(t, "python")
		return ok && cm.Annotations[samplesv1.LastRetryAnnotation] != "" && len(retriesOf("python")) == before+1, ""
	})
	op.stop()

	again := startOperator(t, operatorOptions{retryInterval: time.Hour, keepCluster: true})
	// Wait for the new operator to look at python: a change to the stream triggers it.
	n := again.importPasses.Load()
	ruby, _ := getSample(t, samples.ImageStreamGVK, "python")
	ann := ruby.GetAnnotations()
	ann["touched"] = "yes"
	ruby.SetAnnotations(ann)
	if err := env.Client.Update(context.Background(), ruby); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the restarted operator saw python", func() (bool, string) { return again.importPasses.Load() > n, "" })
	if got := len(retriesOf("python")); got != before+1 {
		t.Errorf("%d retries after the restart, want still %d", got, before+1)
	}
}

func TestMirrorMap(t *testing.T) {
	startOperator(t, operatorOptions{})
	createConfig(t, managed(func(s *samplesv1.ConfigSpec) {
		s.ManagementState = samplesv1.Removed
		s.SamplesRegistry = "mirror.example.com"
	}), true)
	var cm *corev1.ConfigMap
	eventually(t, "mirror map written while Removed", func() (bool, string) {
		var ok bool
		cm, ok = errorConfigMap(t, samplesv1.MirrorConfigMap)
		return ok, ""
	})
	want := map[string]string{
		"ruby_3.3": "registry.redhat.io/ubi9/ruby-33:latest", "ruby_3.1": "registry.redhat.io/ubi9/ruby-31:latest",
		"python_3.12": "quay.io/sclorg/python-312:latest",
	}
	if fmt.Sprint(cm.Data) != fmt.Sprint(want) || cm.Annotations[samplesv1.SamplesVersionAnnotation] != "4.22.0" {
		t.Errorf("mirror map = %v %v", cm.Data, cm.Annotations)
	}
	// The -all ConfigMap: the same, and the jenkins streams, which the stock one leaves
	// out (TestMirrorMappingMatchesImageStreams has some).
	var all *corev1.ConfigMap
	eventually(t, "the ConfigMap of every image written", func() (bool, string) {
		var ok bool
		all, ok = errorConfigMap(t, samplesv1.AllImagesConfigMap)
		return ok, ""
	})
	jenkins := 0
	for k, v := range all.Data {
		if strings.HasPrefix(k, "jenkins") {
			jenkins++
		} else if cm.Data[k] != v {
			t.Errorf("%s: %s in %s, %s in %s", k, v, samplesv1.AllImagesConfigMap, cm.Data[k], samplesv1.MirrorConfigMap)
		}
	}
	if len(all.Data) != len(cm.Data)+jenkins {
		t.Errorf("%s has %d entries, %d of jenkins streams; %s has %d", samplesv1.AllImagesConfigMap, len(all.Data), jenkins, samplesv1.MirrorConfigMap, len(cm.Data))
	}
	if err := env.Client.Delete(context.Background(), cm); err != nil {
		t.Fatal(err)
	}
	eventually(t, "mirror map recreated", func() (bool, string) {
		got, ok := errorConfigMap(t, samplesv1.MirrorConfigMap)
		return ok && got.UID != cm.UID, ""
	})
}

func TestMirrorMapOnRealContent(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "corpus", "ocp")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no samples corpus at %s (it is not part of a user's clone)", dir)
	}
	startOperator(t, operatorOptions{content: os.DirFS(dir)})
	createConfig(t, samplesv1.ConfigSpec{ManagementState: samplesv1.Removed}, true)
	eventually(t, "mirror map with 265 entries", func() (bool, string) {
		cm, ok := errorConfigMap(t, samplesv1.MirrorConfigMap)
		return ok && len(cm.Data) == 265, fmt.Sprint(ok, " ", len(cmData(cm)))
	})
}

func cmData(cm *corev1.ConfigMap) map[string]string {
	if cm == nil {
		return nil
	}
	return cm.Data
}

// Retries import only the content's tags, into the tags that hold images: a failing
// alias is retried through the tag it follows, and a tag an administrator added is
// left to them (neither retried nor reported).
func TestRetriesTouchOnlyContentTags(t *testing.T) {
	const interval = 2 * time.Second
	startOperator(t, operatorOptions{retryInterval: interval})
	// ruby 3.1 imports, 3.3 (which latest follows) does not.
	if _, err := importer.Registry.Push(context.Background(), "registry.redhat.io/ubi9/ruby-31:latest"); err != nil {
		t.Fatal(err)
	}
	_ = importer.Registry.Delete(context.Background(), "registry.redhat.io/ubi9/ruby-33:latest")
	createConfig(t, managed(), true)
	waitConverged(t, "4.22.0")
	eventually(t, "ruby installed", func() (bool, string) {
		_, ok := getSample(t, samples.ImageStreamGVK, "ruby")
		return ok, ""
	})
	// The importer writes ruby's status meanwhile: read, add the tag, retry on conflict.
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		ruby, _ := getSample(t, samples.ImageStreamGVK, "ruby")
		tags, _, _ := unstructured.NestedSlice(ruby.Object, "spec", "tags")
		tags = append(tags, map[string]any{"name": "mine", "from": map[string]any{"kind": "DockerImage", "name": "example.com/nowhere/ruby:1"}})
		_ = unstructured.SetNestedSlice(ruby.Object, tags, "spec", "tags")
		return env.Client.Update(context.Background(), ruby)
	}); err != nil {
		t.Fatal(err)
	}
	before := len(retriesOf("ruby"))
	eventually(t, "two retries of ruby", func() (bool, string) { return len(retriesOf("ruby")) >= before+2, fmt.Sprint(retriesOf("ruby")) })
	for _, r := range retriesOf("ruby")[before:] {
		for tag := range r.Tags {
			if tag != "3.3" {
				t.Errorf("a retry imported into %q: %v", tag, r.Tags)
			}
		}
	}
	cm, ok := errorConfigMap(t, "ruby")
	if !ok || cm.Data["3.3"] == "" || cm.Data["mine"] != "" {
		t.Errorf("ruby's error ConfigMap = %v; want 3.3 and not the administrator's tag", cm)
	}
	ruby, _ := getSample(t, samples.ImageStreamGVK, "ruby")
	if tagImages(t, ruby)["latest"] != "3.3" {
		t.Errorf("the alias latest was changed: %v", tagImages(t, ruby))
	}
}
