package controllers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/clusteroperator"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/record"
	"github.com/openshift/cluster-samples-operator/internal/samples"
	"github.com/openshift/cluster-samples-operator/internal/state"
)

// reconcileManaged creates or updates every sample of set that is not skipped, and
// marks skipped ones. gateTBR holds back image streams from registry.redhat.io while the
// pull secret has no credentials for it.
func (r *ConfigReconciler) reconcileManaged(ctx context.Context, cfg *samplesv1.Config, plan state.Plan, set *content.Set, gateTBR bool) (ctrl.Result, error) {
	pass := &managedPass{r: r, cfg: cfg, installed: record.New(),
		// The status records the registry of the last complete pass.
		registryChanged: cfg.Spec.SamplesRegistry != cfg.Status.SamplesRegistry}
	if gateTBR {
		facts, err := r.factsOf(set)
		if err != nil {
			return ctrl.Result{}, err
		}
		pass.heldBack = facts.fromTBR
	}
	pass.sync(ctx, samples.ImageStreamGVK, set.ImageStreams, set.ImageStreamNames(), cfg.Spec.SkippedImagestreams)
	pass.sync(ctx, samples.TemplateGVK, set.Templates, set.TemplateNames(), cfg.Spec.SkippedTemplates)
	if result, incomplete := pass.incomplete(ctx); incomplete {
		return result, nil
	}
	if err := r.remember(ctx, pass.installed); err != nil {
		return ctrl.Result{}, err
	}
	r.markManaged(cfg, plan)
	return ctrl.Result{}, nil
}

// managedPass is one pass of reconcileManaged over the samples: what it installed and
// what it could not write. One sample the API server refuses never holds back the
// others: the pass writes all it can, then reports the failures together and retries
// them.
type managedPass struct {
	r               *ConfigReconciler
	cfg             *samplesv1.Config
	registryChanged bool
	// heldBack, while the TBR gate is shut, are the image streams from
	// registry.redhat.io.
	heldBack map[string]bool

	pending             bool
	failed, unavailable []error
	away                bool // the API server cannot be reached: the rest of the pass would fail too
	installed           record.Names
}

// sync syncs the samples of one kind, objs by name, in the order of names; skips are
// the names the Config skips.
func (p *managedPass) sync(ctx context.Context, gvk schema.GroupVersionKind, objs map[string]content.Raw, names, skips []string) {
	into := p.installed.ImageStreams
	// samplesRegistry rewrites image streams only.
	registryChanged := p.registryChanged && gvk == samples.ImageStreamGVK
	if gvk == samples.TemplateGVK {
		into = p.installed.Templates
	}
	for _, name := range names {
		if p.away {
			return
		}
		if gvk == samples.ImageStreamGVK && p.heldBack[name] && !state.Skipped(skips, name) {
			continue
		}
		pending, err := p.r.syncSample(ctx, gvk, name, objs[name], state.Skipped(skips, name), p.cfg.Spec.SamplesRegistry, registryChanged)
		switch {
		case err == nil:
			p.pending = p.pending || pending
			if !state.Skipped(skips, name) {
				into[name] = true
			}
		case transient(err):
			p.unavailable = append(p.unavailable, err)
			p.away = unreachable(err)
		default:
			p.failed = append(p.failed, err)
		}
	}
}

// incomplete tells whether the pass left samples to write (refused, the API server
// away, or the cache behind), and the result that retries them.
func (p *managedPass) incomplete(ctx context.Context) (ctrl.Result, bool) {
	if len(p.failed) > 0 {
		err := errors.Join(p.failed...)
		ctrl.LoggerFrom(ctx).Error(err, "the API server refused samples; the others are written, these are retried", "count", len(p.failed))
		p.r.setCondition(p.cfg, samplesv1.SamplesExist, corev1.ConditionUnknown, apiServerReason(p.failed[0]),
			fmt.Sprintf("%d samples could not be written: %s", len(p.failed), joinErrors(p.failed)))
		return ctrl.Result{RequeueAfter: p.r.RetryRefused}, true
	}
	if len(p.unavailable) > 0 {
		// The API server is away, busy or restarting: no condition changes. The pass
		// is retried at a steady pace rather than with growing backoff, so that a
		// server refusing a fraction of requests does not stretch the install into
		// hours; an unreachable server costs one request a pass.
		ctrl.LoggerFrom(ctx).Error(errors.Join(p.unavailable...), "the API server is away or busy; retrying", "failed", len(p.unavailable), "in", p.r.RetryUnavailable)
		return ctrl.Result{RequeueAfter: p.r.RetryUnavailable}, true
	}
	if p.pending {
		// The cache is behind the server; the event that updates it brings the next
		// pass (see requeue.go).
		return ctrl.Result{RequeueAfter: cacheBehindRequeue}, true
	}
	return ctrl.Result{}, false
}

// markManaged records a complete pass in the status: the samples exist, as the Config
// asks for them under plan.
func (r *ConfigReconciler) markManaged(cfg *samplesv1.Config, plan state.Plan) {
	// Say so when the samples come from the built-in set because the directory the
	// operator was given is not usable.
	if c := conditions.Get(cfg.Status.Conditions, samplesv1.SamplesExist); r.Content.Fallback != "" && r.Recorder != nil &&
		(c == nil || c.Status != corev1.ConditionTrue) {
		r.Recorder.Eventf(cfg, nil, corev1.EventTypeWarning, "BuiltInSamples", "Reconcile", "%s", r.Content.Fallback)
	}
	r.setCondition(cfg, samplesv1.SamplesExist, corev1.ConditionTrue, "", r.Content.Fallback)
	r.setCondition(cfg, samplesv1.RemovePending, corev1.ConditionFalse, "", "")
	r.setStatusState(cfg, samplesv1.Managed)
	cfg.Status.SamplesRegistry = cfg.Spec.SamplesRegistry
	cfg.Status.Architectures = []string{plan.Arch}
	cfg.Status.SkippedImagestreams = slices.Clone(cfg.Spec.SkippedImagestreams)
	cfg.Status.SkippedTemplates = slices.Clone(cfg.Spec.SkippedTemplates)
}

// syncSample makes one sample, name of the content, match src, which is parsed only
// when the sample needs a write. pending is true when the cache was found behind the
// server, so the pass is not complete.
func (r *ConfigReconciler) syncSample(ctx context.Context, gvk schema.GroupVersionKind, name string, src content.Raw,
	skipped bool, registry string, registryChanged bool) (pending bool, err error) {
	key := client.ObjectKey{Namespace: samplesv1.SamplesNamespace, Name: name}
	what := fmt.Sprintf("%s %s/%s", gvk.Kind, key.Namespace, key.Name)
	// The cache's own object, not a copy (the pass only reads it; markSkipped writes a
	// copy): a pass over samples in place then allocates nothing per sample.
	actual := cachedSample(gvk)
	err = r.Client.Get(ctx, key, actual, client.UnsafeDisableDeepCopy)
	notFound := apierrors.IsNotFound(err)
	if err != nil && !notFound {
		return false, fmt.Errorf("reading %s: %w", what, err)
	}
	if skipped {
		return r.markSkipped(ctx, key, what, actual, notFound)
	}
	if !notFound && !registryChanged && samples.Current(actual, r.Version) {
		return false, nil // the common case of every pass: nothing to build or compare
	}
	obj, err := src.Object()
	if err != nil {
		return false, fmt.Errorf("%s: %w", what, err)
	}
	desired := samples.Desired(obj, registry, r.Version)
	if notFound {
		err := r.Client.Create(ctx, desired)
		if !apierrors.IsAlreadyExists(err) {
			return sampleWritten(err, "creating "+what)
		}
		// The cache holds only labelled samples (manager.go): the name is taken by an
		// object it does not show, one just created or a sample whose label a user
		// removed. It is handled as any other, as the server has it.
	} else if !samples.NeedsUpdate(desired, actual, registryChanged) {
		return false, nil
	}
	// The cache keeps only what the decisions read (cachedSample, samples.Trim): the
	// write goes over the sample as the server has it, keeping everything others put
	// on it.
	server := samples.New(gvk)
	if err := r.APIReader.Get(ctx, key, server); err != nil {
		return sampleWritten(err, "reading "+what)
	}
	server.SetManagedFields(nil)
	if !samples.NeedsUpdate(desired, server, registryChanged) {
		return false, nil
	}
	return sampleWritten(r.Client.Update(ctx, samples.ForUpdate(desired, server)), "updating "+what)
}

// markSkipped labels the sample at key, which the Config skips, as not managed, unless
// it is already. actual is what the cache holds of it (its own object: it is not
// changed); notFound tells that it holds nothing.
func (r *ConfigReconciler) markSkipped(ctx context.Context, key client.ObjectKey, what string, actual client.Object, notFound bool) (pending bool, err error) {
	if notFound {
		// An administrator's own copy under a skipped name is unlabelled, so not in
		// the cache: read it past the cache to mark it, as the stock operator does.
		err := r.APIReader.Get(ctx, key, actual)
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("reading %s: %w", what, err)
		}
	}
	if actual.GetLabels()[samplesv1.SamplesManagedLabel] == "false" {
		return false, nil
	}
	marked, _ := actual.DeepCopyObject().(client.Object)
	labels := marked.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels[samplesv1.SamplesManagedLabel] = "false"
	marked.SetLabels(labels)
	return sampleWritten(r.Client.Patch(ctx, marked, client.MergeFrom(actual)), "marking skipped "+what)
}

// sampleWritten turns the errors that only mean "the cache is behind" (requeue.go) into
// pending, so the pass goes on with the other samples and is repeated.
func sampleWritten(err error, doing string) (pending bool, _ error) {
	switch {
	case err == nil:
		return false, nil
	case cacheBehind(err):
		return true, nil
	default:
		return false, fmt.Errorf("%s: %w", doing, err)
	}
}

// apiServerReason names a refused write as the shipped operator does:
// APIServer<Reason>Error, for example APIServerInvalidError.
func apiServerReason(err error) string {
	reason := string(apierrors.ReasonForError(err))
	if reason == "" {
		reason = "Unknown"
	}
	return clusteroperator.APIServerErrorPrefix + reason + "Error"
}

// joinErrors lists errors on one line, for a condition message.
func joinErrors(errs []error) string {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}
