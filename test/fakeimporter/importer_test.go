package fakeimporter

import (
	"context"
	"strings"
	"testing"

	imagev1 "github.com/openshift/api/image/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/openshift/cluster-samples-operator/test/testenv"
)

var (
	env *testenv.Env
	imp *Importer
)

func TestMain(m *testing.M) {
	reg := NewRegistry()
	defer reg.Close()
	testenv.MainWith(m, &env, func(ctx context.Context, e *testenv.Env) error {
		var err error
		imp, err = Start(ctx, e.Config, reg)
		return err
	})
}

var eventually = testenv.Eventually

func TestRegistryResolve(t *testing.T) {
	ctx := context.Background()
	reg := NewRegistry()
	defer reg.Close()
	d, err := reg.Push(ctx, "registry.redhat.io/ubi9/ruby-33:latest")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d, "sha256:") {
		t.Errorf("digest %q", d)
	}
	// Any host maps onto the local registry by repository path.
	for _, ref := range []string{"quay.io/ubi9/ruby-33:latest", "registry.redhat.io/ubi9/ruby-33@" + d} {
		if got, err := reg.Resolve(ctx, ref); err != nil || got != d {
			t.Errorf("Resolve(%s) = %q, %v; want %q", ref, got, err, d)
		}
	}
	if _, err := reg.Resolve(ctx, "registry.redhat.io/ubi9/ruby-33:other"); err == nil {
		t.Error("a tag never pushed resolved")
	}
	reg.SetAutoCreate(func(ref string) bool { return !strings.Contains(ref, "missing") })
	if _, err := reg.Resolve(ctx, "registry.redhat.io/ubi9/python-312:latest"); err != nil {
		t.Errorf("auto-created image: %v", err)
	}
	if _, err := reg.Resolve(ctx, "registry.redhat.io/ubi9/missing:latest"); err == nil {
		t.Error("auto-create ignored its filter")
	}
}

func dockerTag(name, ref string) imagev1.TagReference {
	return imagev1.TagReference{Name: name, From: &corev1.ObjectReference{Kind: "DockerImage", Name: ref},
		ReferencePolicy: imagev1.TagReferencePolicy{Type: imagev1.LocalTagReferencePolicy}}
}

func getStream(t *testing.T, name string) *imagev1.ImageStream {
	t.Helper()
	is := &imagev1.ImageStream{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: "openshift", Name: name}, is); err != nil {
		t.Fatal(err)
	}
	return is
}

func tagStatus(is *imagev1.ImageStream, tag string) *imagev1.NamedTagEventList {
	for i := range is.Status.Tags {
		if is.Status.Tags[i].Tag == tag {
			return &is.Status.Tags[i]
		}
	}
	return nil
}

func TestImportsStreamTags(t *testing.T) {
	ctx := context.Background()
	digest, err := imp.Registry.Push(ctx, "registry.redhat.io/ubi9/nodejs-22:latest")
	if err != nil {
		t.Fatal(err)
	}
	is := &imagev1.ImageStream{
		ObjectMeta: metav1.ObjectMeta{Namespace: "openshift", Name: "nodejs"},
		Spec: imagev1.ImageStreamSpec{Tags: []imagev1.TagReference{
			dockerTag("22-ubi9", "registry.redhat.io/ubi9/nodejs-22:latest"),
			dockerTag("20-ubi9", "registry.redhat.io/ubi9/nodejs-20:latest"),
			{Name: "latest", From: &corev1.ObjectReference{Kind: "ImageStreamTag", Name: "22-ubi9"}},
		}},
	}
	if err := env.Client.Create(ctx, is); err != nil {
		t.Fatal(err)
	}
	eventually(t, "status for all three tags", func() (bool, string) {
		is := getStream(t, "nodejs")
		return len(is.Status.Tags) == 3, spew(is.Status)
	})
	is = getStream(t, "nodejs")
	ok := tagStatus(is, "22-ubi9")
	if len(ok.Items) != 1 || ok.Items[0].Image != digest || ok.Items[0].Generation != is.Generation ||
		ok.Items[0].DockerImageReference != "registry.redhat.io/ubi9/nodejs-22@"+digest || len(ok.Conditions) != 0 {
		t.Errorf("22-ubi9 status = %+v", ok)
	}
	bad := tagStatus(is, "20-ubi9")
	if len(bad.Items) != 0 || len(bad.Conditions) != 1 {
		t.Fatalf("20-ubi9 status = %+v", bad)
	}
	c := bad.Conditions[0]
	if c.Type != imagev1.ImportSuccess || c.Status != corev1.ConditionFalse || c.Reason != "NotFound" ||
		c.Generation != is.Generation || !strings.Contains(c.Message, "nodejs-20") {
		t.Errorf("20-ubi9 condition = %+v", c)
	}
	if alias := tagStatus(is, "latest"); len(alias.Items) != 1 || alias.Items[0].Image != digest {
		t.Errorf("latest alias status = %+v", alias)
	}

	// A spec change bumps the generation and triggers a new import: the image now exists.
	if _, err := imp.Registry.Push(ctx, "registry.redhat.io/ubi9/nodejs-20:latest"); err != nil {
		t.Fatal(err)
	}
	is.Spec.Tags[1].Annotations = map[string]string{"version": "20"}
	if err := env.Client.Update(ctx, is); err != nil {
		t.Fatal(err)
	}
	eventually(t, "20-ubi9 imported after the spec change", func() (bool, string) {
		is := getStream(t, "nodejs")
		st := tagStatus(is, "20-ubi9")
		return len(st.Items) == 1 && len(st.Conditions) == 0 && st.Items[0].Generation == is.Generation, spew(st)
	})
}

func TestServesImageStreamImport(t *testing.T) {
	ctx := context.Background()
	is := &imagev1.ImageStream{
		ObjectMeta: metav1.ObjectMeta{Namespace: "openshift", Name: "perl"},
		Spec:       imagev1.ImageStreamSpec{Tags: []imagev1.TagReference{dockerTag("5.32-ubi9", "registry.redhat.io/ubi9/perl-532:latest")}},
	}
	if err := env.Client.Create(ctx, is); err != nil {
		t.Fatal(err)
	}
	eventually(t, "first import fails", func() (bool, string) {
		st := tagStatus(getStream(t, "perl"), "5.32-ubi9")
		return st != nil && len(st.Conditions) == 1, spew(st)
	})
	gen := getStream(t, "perl").Generation
	if _, err := imp.Registry.Push(ctx, "registry.redhat.io/ubi9/perl-532:latest"); err != nil {
		t.Fatal(err)
	}
	before := len(imp.Imports())
	isi := &imagev1.ImageStreamImport{
		ObjectMeta: metav1.ObjectMeta{Namespace: "openshift", Name: "perl"},
		Spec: imagev1.ImageStreamImportSpec{Import: true, Images: []imagev1.ImageImportSpec{{
			From:            corev1.ObjectReference{Kind: "DockerImage", Name: "registry.redhat.io/ubi9/perl-532:latest"},
			To:              &corev1.LocalObjectReference{Name: "5.32-ubi9"},
			ReferencePolicy: imagev1.TagReferencePolicy{Type: imagev1.LocalTagReferencePolicy},
		}}},
	}
	if err := env.Client.Create(ctx, isi); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the retry imports the tag", func() (bool, string) {
		st := tagStatus(getStream(t, "perl"), "5.32-ubi9")
		return len(st.Items) == 1 && len(st.Conditions) == 0, spew(st)
	})
	eventually(t, "the request is recorded and deleted", func() (bool, string) {
		recs := imp.Imports()
		err := env.Client.Get(ctx, client.ObjectKeyFromObject(isi), &imagev1.ImageStreamImport{})
		return len(recs) == before+1 && err != nil, spew(recs)
	})
	rec := imp.Imports()[before]
	if rec.Name != "perl" || len(rec.Tags) != 1 || rec.Tags["5.32-ubi9"] != "" {
		t.Errorf("record = %+v", rec)
	}
	if g := getStream(t, "perl").Generation; g != gen {
		t.Errorf("an import of an unchanged tag changed the spec: generation %d -> %d", gen, g)
	}
}

func spew(v any) string { return strings.ReplaceAll(fmtV(v), "\n", " ") }
