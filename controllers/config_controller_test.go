package controllers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/imagestream"
	"github.com/openshift/cluster-samples-operator/internal/samples"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

func managed(spec ...func(*samplesv1.ConfigSpec)) samplesv1.ConfigSpec {
	s := samplesv1.ConfigSpec{ManagementState: samplesv1.Managed, Architectures: []string{"x86_64"}}
	for _, f := range spec {
		f(&s)
	}
	return s
}

func tagImages(t *testing.T, is *unstructured.Unstructured) map[string]string {
	t.Helper()
	out := map[string]string{}
	for tag := range imagestream.Tags(is) {
		out[tag.Name] = tag.FromName
	}
	return out
}

func checkManaged(t *testing.T, u *unstructured.Unstructured, version string) {
	t.Helper()
	if u.GetLabels()[samplesv1.SamplesManagedLabel] != "true" || u.GetAnnotations()[samplesv1.SamplesVersionAnnotation] != version {
		t.Errorf("%s: labels %v annotations %v; want managed at %s", u.GetName(), u.GetLabels(), u.GetAnnotations(), version)
	}
}

func TestManagedInstallsAndStaysIdle(t *testing.T) {
	op := startOperator(t, operatorOptions{})
	ctx := context.Background()
	// Someone else's image stream in openshift, outside the inventory.
	foreign := samples.New(samples.ImageStreamGVK)
	foreign.SetNamespace("openshift")
	foreign.SetName("team-tools")
	foreign.SetLabels(map[string]string{samplesv1.SamplesManagedLabel: "true"})
	if err := env.Client.Create(ctx, foreign); err != nil {
		t.Fatal(err)
	}
	start := op.writeCount()
	createConfig(t, managed(), true)
	cfg := waitConverged(t, "4.22.0")

	streams, templates := testenv.ListSamples(t, env.Client, samples.ImageStreamGVK), testenv.ListSamples(t, env.Client, samples.TemplateGVK)
	if len(streams) != 3 || len(templates) != 2 {
		t.Fatalf("%d image streams, %d templates; want 2 (+1 foreign) and 2", len(streams), len(templates))
	}
	for _, n := range []string{"ruby", "python"} {
		checkManaged(t, streams[n], "4.22.0")
	}
	for _, n := range []string{"ruby-example", "mysql-ephemeral"} {
		checkManaged(t, templates[n], "4.22.0")
	}
	if got := tagImages(t, streams["ruby"]); got["3.3"] != "registry.redhat.io/ubi9/ruby-33:latest" || got["latest"] != "3.3" {
		t.Errorf("ruby tags = %v", got)
	}
	if _, ok := streams["team-tools"].GetAnnotations()[samplesv1.SamplesVersionAnnotation]; ok {
		t.Error("an image stream outside the inventory was written")
	}
	st := cfg.Status
	if st.ManagementState != samplesv1.Managed || !slices.Equal(st.Architectures, []string{"x86_64"}) || st.Version != "4.22.0" {
		t.Errorf("status = %+v", st)
	}
	want := map[samplesv1.ConfigConditionType]string{
		samplesv1.SamplesExist: "True", samplesv1.ImportCredentialsExist: "True", samplesv1.ConfigurationValid: "True",
		samplesv1.ImageChangesInProgress: "False", samplesv1.RemovePending: "False", samplesv1.MigrationInProgress: "False",
		samplesv1.ImportImageErrorsExist: "False",
	}
	for c, s := range want {
		if got := condition(cfg, c); got != s {
			t.Errorf("%s = %s, want %s", c, got, s)
		}
	}

	// Idle: events that change nothing the operator owns lead to passes without writes.
	before := op.writeCount()
	for i := range 3 {
		op.afterPass(t, func() {
			foreign := samples.New(samples.ImageStreamGVK)
			if err := env.Client.Get(ctx, client.ObjectKey{Namespace: "openshift", Name: "team-tools"}, foreign); err != nil {
				t.Fatal(err)
			}
			foreign.SetAnnotations(map[string]string{"touched": fmt.Sprint(i)})
			if err := env.Client.Update(ctx, foreign); err != nil {
				t.Fatal(err)
			}
		})
	}
	if w := op.writesSince(before); len(w) != 0 {
		t.Errorf("idle passes wrote: %v", w)
	}
	// The install wrote each piece of bookkeeping once: one status write (a pass
	// reading the Config from before it, the cache not yet caught up, writes nothing),
	// and no Event twice.
	statusWrites := 0
	for _, w := range op.writesSince(start) {
		if w == "patch-status *v1.Config/cluster" {
			statusWrites++
		}
	}
	if statusWrites != 1 {
		t.Errorf("the install wrote the Config's status %d times, want once: %v", statusWrites, op.writesSince(start))
	}
	events := &corev1.EventList{}
	if err := env.Client.List(ctx, events); err != nil {
		t.Fatal(err)
	}
	for _, e := range events.Items {
		if e.InvolvedObject.Kind == "Config" && e.InvolvedObject.UID == cfg.UID && (e.Series != nil || e.Count > 1) {
			t.Errorf("Event %s recorded more than once (count %d, series %v)", e.Reason, e.Count, e.Series)
		}
	}
	after := getConfig(t)
	for _, c := range after.Status.Conditions {
		old := conditions.Get(cfg.Status.Conditions, c.Type)
		if old == nil || !c.LastTransitionTime.Equal(&old.LastTransitionTime) {
			t.Errorf("%s lastTransitionTime moved without a status change", c.Type)
		}
	}
}

func TestManagedRepairsSamples(t *testing.T) {
	op := startOperator(t, operatorOptions{})
	ctx := context.Background()
	createConfig(t, managed(), true)
	waitConverged(t, "4.22.0")

	// Deleted: recreated.
	ruby, _ := getSample(t, samples.ImageStreamGVK, "ruby")
	if err := env.Client.Delete(ctx, ruby); err != nil {
		t.Fatal(err)
	}
	eventually(t, "ruby recreated", func() (bool, string) {
		u, ok := getSample(t, samples.ImageStreamGVK, "ruby")
		return ok && u.GetUID() != ruby.GetUID(), ""
	})

	// Version annotation removed: reverted.
	tpl, _ := getSample(t, samples.TemplateGVK, "ruby-example")
	ann := tpl.GetAnnotations()
	delete(ann, samplesv1.SamplesVersionAnnotation)
	tpl.SetAnnotations(ann)
	if err := env.Client.Update(ctx, tpl); err != nil {
		t.Fatal(err)
	}
	eventually(t, "version annotation restored", func() (bool, string) {
		u, _ := getSample(t, samples.TemplateGVK, "ruby-example")
		return u.GetAnnotations()[samplesv1.SamplesVersionAnnotation] == "4.22.0", fmt.Sprint(u.GetAnnotations())
	})

	// An administrator's edit that keeps the version annotation stays, as the OpenShift
	// documentation says: a content tag pointed at a mirror, a content tag deleted
	// (oc tag -d), a tag added; through a resync and an operator restart.
	edit := func(keepAnnotation bool) {
		t.Helper()
		ruby, _ := getSample(t, samples.ImageStreamGVK, "ruby")
		tags, _, _ := unstructured.NestedSlice(ruby.Object, "spec", "tags")
		var kept []any
		for _, tag := range tags {
			switch tag.(map[string]any)["name"] {
			case "3.3":
				tag.(map[string]any)["from"] = map[string]any{"kind": "DockerImage", "name": "mirror.internal/ruby:1"}
			case "3.1":
				continue
			}
			kept = append(kept, tag)
		}
		kept = append(kept, map[string]any{"name": "mine", "from": map[string]any{"kind": "DockerImage", "name": "example.com/me/ruby:2"}})
		_ = unstructured.SetNestedSlice(ruby.Object, kept, "spec", "tags")
		if !keepAnnotation {
			ann := ruby.GetAnnotations()
			delete(ann, samplesv1.SamplesVersionAnnotation)
			ann["team.example.com/owner"] = "web"
			ruby.SetAnnotations(ann)
			// What other tools put on a sample survives the operator's update.
			ruby.SetFinalizers([]string{"example.com/hold"})
			labels := ruby.GetLabels()
			labels["team"] = "web"
			ruby.SetLabels(labels)
		}
		if err := env.Client.Update(ctx, ruby); err != nil {
			t.Fatal(err)
		}
	}
	edited := func() (bool, string) {
		u, _ := getSample(t, samples.ImageStreamGVK, "ruby")
		got := tagImages(t, u)
		_, has31 := got["3.1"]
		return got["3.3"] == "mirror.internal/ruby:1" && !has31 && got["mine"] == "example.com/me/ruby:2", fmt.Sprint(got)
	}
	op.afterPass(t, func() { edit(true) })
	op.afterPass(t, func() {
		editConfig(t, func(s *samplesv1.ConfigSpec) { s.SkippedTemplates = []string{"no-such-template"} })
	})
	if ok, got := edited(); !ok {
		t.Fatalf("the edit was undone by a resync: %s", got)
	}
	op.stop()
	restarted := startOperator(t, operatorOptions{keepCluster: true})
	eventually(t, "a pass of the restarted operator", func() (bool, string) { return restarted.passes.Load() > 0, "" })
	waitConverged(t, "4.22.0")
	if ok, got := edited(); !ok {
		t.Fatalf("the edit was undone by a restart: %s", got)
	}

	// The same edit without the version annotation is reverted: the content tags come
	// back, the user's tag stays.
	edit(false)
	eventually(t, "content tags restored, user tag kept", func() (bool, string) {
		u, _ := getSample(t, samples.ImageStreamGVK, "ruby")
		got := tagImages(t, u)
		return got["3.3"] == "registry.redhat.io/ubi9/ruby-33:latest" && got["3.1"] == "registry.redhat.io/ubi9/ruby-31:latest" &&
			got["mine"] == "example.com/me/ruby:2", fmt.Sprint(got)
	})
	ruby, _ = getSample(t, samples.ImageStreamGVK, "ruby")
	if !slices.Contains(ruby.GetFinalizers(), "example.com/hold") || ruby.GetLabels()["team"] != "web" || ruby.GetAnnotations()["team.example.com/owner"] != "web" {
		t.Errorf("the update dropped what another tool put there: finalizers %v, labels %v, annotations %v", ruby.GetFinalizers(), ruby.GetLabels(), ruby.GetAnnotations())
	}
	ruby.SetFinalizers(nil)
	if err := env.Client.Update(ctx, ruby); err != nil {
		t.Fatal(err)
	}
}

func TestSkippedSamples(t *testing.T) {
	op := startOperator(t, operatorOptions{})
	ctx := context.Background()
	createConfig(t, managed(), true)
	waitConverged(t, "4.22.0")

	editConfig(t, func(s *samplesv1.ConfigSpec) {
		s.SkippedImagestreams = []string{"ruby"}
		s.SkippedTemplates = []string{"mysql-ephemeral"}
	})
	eventually(t, "skipped samples labelled false", func() (bool, string) {
		is, _ := getSample(t, samples.ImageStreamGVK, "ruby")
		tpl, _ := getSample(t, samples.TemplateGVK, "mysql-ephemeral")
		return is.GetLabels()[samplesv1.SamplesManagedLabel] == "false" && tpl.GetLabels()[samplesv1.SamplesManagedLabel] == "false", ""
	})
	eventually(t, "status lists the skips", func() (bool, string) {
		st := getConfig(t).Status
		return slices.Equal(st.SkippedImagestreams, []string{"ruby"}) && slices.Equal(st.SkippedTemplates, []string{"mysql-ephemeral"}), fmt.Sprintf("%+v", st)
	})

	// Skipped and changed by the user: left alone. Skipped and deleted: not recreated.
	is, _ := getSample(t, samples.ImageStreamGVK, "ruby")
	is.SetAnnotations(map[string]string{"mine": "yes"})
	if err := env.Client.Update(ctx, is); err != nil {
		t.Fatal(err)
	}
	tpl, _ := getSample(t, samples.TemplateGVK, "mysql-ephemeral")
	op.afterPass(t, func() {
		if err := env.Client.Delete(ctx, tpl); err != nil {
			t.Fatal(err)
		}
	})
	if _, ok := getSample(t, samples.TemplateGVK, "mysql-ephemeral"); ok {
		t.Error("a skipped template was recreated")
	}
	if is, _ := getSample(t, samples.ImageStreamGVK, "ruby"); is.GetAnnotations()["mine"] != "yes" {
		t.Error("a skipped image stream was updated")
	}

	// Unskipped: back under management.
	editConfig(t, func(s *samplesv1.ConfigSpec) { s.SkippedImagestreams, s.SkippedTemplates = nil, nil })
	eventually(t, "unskipped samples managed again", func() (bool, string) {
		is, _ := getSample(t, samples.ImageStreamGVK, "ruby")
		tpl, ok := getSample(t, samples.TemplateGVK, "mysql-ephemeral")
		return ok && is.GetLabels()[samplesv1.SamplesManagedLabel] == "true" &&
			is.GetAnnotations()[samplesv1.SamplesVersionAnnotation] == "4.22.0" &&
			tpl.GetLabels()[samplesv1.SamplesManagedLabel] == "true", ""
	})
}

func TestSamplesRegistry(t *testing.T) {
	startOperator(t, operatorOptions{})
	createConfig(t, managed(func(s *samplesv1.ConfigSpec) { s.SamplesRegistry = "mirror.example.com:5000/samples" }), true)
	waitConverged(t, "4.22.0")
	images := func() (map[string]string, map[string]string) {
		r, _ := getSample(t, samples.ImageStreamGVK, "ruby")
		p, _ := getSample(t, samples.ImageStreamGVK, "python")
		return tagImages(t, r), tagImages(t, p)
	}
	r, p := images()
	if r["3.3"] != "mirror.example.com:5000/samples/ubi9/ruby-33:latest" || p["3.12"] != "mirror.example.com:5000/samples/sclorg/python-312:latest" || r["latest"] != "3.3" {
		t.Errorf("rewritten tags: %v %v", r, p)
	}
	if st := getConfig(t).Status; st.SamplesRegistry != "mirror.example.com:5000/samples" {
		t.Errorf("status.samplesRegistry = %q", st.SamplesRegistry)
	}
	editConfig(t, func(s *samplesv1.ConfigSpec) { s.SamplesRegistry = "other.example.com" })
	eventually(t, "registry change applied", func() (bool, string) {
		r, p := images()
		return r["3.1"] == "other.example.com/ubi9/ruby-31:latest" && p["3.12"] == "other.example.com/sclorg/python-312:latest", fmt.Sprint(r, p)
	})
	editConfig(t, func(s *samplesv1.ConfigSpec) { s.SamplesRegistry = "" })
	eventually(t, "content references restored", func() (bool, string) {
		r, p := images()
		return r["3.3"] == "registry.redhat.io/ubi9/ruby-33:latest" && p["3.12"] == "quay.io/sclorg/python-312:latest", fmt.Sprint(r, p)
	})
}

func TestArchitectures(t *testing.T) {
	op := startOperator(t, operatorOptions{})
	createConfig(t, managed(func(s *samplesv1.ConfigSpec) { s.Architectures = []string{"mips"} }), true)
	cfg := waitCondition(t, samplesv1.ConfigurationValid, corev1.ConditionFalse)
	if c := conditions.Get(cfg.Status.Conditions, samplesv1.ConfigurationValid); !strings.Contains(c.Message, `"mips" is not supported`) || !strings.Contains(c.Message, "Removed") {
		t.Errorf("message = %q", c.Message)
	}
	if n := len(testenv.ListSamples(t, env.Client, samples.ImageStreamGVK)); n != 0 {
		t.Errorf("%d image streams created for an unsupported architecture", n)
	}

	editConfig(t, func(s *samplesv1.ConfigSpec) { s.Architectures = []string{"x86_64"} })
	waitConverged(t, "4.22.0")
	waitCondition(t, samplesv1.ConfigurationValid, corev1.ConditionTrue)

	// Changing it under installed samples is refused, and nothing is touched.
	before := op.writeCount()
	editConfig(t, func(s *samplesv1.ConfigSpec) { s.Architectures = []string{"s390x"} })
	cfg = waitCondition(t, samplesv1.ConfigurationValid, corev1.ConditionFalse)
	if c := conditions.Get(cfg.Status.Conditions, samplesv1.ConfigurationValid); !strings.Contains(c.Message, "from x86_64 to s390x") {
		t.Errorf("message = %q", c.Message)
	}
	for _, w := range op.writesSince(before) {
		if !strings.HasPrefix(w, "patch-status") {
			t.Errorf("an invalid architecture change wrote %s", w)
		}
	}

	// The documented way: Removed, change, Managed.
	editConfig(t, func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Removed })
	eventually(t, "removed", func() (bool, string) {
		return getConfig(t).Status.ManagementState == samplesv1.Removed, ""
	})
	editConfig(t, func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Managed })
	cfg = waitConverged(t, "4.22.0")
	if !slices.Equal(cfg.Status.Architectures, []string{"s390x"}) {
		t.Errorf("status.architectures = %v", cfg.Status.Architectures)
	}
	if _, ok := getSample(t, samples.TemplateGVK, "ruby-s390x-example"); !ok {
		t.Error("s390x content not installed")
	}
	if _, ok := getSample(t, samples.TemplateGVK, "ruby-example"); ok {
		t.Error("x86_64 content left behind")
	}
}

func TestForceIsTreatedAsManaged(t *testing.T) {
	startOperator(t, operatorOptions{})
	createConfig(t, managed(func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Force }), true)
	cfg := waitConverged(t, "4.22.0")
	if c := conditions.Get(cfg.Status.Conditions, samplesv1.ConfigurationValid); c.Status != corev1.ConditionTrue || !strings.Contains(c.Message, "treated as Managed") {
		t.Errorf("ConfigurationValid = %+v", c)
	}
}

func TestRemovedAndBack(t *testing.T) {
	op := startOperator(t, operatorOptions{})
	ctx := context.Background()
	createConfig(t, managed(func(s *samplesv1.ConfigSpec) { s.SkippedImagestreams = []string{"python"} }), true)
	waitConverged(t, "4.22.0")
	// python exists from before, unmanaged by the skip; a user's stream has no label.
	for _, n := range []string{"python", "users-own"} {
		u := samples.New(samples.ImageStreamGVK)
		u.SetNamespace("openshift")
		u.SetName(n)
		if err := env.Client.Create(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	// A user's renamed copy of a sample that kept the managed label is not a sample.
	ruby, _ := getSample(t, samples.ImageStreamGVK, "ruby")
	cp := samples.New(samples.ImageStreamGVK)
	cp.SetNamespace("openshift")
	cp.SetName("ruby-copy")
	cp.SetLabels(ruby.GetLabels())
	if err := env.Client.Create(ctx, cp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "python marked skipped", func() (bool, string) {
		u, _ := getSample(t, samples.ImageStreamGVK, "python")
		return u.GetLabels()[samplesv1.SamplesManagedLabel] == "false", ""
	})
	toDelete := len(testenv.ListSamples(t, env.Client, samples.ImageStreamGVK, client.MatchingLabels{samplesv1.SamplesManagedLabel: "true"})) - 1 +
		len(testenv.ListSamples(t, env.Client, samples.TemplateGVK, client.MatchingLabels{samplesv1.SamplesManagedLabel: "true"}))

	// A watcher sees RemovePending go True while the samples are deleted.
	watcher, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	w, err := watcher.Watch(ctx, &samplesv1.ConfigList{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	var sawRemovePending atomic.Bool
	go func() {
		for ev := range w.ResultChan() {
			if c, ok := ev.Object.(*samplesv1.Config); ok && condition(c, samplesv1.RemovePending) == "True" {
				sawRemovePending.Store(true)
			}
		}
	}()

	before := op.writeCount()
	editConfig(t, func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Removed })
	var cfg *samplesv1.Config
	eventually(t, "removed", func() (bool, string) {
		cfg = getConfig(t)
		return cfg.Status.ManagementState == samplesv1.Removed && condition(cfg, samplesv1.RemovePending) == "False", fmt.Sprintf("%+v", cfg.Status)
	})
	eventually(t, "a watcher saw RemovePending True", func() (bool, string) { return sawRemovePending.Load(), "" })
	if _, ok := getSample(t, samples.ImageStreamGVK, "ruby-copy"); !ok {
		t.Error("a user's copy of a sample, labelled managed but not in the inventory, was deleted")
	}
	deletes := 0
	for _, w := range op.writesSince(before) {
		if strings.HasPrefix(w, "delete ") {
			deletes++
		}
	}
	if deletes != toDelete {
		t.Errorf("%d deletes for %d samples: a sample was deleted twice, or one was missed", deletes, toDelete)
	}
	if managed := testenv.ListSamples(t, env.Client, samples.ImageStreamGVK, client.MatchingLabels{samplesv1.SamplesManagedLabel: "true"}); len(managed) != 1 || managed["ruby-copy"] == nil {
		t.Errorf("managed image streams left: %v; want only the user's copy", managed)
	}
	if n := len(testenv.ListSamples(t, env.Client, samples.TemplateGVK)); n != 0 {
		t.Errorf("%d templates left", n)
	}
	for _, n := range []string{"python", "users-own"} {
		if _, ok := getSample(t, samples.ImageStreamGVK, n); !ok {
			t.Errorf("%s was deleted", n)
		}
	}
	if condition(cfg, samplesv1.SamplesExist) != "False" || len(cfg.Status.Architectures) != 0 || cfg.Status.Version != "4.22.0" {
		t.Errorf("status = %+v", cfg.Status)
	}
	sawPending := false
	for _, w := range op.writesSince(before) {
		sawPending = sawPending || strings.HasPrefix(w, "patch-status")
	}
	if !sawPending {
		t.Error("no status write announced the removal")
	}

	eventually(t, "an Event for the transition", func() (bool, string) {
		events := &corev1.EventList{}
		if err := env.Client.List(ctx, events); err != nil {
			t.Fatal(err)
		}
		var reasons []string
		for _, e := range events.Items {
			if e.InvolvedObject.Kind == "Config" && e.InvolvedObject.Name == "cluster" && e.InvolvedObject.UID == cfg.UID {
				reasons = append(reasons, e.Reason)
			}
		}
		return slices.Contains(reasons, "ManagementStateRemoved"), fmt.Sprint(reasons)
	})

	// Steady Removed: no writes. The user's own stream is not cached (manager.go), so
	// its edit wakes nothing; an edit of the Config's metadata brings the pass.
	before = op.writeCount()
	op.afterPass(t, func() {
		u, _ := getSample(t, samples.ImageStreamGVK, "users-own")
		u.SetAnnotations(map[string]string{"x": "y"})
		if err := env.Client.Update(ctx, u); err != nil {
			t.Fatal(err)
		}
		c := getConfig(t)
		c.SetAnnotations(map[string]string{"touch": "1"})
		if err := env.Client.Update(ctx, c); err != nil {
			t.Fatal(err)
		}
	})
	if w := op.writesSince(before); len(w) != 0 {
		t.Errorf("a steady Removed pass wrote %v", w)
	}

	editConfig(t, func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Managed })
	waitConverged(t, "4.22.0")
	if len(testenv.ListSamples(t, env.Client, samples.TemplateGVK)) != 2 {
		t.Error("templates not reinstalled")
	}
}

func TestUnmanaged(t *testing.T) {
	op := startOperator(t, operatorOptions{})
	ctx := context.Background()
	createConfig(t, managed(), true)
	waitConverged(t, "4.22.0")
	editConfig(t, func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Unmanaged })
	eventually(t, "unmanaged", func() (bool, string) {
		return getConfig(t).Status.ManagementState == samplesv1.Unmanaged, ""
	})
	ruby, _ := getSample(t, samples.ImageStreamGVK, "ruby")
	op.afterPass(t, func() {
		if err := env.Client.Delete(ctx, ruby); err != nil {
			t.Fatal(err)
		}
	})
	if _, ok := getSample(t, samples.ImageStreamGVK, "ruby"); ok {
		t.Error("a sample deleted while Unmanaged came back")
	}
	editConfig(t, func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Managed })
	waitConverged(t, "4.22.0")
	if _, ok := getSample(t, samples.ImageStreamGVK, "ruby"); !ok {
		t.Error("ruby not recreated after Managed")
	}
}

func TestConfigDeletion(t *testing.T) {
	startOperator(t, operatorOptions{bootstrap: true})
	ctx := context.Background()
	var cfg *samplesv1.Config
	eventually(t, "default Config installed", func() (bool, string) {
		cfg = &samplesv1.Config{}
		err := env.Client.Get(ctx, clusterConfigKey, cfg)
		return err == nil && condition(cfg, samplesv1.SamplesExist) == "True", fmt.Sprint(err)
	})
	uid := cfg.UID
	if err := env.Client.Delete(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a new default Config, samples reinstalled", func() (bool, string) {
		cfg = &samplesv1.Config{}
		err := env.Client.Get(ctx, clusterConfigKey, cfg)
		return err == nil && cfg.UID != uid && condition(cfg, samplesv1.SamplesExist) == "True", fmt.Sprint(err)
	})
	if len(testenv.ListSamples(t, env.Client, samples.ImageStreamGVK)) != 2 {
		t.Error("samples not reinstalled")
	}
}

func TestConfigDeletionRemovesSamplesFirst(t *testing.T) {
	startOperator(t, operatorOptions{})
	ctx := context.Background()
	createConfig(t, managed(), true)
	cfg := waitConverged(t, "4.22.0")
	if err := env.Client.Delete(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Config gone", func() (bool, string) {
		err := env.Client.Get(ctx, clusterConfigKey, &samplesv1.Config{})
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
	if n := len(testenv.ListSamples(t, env.Client, samples.ImageStreamGVK)) + len(testenv.ListSamples(t, env.Client, samples.TemplateGVK)); n != 0 {
		t.Errorf("%d samples left after the Config was deleted", n)
	}
}

func TestConfigWithoutFinalizerHonoured(t *testing.T) {
	startOperator(t, operatorOptions{bootstrap: true})
	createConfig(t, samplesv1.ConfigSpec{ManagementState: samplesv1.Removed}, false)
	eventually(t, "Removed recorded", func() (bool, string) {
		return getConfig(t).Status.ManagementState == samplesv1.Removed, ""
	})
	cfg := getConfig(t)
	if cfg.Spec.ManagementState != samplesv1.Removed || len(cfg.Finalizers) != 0 {
		t.Errorf("install-time Config rewritten: %+v %v", cfg.Spec, cfg.Finalizers)
	}
	if n := len(testenv.ListSamples(t, env.Client, samples.ImageStreamGVK)); n != 0 {
		t.Errorf("%d image streams created while Removed", n)
	}
}

func TestEventsBeforeConfig(t *testing.T) {
	op := startOperator(t, operatorOptions{})
	op.afterPass(t, func() {
		u := samples.New(samples.ImageStreamGVK)
		u.SetNamespace("openshift")
		u.SetName("ruby")
		if err := env.Client.Create(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	})
	createConfig(t, managed(), true)
	waitConverged(t, "4.22.0")
	ruby, _ := getSample(t, samples.ImageStreamGVK, "ruby")
	checkManaged(t, ruby, "4.22.0")
}

func TestUpgrade(t *testing.T) {
	t.Run("managed", func(t *testing.T) {
		op := startOperator(t, operatorOptions{version: "4.21.0"})
		createConfig(t, managed(), true)
		waitConverged(t, "4.21.0")
		op.stop()
		// What others put on the samples, which the cache does not keep (samples.Trim):
		// the upgrade's writes start from the server's copy and keep it.
		ctx := context.Background()
		for _, gvk := range samples.Kinds() {
			for _, u := range testenv.ListSamples(t, env.Client, gvk) {
				ann := u.GetAnnotations()
				ann["team.example.com/note"] = "ours"
				u.SetAnnotations(ann)
				if gvk == samples.ImageStreamGVK {
					tags, _, _ := unstructured.NestedSlice(u.Object, "spec", "tags")
					tags = append(tags, map[string]any{"name": "team", "annotations": map[string]any{"description": "the team's"},
						"from": map[string]any{"kind": "DockerImage", "name": "quay.io/team/tool:1"}})
					_ = unstructured.SetNestedSlice(u.Object, tags, "spec", "tags")
				}
				if err := env.Client.Update(ctx, u); err != nil {
					t.Fatal(err)
				}
			}
		}
		restartWith(t, "4.22.0")
		waitConverged(t, "4.22.0")
		for _, gvk := range samples.Kinds() {
			for _, u := range testenv.ListSamples(t, env.Client, gvk) {
				checkManaged(t, u, "4.22.0")
				if u.GetAnnotations()["team.example.com/note"] != "ours" {
					t.Errorf("%s %s lost an annotation of others: %v", gvk.Kind, u.GetName(), u.GetAnnotations())
				}
				if gvk != samples.ImageStreamGVK {
					continue
				}
				if desc := tagAnnotations(u, "team")["description"]; desc != "the team's" {
					t.Errorf("image stream %s: the team's tag kept with annotations %q", u.GetName(), desc)
				}
			}
		}
	})
	t.Run("removed", func(t *testing.T) {
		op := startOperator(t, operatorOptions{version: "4.21.0"})
		createConfig(t, samplesv1.ConfigSpec{ManagementState: samplesv1.Removed}, true)
		eventually(t, "removed at 4.21.0", func() (bool, string) {
			st := getConfig(t).Status
			return st.ManagementState == samplesv1.Removed && st.Version == "4.21.0", ""
		})
		op.stop()
		restartWith(t, "4.22.0")
		eventually(t, "version 4.22.0", func() (bool, string) {
			return getConfig(t).Status.Version == "4.22.0", ""
		})
		if n := len(testenv.ListSamples(t, env.Client, samples.ImageStreamGVK)); n != 0 {
			t.Errorf("%d image streams after upgrading Removed", n)
		}
	})
}

// restartWith stands for an upgrade: an operator at the new version starts.
func restartWith(t *testing.T, version string) {
	t.Helper()
	startOperator(t, operatorOptions{keepCluster: true, version: version})
}

func TestBadContentDeletesNothing(t *testing.T) {
	fsys := testContent()
	op := startOperator(t, operatorOptions{content: fsys})
	createConfig(t, managed(), true)
	waitConverged(t, "4.22.0")
	op.stop()

	broken := fstest.MapFS{}
	for k, v := range fsys {
		broken[k] = v
	}
	broken["x86_64/ruby/imagestreams/ruby.json"] = &fstest.MapFile{Data: []byte(`{"kind": "ImageStream", "metadata": `)}
	restartWithContent(t, broken, "4.23.0")
	cfg := waitCondition(t, samplesv1.SamplesExist, corev1.ConditionUnknown)
	c := conditions.Get(cfg.Status.Conditions, samplesv1.SamplesExist)
	if c.Reason != "FileSystemError" || !strings.Contains(c.Message, "x86_64/ruby/imagestreams/ruby.json") {
		t.Errorf("SamplesExist = %+v", c)
	}
	if n := len(testenv.ListSamples(t, env.Client, samples.ImageStreamGVK)); n != 2 {
		t.Errorf("%d image streams left; bad content must not delete any", n)
	}
}

func restartWithContent(t *testing.T, fsys fstest.MapFS, version string) {
	t.Helper()
	startOperator(t, operatorOptions{keepCluster: true, content: fsys, version: version})
}

func TestRealCorpus(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "corpus", "ocp")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no samples corpus at %s (it is not part of a user's clone)", dir)
	}
	startOperator(t, operatorOptions{content: os.DirFS(dir)})
	createConfig(t, managed(), true)
	waitConverged(t, "4.22.0")
	if s, tp := len(testenv.ListSamples(t, env.Client, samples.ImageStreamGVK)), len(testenv.ListSamples(t, env.Client, samples.TemplateGVK)); s != 50 || tp != 50 {
		t.Errorf("%d image streams and %d templates, want 50 and 50", s, tp)
	}
}

func TestEmbeddedContent(t *testing.T) {
	startOperator(t, operatorOptions{content: content.Embedded()})
	createConfig(t, managed(), true)
	waitConverged(t, "4.22.0")
	inv, _ := content.Load(content.Embedded())
	set, _ := inv.For("x86_64")
	if s := len(testenv.ListSamples(t, env.Client, samples.ImageStreamGVK)); s != len(set.ImageStreams) {
		t.Errorf("%d image streams, want %d", s, len(set.ImageStreams))
	}
}

func TestTransientErrorsAreRetried(t *testing.T) {
	op := startOperator(t, operatorOptions{})
	failures := 3
	op.setFail(func(verb string, obj client.Object) error {
		if verb == "create" && obj.GetName() == "ruby" && failures > 0 {
			failures--
			return apierrors.NewServiceUnavailable("etcd is restarting")
		}
		return nil
	})
	createConfig(t, managed(), true)
	cfg := waitConverged(t, "4.22.0")
	if c := conditions.Get(cfg.Status.Conditions, samplesv1.SamplesExist); c.LastTransitionTime != c.LastUpdateTime {
		t.Errorf("SamplesExist went through another status on the way: %+v", c)
	}
	if failures != 0 {
		t.Errorf("%d injected failures not reached", failures)
	}
}

func TestPersistentErrorsAreReported(t *testing.T) {
	op := startOperator(t, operatorOptions{})
	op.setFail(func(verb string, obj client.Object) error {
		if verb == "create" && obj.GetName() == "mysql-ephemeral" {
			return apierrors.NewForbidden(schema.GroupResource{Group: "template.openshift.io", Resource: "templates"}, "mysql-ephemeral", errors.New("denied by policy"))
		}
		return nil
	})
	createConfig(t, managed(), true)
	cfg := waitCondition(t, samplesv1.SamplesExist, corev1.ConditionUnknown)
	if c := conditions.Get(cfg.Status.Conditions, samplesv1.SamplesExist); !strings.Contains(c.Message, "Template openshift/mysql-ephemeral") {
		t.Errorf("message = %q", c.Message)
	}
	eventually(t, "a Warning Event naming the template", func() (bool, string) {
		events := &corev1.EventList{}
		if err := env.Client.List(context.Background(), events); err != nil {
			t.Fatal(err)
		}
		for _, e := range events.Items {
			if e.InvolvedObject.UID == cfg.UID && e.Type == corev1.EventTypeWarning && strings.Contains(e.Message, "mysql-ephemeral") {
				return true, ""
			}
		}
		return false, fmt.Sprint(len(events.Items), " events")
	})
}

// An --assets-dir that is not a samples directory at all: the built-in samples are
// served, and the SamplesExist message and a Warning Event say why.
func TestBuiltInFallbackIsReported(t *testing.T) {
	ctx := context.Background()
	src := content.Open(filepath.Join(t.TempDir(), "no-such-dir"), content.FlavorOCP)
	startOperator(t, operatorOptions{source: src})
	createConfig(t, managed(func(*samplesv1.ConfigSpec) {}), true)
	cfg := waitConverged(t, "4.22.0")
	msg := conditions.Get(cfg.Status.Conditions, samplesv1.SamplesExist).Message
	if !strings.Contains(msg, "no-such-dir") || !strings.Contains(msg, "built-in samples are served") {
		t.Errorf("SamplesExist message %q does not say the built-in samples are served instead of the directory", msg)
	}
	if _, ok := getSample(t, samples.ImageStreamGVK, "ubi8-openjdk-17"); !ok {
		t.Error("the built-in samples were not installed")
	}
	eventually(t, "a Warning Event naming the directory", func() (bool, string) {
		events := &corev1.EventList{}
		if err := env.Client.List(ctx, events); err != nil {
			t.Fatal(err)
		}
		for _, e := range events.Items {
			if e.InvolvedObject.UID == cfg.UID && e.Type == corev1.EventTypeWarning && e.Reason == "BuiltInSamples" && strings.Contains(e.Message, "no-such-dir") {
				return true, ""
			}
		}
		return false, fmt.Sprint(len(events.Items), " events")
	})
}

// Two samples the API server refuses (a policy, a validation): every other sample is
// written, both are named in SamplesExist with the shipped operator's reason
// (APIServer<Reason>Error), and the ClusterOperator shows them as being retried, not
// Degraded, until clusteroperator.DegradedAfter.
func TestRefusedWritesAreReportedTogetherAndRetried(t *testing.T) {
	op := startOperator(t, operatorOptions{clusterOperator: true})
	t.Cleanup(func() {
		if co := clusterOperator(t); co != nil {
			_ = env.Client.Delete(context.Background(), co)
		}
	})
	op.setFail(func(verb string, obj client.Object) error {
		switch {
		case verb == "create" && obj.GetName() == "ruby":
			return apierrors.NewInvalid(schema.GroupKind{Group: "image.openshift.io", Kind: "ImageStream"}, "ruby",
				field.ErrorList{field.Invalid(field.NewPath("spec", "tags"), "x", "rejected by the test")})
		case verb == "create" && obj.GetName() == "mysql-ephemeral":
			return apierrors.NewForbidden(schema.GroupResource{Group: "template.openshift.io", Resource: "templates"}, "mysql-ephemeral", errors.New("denied by policy"))
		}
		return nil
	})
	createConfig(t, managed(), true)
	cfg := waitCondition(t, samplesv1.SamplesExist, corev1.ConditionUnknown)
	c := conditions.Get(cfg.Status.Conditions, samplesv1.SamplesExist)
	if c.Reason != "APIServerInvalidError" || !strings.Contains(c.Message, "2 samples could not be written") ||
		!strings.Contains(c.Message, "ImageStream openshift/ruby") || !strings.Contains(c.Message, "Template openshift/mysql-ephemeral") {
		t.Errorf("SamplesExist = %s: %s", c.Reason, c.Message)
	}
	for gvk, name := range map[schema.GroupVersionKind]string{samples.ImageStreamGVK: "python", samples.TemplateGVK: "ruby-example"} {
		if _, ok := getSample(t, gvk, name); !ok {
			t.Errorf("%s %s was held back by another sample's refusal", gvk.Kind, name)
		}
	}
	waitCO(t, "Available=False/SampleUpsertsPending Progressing=True/APIServerInvalidError Degraded=False/")

	// The refusals end: the next retry installs both.
	op.setFail(nil)
	waitConverged(t, "4.22.0")
}

// A side task that fails (here the mirror ConfigMap) never holds back the samples.
func TestSideTasksNeverBlockTheSamples(t *testing.T) {
	op := startOperator(t, operatorOptions{})
	op.setFail(func(verb string, obj client.Object) error {
		if obj.GetName() == samplesv1.MirrorConfigMap {
			return apierrors.NewForbidden(schema.GroupResource{Resource: "configmaps"}, obj.GetName(), errors.New("quota exceeded"))
		}
		return nil
	})
	createConfig(t, managed(), true)
	waitConverged(t, "4.22.0")
	for _, n := range []string{"ruby", "python"} {
		if _, ok := getSample(t, samples.ImageStreamGVK, n); !ok {
			t.Errorf("%s not installed while the mirror ConfigMap fails", n)
		}
	}
	// Once the side task can succeed, its retry publishes the ConfigMap.
	op.setFail(nil)
	eventually(t, "the mirror ConfigMap", func() (bool, string) {
		cm := &corev1.ConfigMap{}
		err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: samplesv1.OperatorNamespace, Name: samplesv1.MirrorConfigMap}, cm)
		return err == nil, fmt.Sprint(err)
	})
}

// tagAnnotations are the annotations of a spec tag of image stream u.
func tagAnnotations(u *unstructured.Unstructured, tag string) map[string]any {
	tags, _, _ := unstructured.NestedSlice(u.Object, "spec", "tags")
	for _, t := range tags {
		if m, _ := t.(map[string]any); m["name"] == tag {
			ann, _ := m["annotations"].(map[string]any)
			return ann
		}
	}
	return nil
}
