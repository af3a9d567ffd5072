package controllers

import (
	"context"
	"errors"
	"fmt"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/bootstrap"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/credentials"
	"github.com/openshift/cluster-samples-operator/internal/state"
)

// The sample kinds, served by openshift-apiserver. The operator handles them as
// unstructured objects so that whatever the content says reaches the cluster unchanged.
var (
	ImageStreamGVK = schema.GroupVersionKind{Group: "image.openshift.io", Version: "v1", Kind: "ImageStream"}
	TemplateGVK    = schema.GroupVersionKind{Group: "template.openshift.io", Version: "v1", Kind: "Template"}
)

func newSample(gvk schema.GroupVersionKind) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	return u
}

// CacheOptions keeps the operator's caches to what it manages: image streams and
// templates of the openshift namespace and ConfigMaps of its own, not every one in the
// cluster.
func CacheOptions(operatorNamespace string) cache.Options {
	only := map[string]cache.Config{samplesv1.SamplesNamespace: {}}
	return cache.Options{ByObject: map[client.Object]cache.ByObject{
		newSample(ImageStreamGVK): {Namespaces: only},
		newSample(TemplateGVK):    {Namespaces: only},
		&corev1.ConfigMap{}:       {Namespaces: map[string]cache.Config{operatorNamespace: {}}},
		// The pull secret, and no other secret.
		&corev1.Secret{}: {Namespaces: map[string]cache.Config{credentials.SecretNamespace: {
			FieldSelector: fields.OneTermEqualSelector("metadata.name", credentials.SecretName),
		}}},
	}}
}

// ClientOptions serves reads of unstructured samples from the cache too.
func ClientOptions() client.Options {
	return client.Options{Cache: &client.CacheOptions{Unstructured: true}}
}

// ConfigReconciler keeps the samples in the openshift namespace as the Config asks:
// installed and maintained (Managed), left alone (Unmanaged) or deleted (Removed). Every
// event, of the Config or of any sample, leads to one full pass over the inventory,
// which reads from the cache and writes only what differs.
type ConfigReconciler struct {
	Client            client.Client
	Content           *content.Source
	Version           string
	OperatorNamespace string
	Clock             clock.PassiveClock
	Recorder          record.EventRecorder
}

// +kubebuilder:rbac:groups=samples.operator.openshift.io,resources=configs,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=samples.operator.openshift.io,resources=configs/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=samples.operator.openshift.io,resources=configs/finalizers,verbs=update
// +kubebuilder:rbac:groups=image.openshift.io,namespace=openshift,resources=imagestreams,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=template.openshift.io,namespace=openshift,resources=templates,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=config.openshift.io,resources=images,verbs=get;list;watch
// +kubebuilder:rbac:groups="",namespace=openshift-config,resources=secrets,verbs=get;list;watch

// Reconcile brings the samples to the state the Config asks for and reports it in the
// Config's status, written once at the end and only when it changed.
func (r *ConfigReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, err error) {
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
	orig := cfg.DeepCopy()
	now := r.now()
	cfg.Status.Conditions = conditions.EnsureAll(cfg.Status.Conditions, now)
	defer func() {
		if equality.Semantic.DeepEqual(orig.Status, cfg.Status) {
			return
		}
		if perr := r.Client.Status().Patch(ctx, cfg, client.MergeFrom(orig)); perr != nil {
			err = errors.Join(err, fmt.Errorf("writing the status of Config %s: %w", cfg.Name, perr))
		}
	}()

	plan := state.Decide(cfg)
	if plan.Invalid == "" {
		if err := r.reconcileMirrorMap(ctx, plan); err != nil {
			return ctrl.Result{}, err
		}
	}
	if err := r.setImportErrors(ctx, cfg); err != nil {
		return ctrl.Result{}, err
	}
	credsMissing, err := r.credentialsMissing(ctx, cfg.Spec.SamplesRegistry)
	if err != nil {
		return ctrl.Result{}, err
	}
	if credsMissing != "" {
		r.setCondition(cfg, samplesv1.ImportCredentialsExist, corev1.ConditionFalse, "MissingCredentials", credsMissing)
	} else {
		r.setCondition(cfg, samplesv1.ImportCredentialsExist, corev1.ConditionTrue, "", "")
	}
	switch plan.State {
	case samplesv1.Removed:
		return ctrl.Result{}, r.reconcileRemoved(ctx, cfg, orig)
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
		r.setCondition(cfg, samplesv1.ConfigurationValid, corev1.ConditionFalse, "InvalidConfiguration",
			fmt.Sprintf("spec.samplesRegistry %s cannot be used: %s", cfg.Spec.SamplesRegistry, forbidden))
		return ctrl.Result{}, nil
	}
	r.setCondition(cfg, samplesv1.ConfigurationValid, corev1.ConditionTrue, "", plan.Note)
	return r.reconcileManaged(ctx, cfg, plan, credsMissing != "")
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

// registryForbidden says why the cluster image configuration forbids importing from a
// samplesRegistry the user set, or "".
func (r *ConfigReconciler) registryForbidden(ctx context.Context, registry string) (string, error) {
	if registry == "" {
		return "", nil
	}
	img := &configv1.Image{}
	if err := r.Client.Get(ctx, clusterKey, img); apierrors.IsNotFound(err) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("reading images.config.openshift.io/cluster: %w", err)
	}
	return bootstrap.ImportForbidden(img, registry), nil
}

func (r *ConfigReconciler) now() metav1.Time {
	return metav1.NewTime(r.Clock.Now().Truncate(time.Second))
}

func (r *ConfigReconciler) setCondition(cfg *samplesv1.Config, t samplesv1.ConfigConditionType, s corev1.ConditionStatus, reason, msg string) {
	before := conditions.Get(cfg.Status.Conditions, t)
	changed := before == nil || before.Status != s
	cfg.Status.Conditions = conditions.Set(cfg.Status.Conditions, t, s, reason, msg, r.now())
	if changed && r.Recorder != nil && (t == samplesv1.ConfigurationValid || t == samplesv1.SamplesExist) {
		kind := corev1.EventTypeNormal
		if s != corev1.ConditionTrue && t == samplesv1.ConfigurationValid || s == corev1.ConditionUnknown {
			kind = corev1.EventTypeWarning
		}
		r.Recorder.Eventf(cfg, kind, string(t)+string(s), "%s is %s: %s", t, s, msg)
	}
}

// setStatusState records a state transition and the release version it happened at.
func (r *ConfigReconciler) setStatusState(cfg *samplesv1.Config, s samplesv1.ManagementState) {
	if cfg.Status.ManagementState != s && r.Recorder != nil {
		r.Recorder.Eventf(cfg, corev1.EventTypeNormal, "ManagementState"+string(s), "samples are now %s", s)
	}
	cfg.Status.ManagementState = s
	cfg.Status.Version = r.Version
}

// transient tells errors worth a quick retry (the API server is busy or restarting)
// from those a user must act on; only the latter change conditions.
func transient(err error) bool {
	return apierrors.IsConflict(err) || apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) ||
		apierrors.IsTooManyRequests(err) || apierrors.IsInternalError(err) || apierrors.IsServiceUnavailable(err) ||
		apierrors.IsUnexpectedServerError(err) || errors.Is(err, context.DeadlineExceeded) ||
		apierrors.ReasonForError(err) == metav1.StatusReasonUnknown
}

// reconcileDelete removes the managed samples, then the finalizer, so that the Config can
// go; the bootstrap controller then creates a new default one.
func (r *ConfigReconciler) reconcileDelete(ctx context.Context, cfg *samplesv1.Config) error {
	if !controllerutil.ContainsFinalizer(cfg, samplesv1.ConfigFinalizer) {
		return nil
	}
	if err := r.deleteManagedSamples(ctx); err != nil {
		return err
	}
	orig := cfg.DeepCopy()
	controllerutil.RemoveFinalizer(cfg, samplesv1.ConfigFinalizer)
	if err := r.Client.Patch(ctx, cfg, client.MergeFrom(orig)); err != nil {
		return client.IgnoreNotFound(err)
	}
	ctrl.LoggerFrom(ctx).Info("removed the samples of the deleted Config")
	return nil
}

// SetupWithManager watches the Config and every sample in the openshift namespace; each
// event asks for a pass over the Config "cluster".
func (r *ConfigReconciler) SetupWithManager(mgr ctrl.Manager) error { return r.setup(mgr, r) }

// setup registers rec (r, or a test's wrapper around it) with r's watches.
func (r *ConfigReconciler) setup(mgr ctrl.Manager, rec reconcile.Reconciler) error {
	toConfig := enqueue(clusterConfigKey)
	inSamplesNamespace := inNamespace(samplesv1.SamplesNamespace)
	return ctrl.NewControllerManagedBy(mgr).
		Named("config").
		For(&samplesv1.Config{}, builder.WithPredicates(isClusterConfig)).
		Watches(newSample(ImageStreamGVK), toConfig, inSamplesNamespace).
		Watches(newSample(TemplateGVK), toConfig, inSamplesNamespace).
		Watches(&corev1.ConfigMap{}, toConfig, only(func(o client.Object) bool {
			return isImportErrorConfigMap(o, r.OperatorNamespace) || (o.GetNamespace() == r.OperatorNamespace && o.GetName() == MirrorConfigMap)
		})).
		// The cache holds only this secret (CacheOptions); the name is checked anyway.
		Watches(&corev1.Secret{}, toConfig, named(credentials.SecretName)).
		Watches(&configv1.Image{}, toConfig, named(clusterKey.Name)).
		Complete(rec)
}

// TBRCredential tells the metrics whether the pull secret holds registry.redhat.io
// credentials (false when it is missing or unparsable).
func TBRCredential(c client.Reader) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		why, err := pullSecretLacksTBR(ctx, c)
		return why == "" && err == nil, err
	}
}
