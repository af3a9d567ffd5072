// Command genbundle writes the OLM bundle (bundle/manifests) from the same sources as
// the install manifests: the Deployment as rendered into manifests/ (image included),
// the generated RBAC and CRD, and the monitoring objects of config/.
//
//	go run ./hack/genbundle -version VERSION [-config config] [-manifests manifests] OUTDIR
package main

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/blang/semver/v4"
	opversion "github.com/operator-framework/api/pkg/lib/version"
	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

const (
	pkg       = "cluster-samples-operator"
	namespace = "openshift-cluster-samples-operator"
	// A small icon of our own: a stack of three sample boxes.
	icon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect x="8" y="40" width="48" height="14" rx="3" fill="#c00"/><rect x="14" y="24" width="36" height="14" rx="3" fill="#e33"/><rect x="20" y="8" width="24" height="14" rx="3" fill="#f66"/></svg>`
)

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "genbundle:", err)
		os.Exit(1)
	}
}

// docs splits a YAML file into its documents.
func docs(path string) [][]byte {
	data, err := os.ReadFile(path)
	must(err)
	var out [][]byte
	for _, d := range strings.Split(string(data), "\n---") {
		if strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(d), "---")) != "" {
			out = append(out, []byte(d))
		}
	}
	return out
}

func main() {
	ver := flag.String("version", "", "Bundle (semver) version: VERSION in the Makefile.")
	configDir := flag.String("config", "config", "The kustomize tree with the generated CRD, RBAC and monitoring objects.")
	manifestsDir := flag.String("manifests", "manifests", "The rendered install manifests (the Deployment with its image).")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: genbundle [-version V] OUTDIR")
		os.Exit(2)
	}
	_, err := semver.Parse(*ver)
	must(err)
	out := filepath.Join(flag.Arg(0), "manifests")
	must(os.RemoveAll(out))
	must(os.MkdirAll(out, 0o755))

	dep := &appsv1.Deployment{}
	must(yaml.Unmarshal(docs(filepath.Join(*manifestsDir, "0000_50_cluster-samples-operator_06-deployment.yaml"))[0], dep))
	image := dep.Spec.Template.Spec.Containers[0].Image
	var clusterRules, nsRules []rbacv1.PolicyRule
	for _, d := range docs(filepath.Join(*configDir, "rbac", "role.yaml")) {
		var meta metav1.TypeMeta
		must(yaml.Unmarshal(d, &meta))
		switch meta.Kind {
		case "ClusterRole":
			r := &rbacv1.ClusterRole{}
			must(yaml.Unmarshal(d, r))
			clusterRules = append(clusterRules, r.Rules...)
		case "Role":
			// OLM creates Roles only in the install namespace: rules for the operator
			// namespace stay namespaced (permissions); rules for openshift,
			// openshift-config and default can only be granted cluster-wide.
			r := &rbacv1.Role{}
			must(yaml.Unmarshal(d, r))
			if r.Namespace == namespace {
				nsRules = append(nsRules, r.Rules...)
			} else {
				clusterRules = append(clusterRules, r.Rules...)
			}
		}
	}

	example, err := json.Marshal([]map[string]any{{
		"apiVersion": "samples.operator.openshift.io/v1", "kind": "Config",
		"metadata": map[string]any{"name": "cluster"},
		"spec":     map[string]any{"managementState": "Managed", "architectures": []string{"x86_64"}},
	}})
	must(err)
	csv := &operatorsv1alpha1.ClusterServiceVersion{
		TypeMeta: metav1.TypeMeta{APIVersion: "operators.coreos.com/v1alpha1", Kind: "ClusterServiceVersion"},
		ObjectMeta: metav1.ObjectMeta{
			Name: pkg + ".v" + *ver,
			Annotations: map[string]string{
				"alm-examples":   string(example),
				"capabilities":   "Full Lifecycle",
				"categories":     "Developer Tools",
				"containerImage": image,
				"description":    "Installs and maintains the sample image streams and templates of the openshift namespace.",
				"repository":     "https://github.com/openshift/cluster-samples-operator",
				"support":        "Red Hat",
				"operatorframework.io/suggested-namespace":         namespace,
				"operators.openshift.io/infrastructure-features":   `["disconnected", "proxy-aware"]`,
				"features.operators.openshift.io/disconnected":     "true",
				"features.operators.openshift.io/proxy-aware":      "true",
				"features.operators.openshift.io/fips-compliant":   "false",
				"features.operators.openshift.io/tls-profiles":     "false",
				"features.operators.openshift.io/token-auth-aws":   "false",
				"features.operators.openshift.io/token-auth-azure": "false",
				"features.operators.openshift.io/token-auth-gcp":   "false",
				"features.operators.openshift.io/cnf":              "false",
				"features.operators.openshift.io/cni":              "false",
				"features.operators.openshift.io/csi":              "false",
			},
		},
		Spec: operatorsv1alpha1.ClusterServiceVersionSpec{
			DisplayName: "Cluster Samples Operator",
			Description: "The Cluster Samples Operator installs and maintains the sample image streams and templates " +
				"(Ruby, Python, Node.js, Perl, PHP, HTTPD, Nginx, Java, .NET, Go builders, databases and Jenkins, and example " +
				"applications) in the openshift namespace, driven by configs.samples.operator.openshift.io/cluster.\n\n" +
				"* `managementState`: Managed installs and repairs the samples, Removed deletes them, Unmanaged leaves them alone.\n" +
				"* `samplesRegistry`: point every image stream at a mirror; the ConfigMap imagestreamtag-to-image lists what to mirror.\n" +
				"* `skippedImagestreams` / `skippedTemplates`: samples to leave alone.\n\n" +
				"On a fresh cluster it starts Removed when the cluster is IPv6-only, the image configuration forbids the samples " +
				"registry, or registry.redhat.io cannot be reached. Failing image imports are retried every 15 minutes and reported " +
				"in conditions, ConfigMaps, metrics and alerts.",
			Version:        opversion.OperatorVersion{Version: semver.MustParse(*ver)},
			MinKubeVersion: "1.30.0",
			Keywords:       []string{"samples", "imagestreams", "templates", "openshift", "disconnected"},
			Maintainers:    []operatorsv1alpha1.Maintainer{{Name: "Cluster Samples Operator team", Email: "samples-operator@example.com"}},
			Provider:       operatorsv1alpha1.AppLink{Name: "Red Hat"},
			Links:          []operatorsv1alpha1.AppLink{{Name: "Source", URL: "https://github.com/openshift/cluster-samples-operator"}},
			Icon:           []operatorsv1alpha1.Icon{{MediaType: "image/svg+xml", Data: b64(icon)}},
			Maturity:       "stable",
			InstallModes: []operatorsv1alpha1.InstallMode{
				{Type: operatorsv1alpha1.InstallModeTypeOwnNamespace, Supported: false},
				{Type: operatorsv1alpha1.InstallModeTypeSingleNamespace, Supported: false},
				{Type: operatorsv1alpha1.InstallModeTypeMultiNamespace, Supported: false},
				{Type: operatorsv1alpha1.InstallModeTypeAllNamespaces, Supported: true},
			},
			RelatedImages: []operatorsv1alpha1.RelatedImage{{Name: "operator", Image: image}},
			CustomResourceDefinitions: operatorsv1alpha1.CustomResourceDefinitions{Owned: []operatorsv1alpha1.CRDDescription{{
				Name: "configs.samples.operator.openshift.io", Version: "v1", Kind: "Config",
				DisplayName: "Samples Config",
				Description: "The samples operator's configuration; only the one named cluster is used.",
				SpecDescriptors: []operatorsv1alpha1.SpecDescriptor{
					{Path: "managementState", DisplayName: "Management State", Description: "Managed, Unmanaged or Removed", XDescriptors: []string{"urn:alm:descriptor:com.tectonic.ui:select:Managed", "urn:alm:descriptor:com.tectonic.ui:select:Unmanaged", "urn:alm:descriptor:com.tectonic.ui:select:Removed"}},
					{Path: "samplesRegistry", DisplayName: "Samples Registry", Description: "Registry (mirror) the image streams import from", XDescriptors: []string{"urn:alm:descriptor:com.tectonic.ui:text"}},
					{Path: "architectures", DisplayName: "Architectures", Description: "Content set to install"},
					{Path: "skippedImagestreams", DisplayName: "Skipped Image Streams", Description: "Image streams to leave alone"},
					{Path: "skippedTemplates", DisplayName: "Skipped Templates", Description: "Templates to leave alone"},
				},
				StatusDescriptors: []operatorsv1alpha1.StatusDescriptor{
					{Path: "conditions", DisplayName: "Conditions", Description: "State of the samples", XDescriptors: []string{"urn:alm:descriptor:io.kubernetes.conditions"}},
					{Path: "managementState", DisplayName: "Management State", Description: "The state last acted on"},
					{Path: "version", DisplayName: "Version", Description: "Release version of the installed samples"},
				},
			}}},
			InstallStrategy: operatorsv1alpha1.NamedInstallStrategy{
				StrategyName: "deployment",
				StrategySpec: operatorsv1alpha1.StrategyDetailsDeployment{
					DeploymentSpecs: []operatorsv1alpha1.StrategyDeploymentSpec{{Name: dep.Name, Label: dep.Labels, Spec: dep.Spec}},
					ClusterPermissions: []operatorsv1alpha1.StrategyDeploymentPermissions{{
						ServiceAccountName: dep.Spec.Template.Spec.ServiceAccountName, Rules: clusterRules,
					}},
					Permissions: []operatorsv1alpha1.StrategyDeploymentPermissions{{
						ServiceAccountName: dep.Spec.Template.Spec.ServiceAccountName, Rules: nsRules,
					}},
				},
			},
		},
	}
	write(filepath.Join(out, pkg+".clusterserviceversion.yaml"), csv)
	copyFile(filepath.Join(*configDir, "crd/bases/samples.operator.openshift.io_configs.yaml"), filepath.Join(out, "samples.operator.openshift.io_configs.yaml"))
	copyFile(filepath.Join(*configDir, "prometheus/service.yaml"), filepath.Join(out, "metrics_v1_service.yaml"))
	copyFile(filepath.Join(*configDir, "prometheus/servicemonitor.yaml"), filepath.Join(out, "cluster-samples-operator_monitoring.coreos.com_v1_servicemonitor.yaml"))
	copyFile(filepath.Join(*configDir, "prometheus/prometheus_rule.yaml"), filepath.Join(out, "samples-operator-alerts_monitoring.coreos.com_v1_prometheusrule.yaml"))
	// The console dashboard, as rendered for manifests/ (OLM creates a bundle's ConfigMap in
	// the install namespace; docs/console.md says how to show it from there).
	copyFile(filepath.Join(*manifestsDir, "0000_90_cluster-samples-operator_03-dashboard.yaml"), filepath.Join(out, "samples-operator-dashboard_v1_configmap.yaml"))
	// Cluster monitoring's access, one object a file as bundles hold them; OLM puts the
	// namespaced ones in the install namespace.
	for _, d := range docs(filepath.Join(*configDir, "prometheus", "rbac.yaml")) {
		u := map[string]any{}
		must(yaml.Unmarshal(d, &u))
		meta := u["metadata"].(map[string]any)
		delete(meta, "namespace")
		gv := strings.Split(u["apiVersion"].(string), "/")
		name := fmt.Sprintf("%s_%s_%s_%s.yaml", meta["name"], gv[0], gv[1], strings.ToLower(u["kind"].(string)))
		write(filepath.Join(out, name), u)
	}
}

func write(path string, obj any) {
	data, err := yaml.Marshal(obj)
	must(err)
	// Server-populated fields that the types always marshal mean nothing in a bundle.
	s := strings.ReplaceAll(string(data), "  creationTimestamp: null\n", "")
	s = strings.ReplaceAll(s, "status: {}\n", "")
	s = strings.ReplaceAll(s, "status:\n  cleanup: {}\n", "")
	s = strings.ReplaceAll(s, "      creationTimestamp: null\n", "")
	must(os.WriteFile(path, []byte(s), 0o644))
}

func copyFile(from, to string) {
	data, err := os.ReadFile(from)
	must(err)
	must(os.WriteFile(to, data, 0o644))
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
