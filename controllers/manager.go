package controllers

import (
	"fmt"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/clusteroperator"
	"github.com/openshift/cluster-samples-operator/internal/credentials"
	"github.com/openshift/cluster-samples-operator/internal/samples"
	"github.com/openshift/cluster-samples-operator/internal/scheme"
)

// LeaderElectionID names the Lease the replicas compete for.
const LeaderElectionID = "cluster-samples-operator-lock"

// ManagerOptions are how the manager runs: where it serves metrics and probes and
// whether it elects a leader. main.go fills them from flags; tests use the same
// function with their own addresses, so both run the real cache, client and metrics
// settings.
type ManagerOptions struct {
	OperatorNamespace string

	// MetricsBindAddress "0" disables the endpoint. MetricsSecure serves HTTPS with
	// Kubernetes authentication and authorization (TokenReview, SubjectAccessReview);
	// MetricsCertDir holds tls.crt and tls.key (empty: a generated certificate).
	MetricsBindAddress string
	MetricsSecure      bool
	MetricsCertDir     string
	// HealthProbeBindAddress serves /healthz and /readyz; "0" or empty disables it.
	// Pprof adds /debug/pprof/ there (off by default: profiles expose internals).
	HealthProbeBindAddress string
	Pprof                  bool

	LeaderElect bool
	// LeaderElectionNamespace holds the Lease (default: OperatorNamespace).
	LeaderElectionNamespace string
	// LeaseDuration, RenewDeadline and RetryPeriod override controller-runtime's
	// leader election timings when set.
	LeaseDuration, RenewDeadline, RetryPeriod *time.Duration

	// NewClient, when set, builds the manager's client (tests count or fail writes).
	NewClient client.NewClientFunc
	// SeveralPerProcess allows more than one manager in a process (tests); controller
	// names must otherwise be unique.
	SeveralPerProcess bool
}

// Leader election (--leader-elect) keeps a Lease in the operator namespace.
// +kubebuilder:rbac:groups=coordination.k8s.io,namespace=openshift-cluster-samples-operator,resources=leases,verbs=get;list;watch;create;update;patch;delete
// client-go records each new leader as a core Event in the Lease's namespace.
// +kubebuilder:rbac:groups="",namespace=openshift-cluster-samples-operator,resources=events,verbs=create;patch
// The metrics endpoint (--metrics-secure) authenticates and authorizes each scrape.
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

// NewManager builds the operator's controller-runtime manager. It is the only place a
// manager is configured: main.go and every test harness call it.
func NewManager(cfg *rest.Config, o ManagerOptions) (ctrl.Manager, error) {
	if o.OperatorNamespace == "" {
		return nil, fmt.Errorf("no operator namespace given")
	}
	metrics := metricsserver.Options{
		BindAddress:   o.MetricsBindAddress,
		SecureServing: o.MetricsSecure,
		CertDir:       o.MetricsCertDir,
	}
	if o.MetricsSecure {
		metrics.FilterProvider = metricsAuth
	}
	leNamespace := o.LeaderElectionNamespace
	if leNamespace == "" {
		leNamespace = o.OperatorNamespace
	}
	opts := ctrl.Options{
		Scheme:                  scheme.New(),
		MapperProvider:          newRESTMapper,
		Cache:                   cacheOptions(o.OperatorNamespace),
		Client:                  client.Options{Cache: &client.CacheOptions{Unstructured: true}},
		NewClient:               o.NewClient,
		Metrics:                 metrics,
		HealthProbeBindAddress:  "0", // addProbeServer serves the probes
		LeaderElection:          o.LeaderElect,
		LeaderElectionID:        LeaderElectionID,
		LeaderElectionNamespace: leNamespace,
		// No release on cancel: client-go would try to release the Lease, for up to
		// RenewDeadline, after it gave up renewing and before the manager stops the
		// controllers, so a leader cut off from the API server could outlive its Lease
		// and write beside the new leader (test/shipped TestFailover). A rolling update
		// pays for it with up to LeaseDuration before the new pod leads.
		LeaderElectionReleaseOnCancel: false,
		LeaseDuration:                 o.LeaseDuration,
		RenewDeadline:                 o.RenewDeadline,
		RetryPeriod:                   o.RetryPeriod,
	}
	if o.SeveralPerProcess {
		opts.Controller = config.Controller{SkipNameValidation: ptr.To(true)}
	}
	mgr, err := ctrl.NewManager(cfg, opts)
	if err != nil {
		return nil, fmt.Errorf("creating the manager: %w", err)
	}
	if o.HealthProbeBindAddress != "" && o.HealthProbeBindAddress != "0" {
		if err := addProbeServer(mgr, o.HealthProbeBindAddress, o.Pprof); err != nil {
			return nil, err
		}
	}
	return mgr, nil
}

// cacheOptions keeps the operator's caches to what it manages, so that its memory does
// not grow with what users keep in the cluster: the image streams and templates of the
// openshift namespace that carry the samples label (managed or skipped; users' own are
// never cached, config_managed.go reads one directly when its name is taken), the
// ConfigMaps of its own namespace, the pull secret and its own ClusterOperator.
func cacheOptions(operatorNamespace string) cache.Options {
	samplesOnly := map[string]cache.Config{samplesv1.SamplesNamespace: {LabelSelector: labeledSamples}}
	return cache.Options{
		// No decision reads managed fields; samples.Trim drops more of the samples.
		DefaultTransform: cache.TransformStripManagedFields(),
		// A full resync every 10 minutes re-runs every reconcile against the cache: the
		// safety net the stock operator has; a pass over unchanged samples writes nothing.
		SyncPeriod: ptr.To(DefaultResyncPeriod),
		ByObject: map[client.Object]cache.ByObject{
			cachedSample(samples.ImageStreamGVK): {Namespaces: samplesOnly, Transform: trimSample},
			cachedSample(samples.TemplateGVK):    {Namespaces: samplesOnly, Transform: trimSample},
			&configv1.ClusterOperator{}:          {Field: fields.OneTermEqualSelector("metadata.name", clusteroperator.Name)},
			&corev1.ConfigMap{}:                  {Namespaces: map[string]cache.Config{operatorNamespace: {}}},
			// The pull secret, and no other secret.
			&corev1.Secret{}: {Namespaces: map[string]cache.Config{credentials.SecretNamespace: {
				FieldSelector: fields.OneTermEqualSelector("metadata.name", credentials.SecretName),
			}}},
		}}
}

// labeledSamples selects what this operator labelled as a sample, managed or skipped.
var labeledSamples = func() labels.Selector {
	req, err := labels.NewRequirement(samplesv1.SamplesManagedLabel, selection.Exists, nil)
	if err != nil {
		panic(err) // a constant label key
	}
	return labels.NewSelector().Add(*req)
}()

// trimSample is the cache transform of image streams and templates (samples.Cached,
// samples.Trim).
func trimSample(obj any) (any, error) {
	if o, ok := obj.(metav1.Object); ok {
		samples.Trim(o)
	}
	return obj, nil
}
