package shipped

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// bundleWidening lists what an AllNamespaces install of the bundle grants the operator
// beyond manifests/, each with the reason OLM leaves no narrower way. The README's
// install section tells admins the same.
var bundleWidening = map[string]string{
	"image.openshift.io/imagestreams":       "OLM creates Roles only in the install namespace; the samples live in openshift, so the rule is cluster-wide",
	"image.openshift.io/imagestreamimports": "as imagestreams: import retries are made in openshift",
	"template.openshift.io/templates":       "as imagestreams: templates live in openshift",
	"core/secrets[pull-secret]":             "the pull secret lives in openshift-config; limited by name, but in every namespace",
	"events.k8s.io/events":                  "Events about the cluster-scoped Config live in default, outside the install namespace",
	"core/configmaps":                       "AllNamespaces turns the CSV's permissions (the install namespace's Role) into a ClusterRole",
	"coordination.k8s.io/leases":            "as configmaps: the leader election Lease of the install namespace",
	"core/events":                           "as configmaps: client-go records each new leader as an Event in the Lease's namespace",
}

// atom is one verb on one resource (optionally by name), the unit rules are compared in.
type atom struct{ group, resource, name, verb string }

func (a atom) key() string {
	g := a.group
	if g == "" {
		g = "core"
	}
	k := g + "/" + a.resource
	if a.name != "" {
		k += "[" + a.name + "]"
	}
	return k
}

func atoms(rules []rbacv1.PolicyRule) []atom {
	var out []atom
	for _, r := range rules {
		names := r.ResourceNames
		if len(names) == 0 {
			names = []string{""}
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, n := range names {
					for _, v := range r.Verbs {
						out = append(out, atom{g, res, n, v})
					}
				}
			}
		}
		for _, u := range r.NonResourceURLs {
			for _, v := range r.Verbs {
				out = append(out, atom{"nonResourceURL", u, "", v})
			}
		}
	}
	return out
}

// covers tells whether rules grant a.
func covers(rules []atom, a atom) bool {
	for _, r := range rules {
		if (r.group == a.group || r.group == "*") && (r.resource == a.resource || r.resource == "*") &&
			(r.verb == a.verb || r.verb == "*") && (r.name == "" || r.name == a.name) {
			return true
		}
	}
	return false
}

// manifestsRBAC is what manifests/ grants the operator's service account: cluster-wide
// rules and, per namespace, namespaced ones.
func manifestsRBAC(t *testing.T, sa string) (cluster []atom, namespaced map[string][]atom) {
	t.Helper()
	in := fromManifests(t)
	clusterRoles, roles := map[string][]rbacv1.PolicyRule{}, map[string][]rbacv1.PolicyRule{}
	namespaced = map[string][]atom{}
	for _, u := range in.objects {
		switch u.GetKind() {
		case "ClusterRole", "Role":
			r := &rbacv1.ClusterRole{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, r); err != nil {
				t.Fatal(err)
			}
			if u.GetKind() == "Role" {
				roles[u.GetNamespace()+"/"+u.GetName()] = r.Rules
			} else {
				clusterRoles[u.GetName()] = r.Rules
			}
		}
	}
	for _, u := range in.objects {
		b := &rbacv1.RoleBinding{}
		if u.GetKind() != "ClusterRoleBinding" && u.GetKind() != "RoleBinding" {
			continue
		}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, b); err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(b.Subjects, func(s rbacv1.Subject) bool {
			return s.Kind == "ServiceAccount" && s.Name == sa && s.Namespace == in.namespace
		}) {
			continue
		}
		switch {
		case u.GetKind() == "ClusterRoleBinding":
			cluster = append(cluster, atoms(clusterRoles[b.RoleRef.Name])...)
		case b.RoleRef.Kind == "ClusterRole":
			namespaced[u.GetNamespace()] = append(namespaced[u.GetNamespace()], atoms(clusterRoles[b.RoleRef.Name])...)
		default:
			namespaced[u.GetNamespace()] = append(namespaced[u.GetNamespace()], atoms(roles[u.GetNamespace()+"/"+b.RoleRef.Name])...)
		}
	}
	return cluster, namespaced
}

// TestBundleGrantsNoMoreThanManifests derives the RBAC of an AllNamespaces install of
// the bundle and fails on any grant beyond manifests/ that bundleWidening does not
// explain.
func TestBundleGrantsNoMoreThanManifests(t *testing.T) {
	in := fromManifests(t)
	sa := in.deployment.Spec.Template.Spec.ServiceAccountName
	cluster, namespaced := manifestsRBAC(t, sa)
	if len(cluster) == 0 {
		t.Fatalf("manifests/ grants the service account %s nothing cluster-wide", sa)
	}
	var bundle []atom
	for _, o := range bundleRBAC(bundleCSV(t), "openshift-operators") {
		if r, ok := o.(*rbacv1.ClusterRole); ok {
			bundle = append(bundle, atoms(r.Rules)...)
		}
	}
	wider := map[string][]string{} // key -> verbs
	scopes := map[string]string{}  // key -> where manifests/ grant it
	for _, a := range bundle {
		if covers(cluster, a) {
			continue
		}
		var where []string
		for ns, rules := range namespaced {
			if covers(rules, a) {
				where = append(where, ns)
			}
		}
		sort.Strings(where)
		scope := "not granted"
		if len(where) > 0 {
			scope = "only in " + strings.Join(where, ", ")
		}
		wider[a.key()] = append(wider[a.key()], a.verb)
		scopes[a.key()] = scope
	}
	var report strings.Builder
	for _, k := range slices.Sorted(maps.Keys(wider)) {
		fmt.Fprintf(&report, "  %s %s in every namespace (manifests/: %s)\n", k, strings.Join(wider[k], ","), scopes[k])
		if _, ok := bundleWidening[k]; !ok {
			t.Errorf("the bundle grants %s %s in every namespace (manifests/: %s): narrow the CSV or explain it in bundleWidening", k, strings.Join(wider[k], ","), scopes[k])
		}
	}
	for k := range bundleWidening {
		if _, ok := wider[k]; !ok {
			t.Errorf("bundleWidening lists %s, which the bundle no longer grants beyond manifests/: drop it", k)
		}
	}
	t.Logf("RBAC an AllNamespaces bundle install grants beyond manifests/:\n%s", report.String())
}
