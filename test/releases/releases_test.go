// Package releases upgrades (and downgrades) the operator between two content trees, V1
// and V2, made in the test from the real samples tree (or, without
// ../shared/corpus/ocp, the built-in one, which matches it name for name): V2 retires the
// redis image stream and the redis-ephemeral template, drops a tag from perl, moves
// another to a new image, adds one, and ships a new image stream and a new template.
package releases

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/record"
	"github.com/openshift/cluster-samples-operator/internal/samples"
	"github.com/openshift/cluster-samples-operator/test/operatortest"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { testenv.Main(m, &env) }

const (
	v1Version = "4.21.0"
	v2Version = "4.22.0"
	// What V2 retires, adds and changes.
	retiredStream   = "redis"
	retiredTemplate = "redis-ephemeral"
	newStream       = "perl-next"
	newTemplate     = "redis-next"
	changedStream   = "perl"
	addedTag        = "9.99-release-test"
	movedImage      = "registry.redhat.io/ubi9/perl-moved:release-test"
)

// tags V2 changes in perl: dropped leaves the stream, moved gets movedImage.
type perlChanges struct{ dropped, moved string }

// trees returns V1 (the x86_64 samples) and V2 (V1 changed as the package says).
func trees(t *testing.T) (v1, v2 fstest.MapFS, changes perlChanges) {
	t.Helper()
	src, from := content.Embedded(), "the built-in samples (no ../shared/corpus/ocp)"
	corpus := filepath.Join(testenv.RepoRoot(), "..", "shared", "corpus", "ocp")
	if _, err := os.Stat(corpus); err == nil {
		src, from = os.DirFS(corpus), "the real samples of "+corpus
	}
	t.Logf("V1 and V2 are made from %s", from)
	v1, v2 = fstest.MapFS{}, fstest.MapFS{}
	must(t, fs.WalkDir(src, samplesv1.X86Architecture, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(src, p)
		if err != nil {
			return err
		}
		v1[p] = &fstest.MapFile{Data: data}
		v2[p] = &fstest.MapFile{Data: slices.Clone(data)}
		return nil
	}))
	// find returns the file of the object named name (files need not be named after
	// their objects: the real tree keeps redis in redis-rhel.json).
	find := func(kind, name string) string {
		for p, f := range v1 {
			if !strings.Contains(p, "/"+kind+"/") {
				continue
			}
			var meta struct {
				Metadata struct{ Name string } `json:"metadata"`
			}
			if json.Unmarshal(f.Data, &meta) == nil && meta.Metadata.Name == name {
				return p
			}
		}
		t.Fatalf("the samples have no %s %s", kind, name)
		return ""
	}
	delete(v2, find("imagestreams", retiredStream))
	delete(v2, find("templates", retiredTemplate))

	perlPath := find("imagestreams", changedStream)
	perl := map[string]any{}
	must(t, json.Unmarshal(v1[perlPath].Data, &perl))
	tags, _, _ := unstructured.NestedSlice(perl, "spec", "tags")
	var kept []any
	var template map[string]any
	for _, tg := range tags {
		tm := tg.(map[string]any)
		from, _ := tm["from"].(map[string]any)
		name := fmt.Sprint(tm["name"])
		switch {
		case from["kind"] != "DockerImage" || name == "latest":
		case changes.dropped == "":
			changes.dropped = name
			continue
		case changes.moved == "":
			changes.moved = name
			from["name"] = movedImage
			template = tm
		}
		kept = append(kept, tm)
	}
	if changes.moved == "" {
		t.Fatal("perl has fewer than two DockerImage tags")
	}
	added := deepCopy(t, template)
	added["name"] = addedTag
	added["from"] = map[string]any{"kind": "DockerImage", "name": "registry.redhat.io/ubi9/perl-999:release-test"}
	must(t, unstructured.SetNestedSlice(perl, append(kept, added), "spec", "tags"))
	v2[perlPath] = &fstest.MapFile{Data: marshal(t, perl)}

	next := deepCopy(t, perl)
	must(t, unstructured.SetNestedField(next, newStream, "metadata", "name"))
	v2[path.Join(path.Dir(perlPath), newStream+".json")] = &fstest.MapFile{Data: marshal(t, next)}
	persistentPath := find("templates", "redis-persistent")
	tmpl := map[string]any{}
	must(t, json.Unmarshal(v1[persistentPath].Data, &tmpl))
	must(t, unstructured.SetNestedField(tmpl, newTemplate, "metadata", "name"))
	v2[path.Join(path.Dir(persistentPath), newTemplate+".json")] = &fstest.MapFile{Data: marshal(t, tmpl)}
	return v1, v2, changes
}

func deepCopy(t *testing.T, m map[string]any) map[string]any {
	out := map[string]any{}
	must(t, json.Unmarshal(marshal(t, m), &out))
	return out
}

func marshal(t *testing.T, v any) []byte {
	data, err := json.Marshal(v)
	must(t, err)
	return data
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// run starts the operator on tree at version until stop (or the test's end).
func run(t *testing.T, tree fs.FS, version string) (stop func()) {
	return operatortest.Start(t, env.Config, env.Scheme, operatortest.Options{
		Content: &content.Source{FS: tree}, Version: version, NoLeaderElection: true,
	})
}

func get(t *testing.T, gvk schema.GroupVersionKind, name string) (*unstructured.Unstructured, bool) {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: samplesv1.SamplesNamespace, Name: name}, u)
	if apierrors.IsNotFound(err) {
		return nil, false
	}
	must(t, err)
	return u, true
}

func config(t *testing.T) *samplesv1.Config {
	t.Helper()
	cfg := &samplesv1.Config{}
	must(t, env.Client.Get(context.Background(), client.ObjectKey{Name: samplesv1.ConfigName}, cfg))
	return cfg
}

// waitState waits for the Config to report st (SamplesExist True for Managed) at version.
func waitState(t *testing.T, st samplesv1.ManagementState, version string) {
	t.Helper()
	testenv.EventuallyWithin(t, 90*time.Second, fmt.Sprintf("%s at %s", st, version), func() (bool, string) {
		cfg := &samplesv1.Config{}
		if err := env.Client.Get(context.Background(), client.ObjectKey{Name: samplesv1.ConfigName}, cfg); err != nil {
			return false, err.Error()
		}
		exists := conditions.IsTrue(cfg.Status.Conditions, samplesv1.SamplesExist)
		return cfg.Status.ManagementState == st && cfg.Status.Version == version && exists == (st == samplesv1.Managed) &&
			!conditions.IsTrue(cfg.Status.Conditions, samplesv1.RemovePending), fmt.Sprintf("%+v", cfg.Status)
	})
}

func editSpec(t *testing.T, edit func(*samplesv1.ConfigSpec)) {
	testenv.EditConfig(t, env.Client, edit)
}

// clean removes what a test left: the Config (finalizer and all), every sample, the
// operator's ConfigMaps.
func clean(t *testing.T) {
	ctx := context.Background()
	testenv.RemoveOperatorState(ctx, env.Client, samplesv1.OperatorNamespace)
	testenv.Eventually(t, "a clean cluster", func() (bool, string) {
		err := env.Client.Get(ctx, client.ObjectKey{Name: samplesv1.ConfigName}, &samplesv1.Config{})
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
}

func inventory(t *testing.T, tree fs.FS) *content.Set {
	inv, err := content.Load(tree)
	must(t, err)
	set, _ := inv.For(samplesv1.X86Architecture)
	return set
}

// absentOrGone lists which of names (of gvk) still exist.
func present(t *testing.T, gvk schema.GroupVersionKind, names []string) []string {
	var out []string
	for _, n := range names {
		if _, ok := get(t, gvk, n); ok {
			out = append(out, n)
		}
	}
	return out
}

// installV1 installs V1 and adds what users add: a tag on perl, a renamed copy of the
// retired stream carrying the managed label (a lookalike no release installed), a
// skipped sample, and the import-error ConfigMap V1 left for the retired stream.
func installV1(t *testing.T, v1 fs.FS) (stop func()) {
	t.Helper()
	ctx := context.Background()
	testenv.SetPullSecret(t, env.Client, true)
	stop = run(t, v1, v1Version)
	waitState(t, samplesv1.Managed, v1Version)
	editSpec(t, func(s *samplesv1.ConfigSpec) { s.SkippedImagestreams = []string{"mysql"} })
	testenv.EventuallyWithin(t, 60*time.Second, "mysql marked skipped", func() (bool, string) {
		u, ok := get(t, samples.ImageStreamGVK, "mysql")
		return ok && u.GetLabels()[samplesv1.SamplesManagedLabel] == "false", ""
	})

	perl, _ := get(t, samples.ImageStreamGVK, changedStream)
	tags, _, _ := unstructured.NestedSlice(perl.Object, "spec", "tags")
	tags = append(tags, map[string]any{"name": "user-tag", "from": map[string]any{"kind": "DockerImage", "name": "quay.io/example/perl:mine"}})
	must(t, unstructured.SetNestedSlice(perl.Object, tags, "spec", "tags"))
	must(t, env.Client.Update(ctx, perl))

	redis, _ := get(t, samples.ImageStreamGVK, retiredStream)
	copyOf := &unstructured.Unstructured{Object: map[string]any{"apiVersion": redis.GetAPIVersion(), "kind": redis.GetKind(), "spec": redis.Object["spec"]}}
	copyOf.SetNamespace(samplesv1.SamplesNamespace)
	copyOf.SetName("redis-copy")
	copyOf.SetLabels(redis.GetLabels())
	copyOf.SetAnnotations(redis.GetAnnotations())
	must(t, env.Client.Create(ctx, copyOf))

	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: samplesv1.OperatorNamespace, Name: retiredStream,
		Labels: map[string]string{samplesv1.ImportErrorLabel: "true"}}, Data: map[string]string{"latest": "Internal error occurred: manifest unknown"}}
	must(t, env.Client.Create(ctx, cm))
	return stop
}

// failImports records, as openshift-apiserver would, that every tag of the stream
// failed to import at its current generation.
func failImports(t *testing.T, name string) {
	t.Helper()
	u, ok := get(t, samples.ImageStreamGVK, name)
	if !ok {
		t.Fatalf("no image stream %s", name)
	}
	var status []any
	tags, _, _ := unstructured.NestedSlice(u.Object, "spec", "tags")
	for _, tg := range tags {
		status = append(status, map[string]any{"tag": tg.(map[string]any)["name"], "items": nil, "conditions": []any{map[string]any{
			"type": "ImportSuccess", "status": "False", "reason": "NotFound", "message": "Internal error occurred: manifest unknown",
			"generation": u.GetGeneration(), "lastTransitionTime": time.Now().UTC().Format(time.RFC3339)}}})
	}
	must(t, unstructured.SetNestedSlice(u.Object, status, "status", "tags"))
	must(t, env.Client.Status().Update(context.Background(), u))
}

func tagsOf(t *testing.T, name string) map[string]string {
	u, ok := get(t, samples.ImageStreamGVK, name)
	if !ok {
		t.Fatalf("image stream %s is missing", name)
	}
	out := map[string]string{}
	tags, _, _ := unstructured.NestedSlice(u.Object, "spec", "tags")
	for _, tg := range tags {
		tm := tg.(map[string]any)
		from, _ := tm["from"].(map[string]any)
		out[fmt.Sprint(tm["name"])] = fmt.Sprint(from["name"])
	}
	return out
}

func installedRecord(t *testing.T) record.Names {
	cm := &corev1.ConfigMap{}
	err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: samplesv1.OperatorNamespace, Name: samplesv1.InstalledConfigMap}, cm)
	if apierrors.IsNotFound(err) {
		return record.New()
	}
	must(t, err)
	return record.Parse(cm.Data)
}

// TestUpgradeThenRemoved: V1 to V2 changes what V2 changes and leaves the retired
// samples as they were; Removed then deletes V2's inventory and the retired samples,
// sparing the lookalike and the skipped sample; Managed again installs V2's only.
func TestUpgradeThenRemoved(t *testing.T) {
	clean(t)
	t.Cleanup(func() { clean(t) })
	v1, v2, perl := trees(t)
	stopV1 := installV1(t, v1)
	stopV1()
	// The retired stream's imports fail: V1 would report and retry them; V2 must not.
	failImports(t, retiredStream)
	retired, _ := get(t, samples.ImageStreamGVK, retiredStream)
	retiredTmpl, _ := get(t, samples.TemplateGVK, retiredTemplate)

	run(t, v2, v2Version)
	waitState(t, samplesv1.Managed, v2Version)
	for gvk, name := range map[schema.GroupVersionKind]string{samples.ImageStreamGVK: newStream, samples.TemplateGVK: newTemplate} {
		if u, ok := get(t, gvk, name); !ok || u.GetAnnotations()[samplesv1.SamplesVersionAnnotation] != v2Version {
			t.Errorf("V2's new %s %s is not installed at %s", gvk.Kind, name, v2Version)
		}
	}
	tags := tagsOf(t, changedStream)
	if tags[addedTag] == "" || tags[perl.moved] != movedImage || tags[perl.dropped] == "" || tags["user-tag"] != "quay.io/example/perl:mine" {
		t.Errorf("perl after the upgrade: %v; want %s added, %s moved to %s, the dropped %s and user-tag kept", tags, addedTag, perl.moved, movedImage, perl.dropped)
	}
	// Retired samples: left as they were by the upgrade, and quiet.
	if u, ok := get(t, samples.ImageStreamGVK, retiredStream); !ok || u.GetResourceVersion() != retired.GetResourceVersion() {
		t.Errorf("the retired image stream %s was changed or deleted by the upgrade", retiredStream)
	}
	if u, ok := get(t, samples.TemplateGVK, retiredTemplate); !ok || u.GetResourceVersion() != retiredTmpl.GetResourceVersion() {
		t.Errorf("the retired template %s was changed or deleted by the upgrade", retiredTemplate)
	}
	testenv.Eventually(t, "the retired stream's import-error ConfigMap deleted", func() (bool, string) {
		err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: samplesv1.OperatorNamespace, Name: retiredStream}, &corev1.ConfigMap{})
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
	isis := &unstructured.UnstructuredList{}
	isis.SetGroupVersionKind(schema.GroupVersionKind{Group: "image.openshift.io", Version: "v1", Kind: "ImageStreamImportList"})
	must(t, env.Client.List(context.Background(), isis, client.InNamespace(samplesv1.SamplesNamespace)))
	for _, isi := range isis.Items {
		if isi.GetName() == retiredStream {
			t.Errorf("the retired %s's failing imports were retried", retiredStream)
		}
	}
	mirror := &corev1.ConfigMap{}
	must(t, env.Client.Get(context.Background(), client.ObjectKey{Namespace: samplesv1.OperatorNamespace, Name: samplesv1.MirrorConfigMap}, mirror))
	for key := range mirror.Data {
		if strings.HasPrefix(key, retiredStream+"_") {
			t.Errorf("the mirror ConfigMap still lists the retired %s", key)
		}
	}
	if rec := installedRecord(t); !rec.ImageStreams[retiredStream] || !rec.Templates[retiredTemplate] || !rec.ImageStreams[newStream] || rec.ImageStreams["redis-copy"] {
		t.Errorf("the record of installed samples: %+v", rec.Data())
	}

	editSpec(t, func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Removed })
	waitState(t, samplesv1.Removed, v2Version)
	v2Set := inventory(t, v2)
	if left := present(t, samples.ImageStreamGVK, slices.DeleteFunc(v2Set.ImageStreamNames(), func(n string) bool { return n == "mysql" })); len(left) > 0 {
		t.Errorf("Removed left V2 image streams %v", left)
	}
	if left := present(t, samples.ImageStreamGVK, []string{retiredStream}); len(left) > 0 {
		t.Errorf("Removed left the retired image stream %s", retiredStream)
	}
	if left := present(t, samples.TemplateGVK, []string{retiredTemplate}); len(left) > 0 {
		t.Errorf("Removed left the retired template %s", retiredTemplate)
	}
	if left := present(t, samples.ImageStreamGVK, []string{"redis-copy", "mysql"}); len(left) != 2 {
		t.Errorf("Removed deleted the lookalike or the skipped sample: only %v left", left)
	}
	if rec := installedRecord(t); !rec.Empty() {
		t.Errorf("the record after Removed: %+v", rec.Data())
	}

	editSpec(t, func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Managed })
	waitState(t, samplesv1.Managed, v2Version)
	if left := present(t, samples.ImageStreamGVK, []string{retiredStream}); len(left) > 0 {
		t.Errorf("Managed again brought back the retired %s", retiredStream)
	}
	if left := present(t, samples.TemplateGVK, []string{retiredTemplate}); len(left) > 0 {
		t.Errorf("Managed again brought back the retired %s", retiredTemplate)
	}
	if _, ok := get(t, samples.ImageStreamGVK, newStream); !ok {
		t.Errorf("Managed again did not install %s", newStream)
	}
}

// TestUpgradeThenConfigDeleted: deleting the Config after the upgrade deletes the
// retired samples too, and spares the lookalike and the skipped sample.
func TestUpgradeThenConfigDeleted(t *testing.T) {
	clean(t)
	t.Cleanup(func() { clean(t) })
	v1, v2, _ := trees(t)
	installV1(t, v1)()
	run(t, v2, v2Version)
	waitState(t, samplesv1.Managed, v2Version)
	skipped, _ := get(t, samples.ImageStreamGVK, "mysql")
	copyOf, _ := get(t, samples.ImageStreamGVK, "redis-copy")
	old := config(t)
	must(t, env.Client.Delete(context.Background(), old))
	// The bootstrap creates a new Config once the finalizer let the old one go.
	testenv.EventuallyWithin(t, 60*time.Second, "a new Config", func() (bool, string) {
		cfg := &samplesv1.Config{}
		err := env.Client.Get(context.Background(), client.ObjectKey{Name: samplesv1.ConfigName}, cfg)
		return err == nil && cfg.UID != old.UID, fmt.Sprint(err)
	})
	if left := present(t, samples.ImageStreamGVK, []string{retiredStream}); len(left) > 0 {
		t.Errorf("deleting the Config left the retired image stream")
	}
	if left := present(t, samples.TemplateGVK, []string{retiredTemplate}); len(left) > 0 {
		t.Errorf("deleting the Config left the retired template")
	}
	// Spared, not deleted and made again: the same objects.
	for _, was := range []*unstructured.Unstructured{skipped, copyOf} {
		if u, ok := get(t, samples.ImageStreamGVK, was.GetName()); !ok || u.GetUID() != was.GetUID() {
			t.Errorf("deleting the Config deleted %s", was.GetName())
		}
	}
	// The new Config (no skips) installs V2 again, the skipped mysql adopted.
	waitState(t, samplesv1.Managed, v2Version)
	if left := present(t, samples.ImageStreamGVK, []string{retiredStream}); len(left) > 0 {
		t.Errorf("the new Config brought back the retired %s", retiredStream)
	}
}

// TestDowngrade: V2's samples under V1's operator (a rollback) converge; the samples
// only V2 ships are left as they are, and Removed still deletes them (the record
// names them).
func TestDowngrade(t *testing.T) {
	clean(t)
	t.Cleanup(func() { clean(t) })
	v1, v2, perl := trees(t)
	testenv.SetPullSecret(t, env.Client, true)
	stopV2 := run(t, v2, v2Version)
	waitState(t, samplesv1.Managed, v2Version)
	next, _ := get(t, samples.ImageStreamGVK, newStream)
	stopV2()

	run(t, v1, v1Version)
	waitState(t, samplesv1.Managed, v1Version)
	if u, ok := get(t, samples.ImageStreamGVK, newStream); !ok || u.GetResourceVersion() != next.GetResourceVersion() {
		t.Errorf("the downgrade changed or deleted V2's %s", newStream)
	}
	if _, ok := get(t, samples.ImageStreamGVK, retiredStream); !ok {
		t.Errorf("the downgrade did not install V1's %s", retiredStream)
	}
	if tags := tagsOf(t, changedStream); tags[perl.moved] == movedImage || tags[perl.dropped] == "" {
		t.Errorf("perl after the downgrade: %v; want V1's %s back and %s again", tags, perl.moved, perl.dropped)
	}
	editSpec(t, func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Removed })
	waitState(t, samplesv1.Removed, v1Version)
	if left := present(t, samples.ImageStreamGVK, []string{newStream}); len(left) > 0 {
		t.Errorf("Removed after the downgrade left V2's %s", newStream)
	}
	if left := present(t, samples.TemplateGVK, []string{newTemplate}); len(left) > 0 {
		t.Errorf("Removed after the downgrade left V2's %s", newTemplate)
	}
}

// writeLog counts the operator's mutating calls, by verb, kind and name.
type writeLog struct {
	mu     sync.Mutex
	writes []string
}

func (w *writeLog) add(verb string, o client.Object) {
	w.mu.Lock()
	defer w.mu.Unlock()
	kind := o.GetObjectKind().GroupVersionKind().Kind
	if kind == "" {
		kind = fmt.Sprintf("%T", o)
	}
	w.writes = append(w.writes, fmt.Sprintf("%s %s %s", verb, kind, o.GetName()))
}

func (w *writeLog) list() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.writes)
}

func counting(w *writeLog) client.NewClientFunc {
	return func(cfg *rest.Config, o client.Options) (client.Client, error) {
		c, err := client.NewWithWatch(cfg, o)
		if err != nil {
			return nil, err
		}
		return interceptor.NewClient(c, interceptor.Funcs{
			Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
				w.add("create", obj)
				return c.Create(ctx, obj, opts...)
			},
			Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
				w.add("update", obj)
				return c.Update(ctx, obj, opts...)
			},
			Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
				w.add("patch", obj)
				return c.Patch(ctx, obj, p, opts...)
			},
			Delete: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.DeleteOption) error {
				w.add("delete", obj)
				return c.Delete(ctx, obj, opts...)
			},
			SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
				w.add("update "+sub, obj)
				return c.SubResource(sub).Update(ctx, obj, opts...)
			},
			SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
				w.add("patch "+sub, obj)
				return c.SubResource(sub).Patch(ctx, obj, p, opts...)
			},
		}), nil
	}
}

// TestTakeOverFromTheStockOperator: the state the stock operator leaves (its samples
// stamped with the same release, per-stream error ConfigMaps, one left with no data
// after its tags recovered, the mapping ConfigMap, the Config status with all seven
// conditions as it writes them, no record of installed samples, and a sample of an
// earlier release this one retired). Our first pass writes no sample and converges;
// the retired sample, which no record names, is left in place even by Removed.
func TestTakeOverFromTheStockOperator(t *testing.T) {
	clean(t)
	t.Cleanup(func() { clean(t) })
	ctx := context.Background()
	v1, v2, _ := trees(t)
	testenv.SetPullSecret(t, env.Client, true)
	// The stock operator installed V1 once, then V2 at v2Version: what it left is made
	// with this operator and then changed to the stock operator's shape.
	installV1(t, v1)()
	stop := run(t, v2, v2Version)
	waitState(t, samplesv1.Managed, v2Version)
	stop()
	must(t, client.IgnoreNotFound(env.Client.Delete(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: samplesv1.OperatorNamespace, Name: samplesv1.InstalledConfigMap}})))
	for name, data := range map[string]map[string]string{"python": {"3.9-ubi8": "Internal error occurred: manifest unknown"}, "perl": nil} {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: samplesv1.OperatorNamespace, Name: name,
			Labels: map[string]string{samplesv1.ImportErrorLabel: "true"}}, Data: data}
		must(t, env.Client.Create(ctx, cm))
	}
	cfg := config(t)
	cfg.Spec.SkippedImagestreams = nil
	must(t, env.Client.Update(ctx, cfg))
	cfg = config(t)
	now := metav1.Now()
	cfg.Status.Conditions = nil
	for _, c := range []struct {
		t samplesv1.ConfigConditionType
		s corev1.ConditionStatus
	}{{samplesv1.ImportCredentialsExist, "True"}, {samplesv1.ConfigurationValid, "True"}, {samplesv1.SamplesExist, "True"},
		{samplesv1.ImageChangesInProgress, "False"}, {samplesv1.RemovePending, "False"}, {samplesv1.MigrationInProgress, "False"},
		{samplesv1.ImportImageErrorsExist, "True"}} {
		msg := ""
		if c.t == samplesv1.ImportImageErrorsExist {
			msg = "python had image import errors"
		}
		cfg.Status.Conditions = append(cfg.Status.Conditions, samplesv1.ConfigCondition{Type: c.t, Status: c.s, Message: msg, LastUpdateTime: now, LastTransitionTime: now})
	}
	must(t, env.Client.Status().Update(ctx, cfg))
	// mysql was skipped under us, so it is labelled false at V1's version; the stock
	// operator, with nothing skipped, would have it managed at this release.
	if u, ok := get(t, samples.ImageStreamGVK, "mysql"); ok {
		labels, ann := u.GetLabels(), u.GetAnnotations()
		labels[samplesv1.SamplesManagedLabel] = "true"
		ann[samplesv1.SamplesVersionAnnotation] = v2Version
		u.SetLabels(labels)
		u.SetAnnotations(ann)
		must(t, env.Client.Update(ctx, u))
	}
	retired, _ := get(t, samples.ImageStreamGVK, retiredStream)

	w := &writeLog{}
	operatortest.Start(t, env.Config, env.Scheme, operatortest.Options{
		Content: &content.Source{FS: v2}, Version: v2Version, NoLeaderElection: true, NewClient: counting(w),
	})
	testenv.EventuallyWithin(t, 60*time.Second, "converged on the stock operator's state", func() (bool, string) {
		c := config(t)
		errs := conditions.Get(c.Status.Conditions, samplesv1.ImportImageErrorsExist)
		ok := conditions.IsTrue(c.Status.Conditions, samplesv1.SamplesExist) && errs != nil && errs.Status == corev1.ConditionFalse
		return ok, fmt.Sprintf("%+v", c.Status.Conditions)
	})
	var sampleWrites []string
	for _, wr := range w.list() {
		if strings.Contains(wr, " ImageStream ") || strings.Contains(wr, " Template ") || strings.Contains(wr, "Unstructured") {
			sampleWrites = append(sampleWrites, wr)
		}
	}
	t.Logf("writes of the first passes after taking over: %s", strings.Join(w.list(), "; "))
	if len(sampleWrites) > 0 {
		t.Errorf("taking over wrote samples: %v", sampleWrites)
	}
	if u, ok := get(t, samples.ImageStreamGVK, retiredStream); !ok || u.GetResourceVersion() != retired.GetResourceVersion() {
		t.Errorf("taking over changed the retired %s", retiredStream)
	}
	// No record names the retired sample: Removed leaves it (the README's rule).
	editSpec(t, func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Removed })
	waitState(t, samplesv1.Removed, v2Version)
	if _, ok := get(t, samples.ImageStreamGVK, retiredStream); !ok {
		t.Errorf("Removed deleted %s, which no record of this operator names", retiredStream)
	}
}
