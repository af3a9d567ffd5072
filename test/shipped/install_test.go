package shipped

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/openshift/cluster-samples-operator/test/testenv"
)

// installation is what one way of installing puts into the cluster, in apply order,
// and the Deployment that runs the operator.
type installation struct {
	name       string
	namespace  string
	objects    []*unstructured.Unstructured
	deployment *appsv1.Deployment
}

// fromManifests reads manifests/ in file order, as the cluster version operator
// applies it.
func fromManifests(t *testing.T) installation {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(), "manifests", "*.yaml"))
	sort.Strings(files)
	in := installation{name: "manifests"}
	for _, f := range files {
		in.objects = append(in.objects, testenv.ReadObjects(t, f)...)
	}
	for _, u := range in.objects {
		if u.GetKind() == "Deployment" {
			in.deployment = toDeployment(t, u)
			in.namespace = u.GetNamespace()
		}
	}
	if in.deployment == nil {
		t.Fatal("manifests/ has no Deployment")
	}
	return in
}

func toDeployment(t *testing.T, u *unstructured.Unstructured) *appsv1.Deployment {
	t.Helper()
	d := &appsv1.Deployment{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, d); err != nil {
		t.Fatal(err)
	}
	return d
}

// bundleCSV reads the ClusterServiceVersion of bundle/manifests.
func bundleCSV(t *testing.T) *operatorsv1alpha1.ClusterServiceVersion {
	t.Helper()
	u := testenv.ReadObjects(t, filepath.Join(testenv.RepoRoot(), "bundle", "manifests", "cluster-samples-operator.clusterserviceversion.yaml"))[0]
	csv := &operatorsv1alpha1.ClusterServiceVersion{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, csv); err != nil {
		t.Fatal(err)
	}
	return csv
}

// bundleRBAC is what OLM creates from the CSV for an AllNamespaces install into
// namespace: a ClusterRole and ClusterRoleBinding for clusterPermissions and, because
// the operator watches all namespaces, another pair for permissions.
func bundleRBAC(csv *operatorsv1alpha1.ClusterServiceVersion, namespace string) []client.Object {
	var out []client.Object
	add := func(suffix string, perms []operatorsv1alpha1.StrategyDeploymentPermissions) {
		for i, p := range perms {
			name := fmt.Sprintf("%s-%s-%d", csv.Name, suffix, i)
			out = append(out,
				&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: p.Rules},
				&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
					RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
					Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: p.ServiceAccountName, Namespace: namespace}}})
		}
	}
	spec := csv.Spec.InstallStrategy.StrategySpec
	add("cluster", spec.ClusterPermissions)
	add("allns", spec.Permissions)
	return out
}

// fromBundle is what OLM creates for an AllNamespaces install of bundle/ into
// namespace: the namespace's service account, the CSV's permissions as cluster roles,
// the bundle's other objects (namespaced ones in the install namespace) and the
// CSV's Deployment.
func fromBundle(t *testing.T, namespace string) installation {
	t.Helper()
	csv := bundleCSV(t)
	spec := csv.Spec.InstallStrategy.StrategySpec
	in := installation{name: "bundle in " + namespace, namespace: namespace}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: spec.ClusterPermissions[0].ServiceAccountName, Namespace: namespace}}
	for _, o := range append([]client.Object{ns, sa}, bundleRBAC(csv, namespace)...) {
		in.objects = append(in.objects, toUnstructured(t, o))
	}
	files, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(), "bundle", "manifests", "*.yaml"))
	sort.Strings(files)
	for _, f := range files {
		for _, u := range testenv.ReadObjects(t, f) {
			if u.GetKind() == "ClusterServiceVersion" {
				continue
			}
			if namespaced, err := env.Client.IsObjectNamespaced(u); err != nil {
				t.Fatalf("%s: %v", f, err)
			} else if namespaced {
				u.SetNamespace(namespace)
			}
			in.objects = append(in.objects, u)
		}
	}
	ds := spec.DeploymentSpecs[0]
	in.deployment = &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: ds.Name, Namespace: namespace, Labels: ds.Label}, Spec: ds.Spec}
	in.objects = append(in.objects, toUnstructured(t, in.deployment))
	return in
}

func toUnstructured(t *testing.T, o client.Object) *unstructured.Unstructured {
	t.Helper()
	gvks, _, err := env.Scheme.ObjectKinds(o)
	if err != nil {
		t.Fatal(err)
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetGroupVersionKind(gvks[0])
	return u
}

// apply creates or updates every object with server-side apply, in order.
func (in installation) apply(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for _, u := range in.objects {
		u := u.DeepCopy()
		unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
		unstructured.RemoveNestedField(u.Object, "status")
		err := env.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner("shipped-test"), client.ForceOwnership)
		if err != nil {
			t.Fatalf("%s: applying %s %s/%s: %v", in.name, u.GetKind(), u.GetNamespace(), u.GetName(), err)
		}
	}
}

// remove deletes what apply created, but namespaces (envtest runs no namespace
// controller to finish deleting them) and CRDs (shared by every test).
func (in installation) remove(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for _, u := range in.objects {
		switch u.GetKind() {
		case "Namespace", "CustomResourceDefinition":
			continue
		}
		if err := env.Client.Delete(ctx, u.DeepCopy()); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("%s: deleting %s %s: %v", in.name, u.GetKind(), u.GetName(), err)
		}
	}
}

// writeFile writes data to a new file in dir.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
