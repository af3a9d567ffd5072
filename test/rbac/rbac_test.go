// Package rbac runs the operator as its service account with only the generated RBAC
// (config/rbac) and shows that it works and that it can do nothing else.
package rbac

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/samples"
	"github.com/openshift/cluster-samples-operator/test/operatortest"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { testenv.Main(m, &env) }

const serviceAccount = "system:serviceaccount:openshift-cluster-samples-operator:cluster-samples-operator"

// applyRBAC creates every object of config/rbac as the admin.
func applyRBAC(t *testing.T) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(), "config", "rbac", "*.yaml"))
	if len(files) < 3 {
		t.Fatalf("config/rbac has %d files", len(files))
	}
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		for _, u := range testenv.ReadObjects(t, f) {
			if err := env.Client.Create(context.Background(), u); err != nil && !apierrors.IsAlreadyExists(err) {
				t.Fatalf("%s: %s %s: %v", f, u.GetKind(), u.GetName(), err)
			}
		}
	}
}

func asServiceAccount(t *testing.T) *rest.Config {
	t.Helper()
	applyRBAC(t)
	cfg := rest.CopyConfig(env.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: serviceAccount, Groups: []string{
		"system:serviceaccounts", "system:serviceaccounts:openshift-cluster-samples-operator", "system:authenticated",
	}}
	return cfg
}

func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	testenv.Eventually(t, what, cond)
}

func getConfig(t *testing.T) *samplesv1.Config {
	t.Helper()
	cfg := &samplesv1.Config{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Name: "cluster"}, cfg); err != nil {
		return nil
	}
	return cfg
}

func managedStreams(t *testing.T, value string) int {
	t.Helper()
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(samples.ImageStreamGVK.GroupVersion().WithKind("ImageStreamList"))
	if err := env.Client.List(context.Background(), list, client.InNamespace("openshift"), client.MatchingLabels{samplesv1.SamplesManagedLabel: value}); err != nil {
		t.Fatal(err)
	}
	return len(list.Items)
}

func TestOperatorRunsWithGeneratedRBAC(t *testing.T) {
	ctx := context.Background()
	testenv.SetPullSecret(t, env.Client, true)
	operatortest.Start(t, asServiceAccount(t), env.Scheme, operatortest.Options{})

	installed := func(what string) *samplesv1.Config {
		t.Helper()
		var cfg *samplesv1.Config
		eventually(t, what, func() (bool, string) {
			cfg = getConfig(t)
			return cfg != nil && conditions.IsTrue(cfg.Status.Conditions, samplesv1.SamplesExist) && cfg.Status.ManagementState == samplesv1.Managed, fmt.Sprintf("%+v", cfg)
		})
		return cfg
	}
	// Fresh install: the operator creates the Config and installs the samples.
	first := installed("fresh install")
	if n := managedStreams(t, "true"); n < 14 {
		t.Errorf("%d managed image streams", n)
	}
	eventually(t, "ClusterOperator published", func() (bool, string) {
		co := &unstructured.Unstructured{}
		co.SetAPIVersion("config.openshift.io/v1")
		co.SetKind("ClusterOperator")
		err := env.Client.Get(ctx, client.ObjectKey{Name: "openshift-samples"}, co)
		conds, _, _ := unstructured.NestedSlice(co.Object, "status", "conditions")
		return err == nil && len(conds) == 3, fmt.Sprint(err)
	})

	editConfig(t, func(s *samplesv1.ConfigSpec) { s.SkippedImagestreams = []string{"ruby"} })
	eventually(t, "ruby skipped", func() (bool, string) { return managedStreams(t, "false") == 1, "" })

	editConfig(t, func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Removed })
	eventually(t, "removed", func() (bool, string) {
		cfg := getConfig(t)
		return cfg.Status.ManagementState == samplesv1.Removed && managedStreams(t, "true") == 0, ""
	})

	editConfig(t, func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Managed })
	installed("managed again")

	if err := env.Client.Delete(ctx, first); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a new default Config after deletion", func() (bool, string) {
		cfg := getConfig(t)
		return cfg != nil && cfg.UID != first.UID && conditions.IsTrue(cfg.Status.Conditions, samplesv1.SamplesExist), ""
	})
}

func TestRBACIsNotBroad(t *testing.T) {
	sa, err := client.New(asServiceAccount(t), client.Options{Scheme: env.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cm := &corev1.ConfigMap{}
	cm.Namespace, cm.Name = "default", "x"
	for what, err := range map[string]error{
		"list secrets cluster-wide":           sa.List(ctx, &corev1.SecretList{}),
		"list secrets in kube-system":         sa.List(ctx, &corev1.SecretList{}, client.InNamespace("kube-system")),
		"create a ConfigMap in default":       sa.Create(ctx, cm),
		"list ConfigMaps in openshift-config": sa.List(ctx, &corev1.ConfigMapList{}, client.InNamespace("openshift-config")),
		"delete a namespace":                  sa.Delete(ctx, &corev1.Namespace{ObjectMeta: metaName("openshift")}),
		"list pods":                           sa.List(ctx, &corev1.PodList{}),
	} {
		if !apierrors.IsForbidden(err) {
			t.Errorf("%s: %v, want Forbidden", what, err)
		}
	}
	// And what it needs is allowed.
	if err := sa.List(ctx, &corev1.ConfigMapList{}, client.InNamespace(samplesv1.OperatorNamespace)); err != nil {
		t.Errorf("list its own ConfigMaps: %v", err)
	}
}

func metaName(n string) metav1.ObjectMeta { return metav1.ObjectMeta{Name: n} }

func editConfig(t *testing.T, edit func(*samplesv1.ConfigSpec)) {
	t.Helper()
	testenv.EditConfig(t, env.Client, edit)
}
