// Package scheme builds the runtime.Scheme shared by the operator and its tests: the
// Kubernetes built-ins, the samples Config, and the OpenShift kinds the operator reads
// or writes (ClusterOperator and cluster config, image streams, templates).
package scheme

import (
	configv1 "github.com/openshift/api/config/v1"
	imagev1 "github.com/openshift/api/image/v1"
	templatev1 "github.com/openshift/api/template/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
)

// New returns a scheme with every kind the operator uses.
func New() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(samplesv1.AddToScheme(s))
	utilruntime.Must(configv1.Install(s))
	utilruntime.Must(imagev1.Install(s))
	utilruntime.Must(templatev1.Install(s))
	return s
}
