package controllers

import (
	"context"
	"fmt"
	"strings"
	"testing"

	configv1 "github.com/openshift/api/config/v1"
	imagev1 "github.com/openshift/api/image/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/samples"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

// TestCacheHoldsOnlyWhatTheOperatorManages runs the operator as main.go sets it up
// (NewManager, Setup) in a namespace full of users' image streams and templates, with
// users' ConfigMaps and Secrets elsewhere and another ClusterOperator, and counts what
// its cache holds: the samples, its own ConfigMaps, the pull secret and its own
// ClusterOperator, nothing of the users'. A sample whose label a user removed drops
// out of the cache and is still put back, read past the cache.
func TestCacheHoldsOnlyWhatTheOperatorManages(t *testing.T) {
	cleanCluster(t)
	t.Cleanup(func() { cleanCluster(t) })
	setPullSecret(t, true)
	ctx := context.Background()
	const users = 40
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "cache-shape-users"}}
	if err := env.Client.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(ctx, ns) })
	for i := 0; i < users; i++ {
		is := samples.New(samples.ImageStreamGVK)
		is.SetNamespace(samplesv1.SamplesNamespace)
		is.SetName(fmt.Sprintf("user-stream-%d", i))
		tpl := samples.New(samples.TemplateGVK)
		tpl.SetNamespace(samplesv1.SamplesNamespace)
		tpl.SetName(fmt.Sprintf("user-template-%d", i))
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: fmt.Sprintf("app-%d", i)}}
		secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: fmt.Sprintf("app-%d", i)}}
		for _, o := range []client.Object{is, tpl, cm, secret} {
			if err := env.Client.Create(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
	}
	other := &configv1.ClusterOperator{ObjectMeta: metav1.ObjectMeta{Name: "cache-shape-other"}}
	if err := env.Client.Create(ctx, other); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(ctx, other) })

	createConfig(t, samplesv1.ConfigSpec{ManagementState: "Managed"}, false)
	t.Cleanup(func() { // Setup runs the ClusterOperator controller too
		if co := clusterOperator(t); co != nil {
			_ = env.Client.Delete(ctx, co)
		}
	})
	mgr, _ := startManager(t, Options{Content: testSource()})
	waitConverged(t, "4.22.0")
	installed := len(testenv.ListSamples(t, env.Client, samples.ImageStreamGVK, client.MatchingLabels{samplesv1.SamplesManagedLabel: "true"})) +
		len(testenv.ListSamples(t, env.Client, samples.TemplateGVK, client.MatchingLabels{samplesv1.SamplesManagedLabel: "true"}))
	if installed == 0 {
		t.Fatal("no samples installed")
	}

	// The cache keeps no template objects (samples.Trim); what is written has them.
	tpl, ok := getSample(t, samples.TemplateGVK, "ruby-example")
	want, _ := testSource().SetFor("x86_64")
	wantObjs, _, _ := unstructured.NestedSlice(testenv.Parsed(t, want.Templates)["ruby-example"].Object, "objects")
	if len(wantObjs) == 0 {
		t.Fatal("the content's ruby-example template has no objects")
	}
	if gotObjs, _, _ := unstructured.NestedSlice(tpl.Object, "objects"); !ok || !equality.Semantic.DeepEqual(gotObjs, wantObjs) {
		t.Errorf("template written with objects %v, want %v", gotObjs, wantObjs)
	}

	cached := func(list client.ObjectList) []string {
		t.Helper()
		if err := mgr.GetCache().List(ctx, list); err != nil {
			t.Fatal(err)
		}
		items, err := meta.ExtractList(list)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, o := range items {
			m, err := meta.Accessor(o)
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, m.GetNamespace()+"/"+m.GetName())
		}
		return names
	}
	var inCache []string
	for _, gvk := range samples.Kinds() {
		inCache = append(inCache, cached(cachedSamples(gvk))...)
	}
	for _, name := range inCache {
		if strings.Contains(name, "user-") {
			t.Errorf("the cache holds the user's %s", name)
		}
	}
	if len(inCache) != installed {
		t.Errorf("the cache holds %d image streams and templates, want the %d samples: %v", len(inCache), installed, inCache)
	}
	// What it holds of them is what the decisions read (cachedSample, samples.Trim):
	// image streams typed, templates as metadata, no annotation but the version, no tag
	// descriptions.
	streams, _ := cachedSamples(samples.ImageStreamGVK).(*imagev1.ImageStreamList)
	templates, _ := cachedSamples(samples.TemplateGVK).(*metav1.PartialObjectMetadataList)
	for _, list := range []client.ObjectList{streams, templates} {
		if err := mgr.GetCache().List(ctx, list); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range templates.Items {
		if len(m.Annotations) != 1 || m.Annotations[samplesv1.SamplesVersionAnnotation] == "" {
			t.Errorf("cached template %s has annotations %v, want the version only", m.Name, m.Annotations)
		}
	}
	for _, is := range streams.Items {
		for _, tag := range is.Spec.Tags {
			if tag.Annotations != nil {
				t.Errorf("cached image stream %s keeps tag annotations", is.Name)
			}
		}
	}
	if len(streams.Items) == 0 || len(templates.Items) == 0 {
		t.Errorf("cached: %d image streams, %d templates", len(streams.Items), len(templates.Items))
	}
	for _, name := range cached(&corev1.ConfigMapList{}) {
		if !strings.HasPrefix(name, samplesv1.OperatorNamespace+"/") {
			t.Errorf("the cache holds ConfigMap %s", name)
		}
	}
	if got := cached(&corev1.SecretList{}); len(got) != 1 || got[0] != "openshift-config/pull-secret" {
		t.Errorf("cached Secrets = %v, want only the pull secret", got)
	}
	if got := cached(&configv1.ClusterOperatorList{}); len(got) > 1 || (len(got) == 1 && got[0] != "/openshift-samples") {
		t.Errorf("cached ClusterOperators = %v, want at most openshift-samples", got)
	}
	t.Logf("cache: %d image streams and templates (%d samples, %d of each kind of the users' left out)", len(inCache), installed, users)

	// A user takes the label off a sample: it leaves the cache, its create is refused as
	// already existing, and the operator reads it from the server and labels it again.
	ruby, ok := getSample(t, samples.ImageStreamGVK, "ruby")
	if !ok {
		t.Fatal("no ruby image stream")
	}
	patch := []byte(`{"metadata":{"labels":{"` + samplesv1.SamplesManagedLabel + `":null}}}`)
	if err := env.Client.Patch(ctx, ruby, client.RawPatch("application/merge-patch+json", patch)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the sample labelled again", func() (bool, string) {
		u, ok := getSample(t, samples.ImageStreamGVK, "ruby")
		return ok && u.GetLabels()[samplesv1.SamplesManagedLabel] == "true", fmt.Sprint(u.GetLabels())
	})
}
