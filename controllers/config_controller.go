package controllers

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
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
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/credentials"
	"github.com/openshift/cluster-samples-operator/internal/imports"
	"github.com/openshift/cluster-samples-operator/internal/samples"
	"github.com/openshift/cluster-samples-operator/internal/state"
	"github.com/openshift/cluster-samples-operator/internal/verdict"
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

	// facts memoizes what the passes derive from the content set in effect
	// (config_mirrormap.go).
	factsMu sync.Mutex
	facts   *setFacts

	// deleted remembers the samples this operator deleted lately (config_removed.go).
	deletedMu sync.Mutex
	deleted   map[types.UID]time.Time

	// statusWrite is the last status write: the Config's resourceVersion before it and
	// after it (config_status.go).
	statusMu    sync.Mutex
	statusWrite [2]string
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
	if r.beforeOwnStatus(cfg) {
		// The event of that write brings the next pass.
		return ctrl.Result{RequeueAfter: cacheBehindRequeue}, nil
	}
	if !cfg.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.reconcileDelete(ctx, cfg)
	}
	if err := r.dropStaleBootstrapReason(ctx, cfg); err != nil {
		return ctrl.Result{}, err
	}
	orig := cfg.DeepCopy()
	cfg.Status.Conditions = conditions.EnsureAll(cfg.Status.Conditions, r.now())
	defer func() { err = r.writeStatus(ctx, orig, cfg, err) }()

	// Side tasks (the mirror ConfigMap, the import-error report, reading the pull
	// secret) never hold back the samples: their errors are logged and returned at the
	// end of the pass, which is then retried.
	var side []error
	defer func() { err = withSideErrors(ctx, err, side) }()
	// Gather every read, evaluate once, then act.
	in, side, err := r.gather(ctx, cfg)
	if err != nil {
		return ctrl.Result{}, err
	}
	ev := verdict.Evaluate(in)
	for _, c := range ev.Conditions {
		r.setCondition(cfg, c.Type, c.Status, c.Reason, c.Message)
	}
	if ev.PublishMirror {
		if err := r.reconcileMirrorMap(ctx, in.Set); err != nil {
			side = append(side, err)
		}
	}
	return r.act(ctx, cfg, in, ev)
}

// writeStatus writes the status of cfg when it differs from that of orig, the Config as
// read; a failure is joined to err, the error of the pass.
func (r *ConfigReconciler) writeStatus(ctx context.Context, orig, cfg *samplesv1.Config, err error) error {
	if equality.Semantic.DeepEqual(orig.Status, cfg.Status) {
		return err
	}
	if perr := r.Client.Status().Patch(ctx, cfg, client.MergeFrom(orig)); perr != nil {
		err = errors.Join(err, fmt.Errorf("writing the status of Config %s: %w", cfg.Name, perr))
	} else {
		r.wroteStatus(orig.ResourceVersion, cfg.ResourceVersion)
	}
	return err
}

// withSideErrors logs the errors of the side tasks, if any, and joins them to err, the
// error of the pass.
func withSideErrors(ctx context.Context, err error, side []error) error {
	if len(side) > 0 {
		ctrl.LoggerFrom(ctx).Error(errors.Join(side...), "a side task failed; the samples were handled, the pass is retried")
		err = errors.Join(append([]error{err}, side...)...)
	}
	return err
}

// act does what the evaluation ev of in decided for the samples.
func (r *ConfigReconciler) act(ctx context.Context, cfg *samplesv1.Config, in *verdict.Inputs, ev verdict.Evaluation) (ctrl.Result, error) {
	switch ev.Action {
	case verdict.Remove:
		removal, err := r.Content.Names() // every architecture's sample names
		return r.reconcileRemoved(ctx, cfg, removal, err)
	case verdict.LeaveAlone:
		r.setStatusState(cfg, samplesv1.Unmanaged)
		return ctrl.Result{}, nil
	case verdict.WaitForContent:
		ctrl.LoggerFrom(ctx).Error(in.ContentErr, "cannot load the samples content; nothing in the cluster is changed")
		return ctrl.Result{RequeueAfter: r.RetryRefused}, nil
	case verdict.Install:
		return r.reconcileManaged(ctx, cfg, ev.Plan, in.Set, ev.GateTBR)
	}
	return ctrl.Result{}, nil // Hold: the Config is invalid, ConfigurationValid says why
}

// gather reads everything the evaluation decides from. A read that only a side task
// needs (the import-error ConfigMaps, the pull secret) is marked unread and reported
// in side; a read the decision cannot do without ends the pass with err.
func (r *ConfigReconciler) gather(ctx context.Context, cfg *samplesv1.Config) (in *verdict.Inputs, side []error, err error) {
	in = &verdict.Inputs{Config: cfg, OperatorNamespace: r.OperatorNamespace}
	plan := state.PlanFor(cfg)
	in.Set, in.ContentErr = r.Content.SetFor(plan.Arch)
	if cms, err := importErrorConfigMaps(ctx, r.Client, r.OperatorNamespace); err != nil {
		side = append(side, fmt.Errorf("listing the import-error ConfigMaps: %w", err))
		in.ImportErrorsUnread = true
	} else {
		for _, cm := range imports.Failing(cms) {
			in.ImportErrors = append(in.ImportErrors, verdict.ImportError{Stream: cm.Name, Tags: slices.Collect(maps.Keys(cm.Data))})
		}
	}
	if plan.State != samplesv1.Managed {
		return in, side, nil
	}
	if credentials.Gated(cfg.Spec.SamplesRegistry) {
		if in.Credentials, err = pullSecretVerdict(ctx, r.Client); err != nil {
			side = append(side, fmt.Errorf("reading the pull secret: %w", err))
			in.Credentials = credentials.Verdict{Unread: true}
		}
	}
	img := &configv1.Image{}
	if err := r.Client.Get(ctx, clusterKey, img); err == nil {
		in.Image = img
	} else if !apierrors.IsNotFound(err) {
		return nil, side, fmt.Errorf("reading images.config.openshift.io/cluster: %w", err)
	}
	return in, side, nil
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

// SetupWithManager watches the Config and every sample in the openshift namespace; each
// event asks for a pass over the Config "cluster".
func (r *ConfigReconciler) SetupWithManager(mgr ctrl.Manager) error { return r.setup(mgr, r) }

// setup registers rec (r, or a wrapper around it: Options.WrapReconciler) with r's watches.
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
		Named(string(ConfigController)).
		For(&samplesv1.Config{}, builder.WithPredicates(isClusterConfig)).
		Watches(cachedSample(samples.ImageStreamGVK), toConfig, inSamplesNamespace).
		Watches(cachedSample(samples.TemplateGVK), toConfig, inSamplesNamespace).
		Watches(&corev1.ConfigMap{}, toConfig, only(func(o client.Object) bool {
			return isImportErrorConfigMap(o, r.OperatorNamespace) || (o.GetNamespace() == r.OperatorNamespace && (o.GetName() == samplesv1.MirrorConfigMap || o.GetName() == samplesv1.AllImagesConfigMap))
		})).
		// The cache holds only this secret (cacheOptions); the name is checked anyway.
		Watches(&corev1.Secret{}, toConfig, named(credentials.SecretName)).
		Watches(&configv1.Image{}, toConfig, named(clusterKey.Name)).
		Complete(rec)
}
