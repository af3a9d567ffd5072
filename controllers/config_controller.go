package controllers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/bootstrap"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/credentials"
	"github.com/openshift/cluster-samples-operator/internal/state"
)

// ConfigReconciler keeps the samples in the openshift namespace as the Config asks:
// installed and maintained (Managed), left alone (Unmanaged) or deleted (Removed). Every
// event, of the Config or of any sample, leads to one full pass over the inventory,
// which reads from the cache and writes only what differs.
type ConfigReconciler struct {
	Client client.Client
	// APIReader reads from the API server, past the cache: a sample whose name is taken
	// by an object the cache does not hold (unlabelled) is read with it. Setup defaults
	// it to the manager's.
	APIReader         client.Reader
	Content           *content.Source
	Version           string
	OperatorNamespace string
	Clock             clock.Clock
	// Recorder, when set, receives an Event for each state and condition transition.
	Recorder recorder.EventRecorder
	// RetryRefused is how soon a pass that hit an error a user must fix (a write the
	// API server refused, unreadable content) is tried again.
	RetryRefused time.Duration
	// RetryUnavailable is how soon a pass that met an API server that is away or busy
	// runs again.
	RetryUnavailable time.Duration

	// mirrorSet and mirrorData memoize the mirror ConfigMap's data (config_mirrormap.go).
	mirrorMu   sync.Mutex
	mirrorSet  *content.Set
	mirrorData map[string]string

	// deleted remembers the samples this operator deleted lately (config_removed.go).
	deletedMu sync.Mutex
	deleted   map[types.UID]time.Time
}

// +kubebuilder:rbac:groups=samples.operator.openshift.io,resources=configs,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=samples.operator.openshift.io,resources=configs/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=samples.operator.openshift.io,resources=configs/finalizers,verbs=update
// +kubebuilder:rbac:groups=image.openshift.io,namespace=openshift,resources=imagestreams,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=template.openshift.io,namespace=openshift,resources=templates,verbs=get;list;watch;create;update;patch;delete
// Events about the cluster-scoped Config must live in namespace default (the API server
// refuses another namespace for them), so the permission is a Role there.
// +kubebuilder:rbac:groups=events.k8s.io,namespace=default,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=config.openshift.io,resources=images,verbs=get;list;watch
// The pull secret, and no other secret of openshift-config (identity providers' live there).
// +kubebuilder:rbac:groups="",namespace=openshift-config,resources=secrets,resourceNames=pull-secret,verbs=get;list;watch
// The mirror ConfigMap (config_mirrormap.go), and the import-error ConfigMaps it reads.
// +kubebuilder:rbac:groups="",namespace=openshift-cluster-samples-operator,resources=configmaps,verbs=get;list;watch;create;update;patch

// Reconcile brings the samples to the state the Config asks for and reports it in the
// Config's status, written once at the end and only when it changed.
func (r *ConfigReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, err error) {
	defer func() { result, err = settle(result, err) }()
	if req.NamespacedName != clusterConfigKey {
		return ctrl.Result{}, nil
	}
	cfg := &samplesv1.Config{}
	if err := r.Client.Get(ctx, clusterConfigKey, cfg); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !cfg.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.reconcileDelete(ctx, cfg)
	}
	if err := r.dropStaleBootstrapReason(ctx, cfg); err != nil {
		return ctrl.Result{}, err
	}
	orig := cfg.DeepCopy()
	cfg.Status.Conditions = conditions.EnsureAll(cfg.Status.Conditions, r.now())
	defer func() {
		if equality.Semantic.DeepEqual(orig.Status, cfg.Status) {
			return
		}
		if perr := r.Client.Status().Patch(ctx, cfg, client.MergeFrom(orig)); perr != nil {
			err = errors.Join(err, fmt.Errorf("writing the status of Config %s: %w", cfg.Name, perr))
		}
	}()

	// Side tasks (the mirror ConfigMap, the import-error report, reading the pull
	// secret) never hold back the samples: their errors are logged and returned at the
	// end of the pass, which is then retried.
	var side []error
	defer func() {
		if len(side) > 0 {
			ctrl.LoggerFrom(ctx).Error(errors.Join(side...), "a side task failed; the samples were handled, the pass is retried")
			err = errors.Join(append([]error{err}, side...)...)
		}
	}()
	plan, set, contentErr := planContent(r.Content, cfg)
	if plan.Invalid == "" && contentErr == nil {
		if err := r.reconcileMirrorMap(ctx, set); err != nil {
			side = append(side, err)
		}
	}
	if err := r.setImportErrors(ctx, cfg); err != nil {
		side = append(side, fmt.Errorf("listing the import-error ConfigMaps: %w", err))
	}
	// Credentials matter only while the samples are managed: a disconnected cluster
	// that bootstrapped Removed must not page anyone about them.
	credsMissing, credsUnread := "", false
	if plan.State == samplesv1.Managed {
		if credsMissing, err = r.credentialsMissing(ctx, cfg.Spec.SamplesRegistry); err != nil {
			side = append(side, fmt.Errorf("reading the pull secret: %w", err))
			credsUnread = true
		}
	}
	switch {
	case credsUnread:
		// Unknown this pass: keep what was last seen, and gate as it said.
		credsMissing = ""
		if c := conditions.Get(cfg.Status.Conditions, samplesv1.ImportCredentialsExist); c != nil && c.Status == corev1.ConditionFalse {
			credsMissing = c.Message
		}
	case credsMissing != "":
		r.setCondition(cfg, samplesv1.ImportCredentialsExist, corev1.ConditionFalse, "MissingCredentials", credsMissing)
	case plan.State != samplesv1.Managed:
		r.setCondition(cfg, samplesv1.ImportCredentialsExist, corev1.ConditionTrue, "", "not checked while managementState is "+string(plan.State))
	default:
		r.setCondition(cfg, samplesv1.ImportCredentialsExist, corev1.ConditionTrue, "", "")
	}
	// Removed and Unmanaged change no sample, so nothing but the spec itself can make
	// the Config invalid; a False left from an earlier Managed edit would keep
	// SamplesInvalidConfig firing on a Config that is now fine.
	if plan.State != samplesv1.Managed {
		if plan.Invalid == "" {
			r.setCondition(cfg, samplesv1.ConfigurationValid, corev1.ConditionTrue, "", "")
		} else {
			r.setCondition(cfg, samplesv1.ConfigurationValid, corev1.ConditionFalse, "InvalidConfiguration", plan.Invalid)
		}
	}
	switch plan.State {
	case samplesv1.Removed:
		removal, err := r.Content.Names() // every architecture's sample names
		return r.reconcileRemoved(ctx, cfg, removal, err)
	case samplesv1.Unmanaged:
		r.setStatusState(cfg, samplesv1.Unmanaged)
		return ctrl.Result{}, nil
	}
	if plan.Invalid != "" {
		r.setCondition(cfg, samplesv1.ConfigurationValid, corev1.ConditionFalse, "InvalidConfiguration", plan.Invalid)
		return ctrl.Result{}, nil
	}
	if forbidden, err := r.registryForbidden(ctx, cfg.Spec.SamplesRegistry); err != nil {
		return ctrl.Result{}, err
	} else if forbidden != "" {
		what := "spec.samplesRegistry " + cfg.Spec.SamplesRegistry
		if cfg.Spec.SamplesRegistry == "" {
			what = "the samples' default registries"
		}
		r.setCondition(cfg, samplesv1.ConfigurationValid, corev1.ConditionFalse, "InvalidConfiguration",
			fmt.Sprintf("%s cannot be used: %s", what, forbidden))
		return ctrl.Result{}, nil
	}
	var missing *content.MissingArchError
	switch {
	case errors.As(contentErr, &missing):
		r.setCondition(cfg, samplesv1.ConfigurationValid, corev1.ConditionFalse, "InvalidConfiguration", contentErr.Error())
		return ctrl.Result{}, nil
	case contentErr != nil:
		ctrl.LoggerFrom(ctx).Error(contentErr, "cannot load the samples content; nothing in the cluster is changed")
		r.setCondition(cfg, samplesv1.SamplesExist, corev1.ConditionUnknown, "FileSystemError", contentErr.Error())
		return ctrl.Result{RequeueAfter: r.RetryRefused}, nil
	}
	r.setCondition(cfg, samplesv1.ConfigurationValid, corev1.ConditionTrue, "", joinNonEmpty(plan.Note, state.UnknownSkips(cfg, set)))
	return r.reconcileManaged(ctx, cfg, plan, set, credsMissing != "")
}

// dropStaleBootstrapReason removes the bootstrap's Removed reason once an administrator
// has set another management state: the decision no longer stands, so a later Removed
// is the administrator's own and the "registry unreachable at boot" alert stays quiet.
func (r *ConfigReconciler) dropStaleBootstrapReason(ctx context.Context, cfg *samplesv1.Config) error {
	if _, ok := cfg.Annotations[samplesv1.BootstrapRemovedReasonAnnotation]; !ok || cfg.Spec.ManagementState == samplesv1.Removed {
		return nil
	}
	orig := cfg.DeepCopy()
	delete(cfg.Annotations, samplesv1.BootstrapRemovedReasonAnnotation)
	delete(cfg.Annotations, samplesv1.BootstrapRemovedMessageAnnotation)
	if err := r.Client.Patch(ctx, cfg, client.MergeFrom(orig)); err != nil {
		return fmt.Errorf("removing the bootstrap reason from Config %s: %w", cfg.Name, err)
	}
	return nil
}

// credentialsMissing says why samples from registry.redhat.io cannot be imported, or "".
func (r *ConfigReconciler) credentialsMissing(ctx context.Context, samplesRegistry string) (string, error) {
	if !credentials.Gated(samplesRegistry) {
		return "", nil
	}
	why, err := pullSecretLacksTBR(ctx, r.Client)
	if why == "" || err != nil {
		return "", err
	}
	return why + "; add credentials for registry.redhat.io to the cluster pull secret, or set samplesRegistry to a mirror. Until then image streams from registry.redhat.io are not created or updated", nil
}

// registryForbidden says why the cluster image configuration forbids importing from
// samplesRegistry, or from the default registries when it is empty, or "": a
// restriction added after install is reported before any import fails.
func (r *ConfigReconciler) registryForbidden(ctx context.Context, registry string) (string, error) {
	img := &configv1.Image{}
	if err := r.Client.Get(ctx, clusterKey, img); apierrors.IsNotFound(err) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("reading images.config.openshift.io/cluster: %w", err)
	}
	return bootstrap.ImportForbidden(img, registry), nil
}

// SetupWithManager watches the Config and every sample in the openshift namespace; each
// event asks for a pass over the Config "cluster".
func (r *ConfigReconciler) SetupWithManager(mgr ctrl.Manager) error { return r.setup(mgr, r) }

// setup registers rec (r, or a test's wrapper around it) with r's watches.
func (r *ConfigReconciler) setup(mgr ctrl.Manager, rec reconcile.Reconciler) error {
	if err := requireCommon("config controller", r.Client != nil, r.OperatorNamespace); err != nil {
		return err
	}
	if r.Content == nil {
		return errMissing("config controller", "Content")
	}
	if r.APIReader == nil {
		r.APIReader = mgr.GetAPIReader()
	}
	defaultClock(&r.Clock)
	defaultDuration(&r.RetryRefused, DefaultRetryRefused)
	defaultDuration(&r.RetryUnavailable, DefaultRetryUnavailable)
	toConfig := enqueue(clusterConfigKey)
	inSamplesNamespace := inNamespace(samplesv1.SamplesNamespace)
	return ctrl.NewControllerManagedBy(mgr).
		Named("config").
		For(&samplesv1.Config{}, builder.WithPredicates(isClusterConfig)).
		Watches(newSample(ImageStreamGVK), toConfig, inSamplesNamespace).
		Watches(newSample(TemplateGVK), toConfig, inSamplesNamespace).
		Watches(&corev1.ConfigMap{}, toConfig, only(func(o client.Object) bool {
			return isImportErrorConfigMap(o, r.OperatorNamespace) || (o.GetNamespace() == r.OperatorNamespace && o.GetName() == samplesv1.MirrorConfigMap)
		})).
		// The cache holds only this secret (cacheOptions); the name is checked anyway.
		Watches(&corev1.Secret{}, toConfig, named(credentials.SecretName)).
		Watches(&configv1.Image{}, toConfig, named(clusterKey.Name)).
		Complete(rec)
}

// isPlanned reports whether the Config plans a Managed install it can act on.
func isPlanned(cfg *samplesv1.Config, plan state.Plan) bool {
	return cfg.DeletionTimestamp.IsZero() && plan.State == samplesv1.Managed && plan.Invalid == ""
}

// joinNonEmpty joins the non-empty messages with "; ".
func joinNonEmpty(msgs ...string) string {
	var out []string
	for _, m := range msgs {
		if m != "" {
			out = append(out, m)
		}
	}
	return strings.Join(out, "; ")
}
