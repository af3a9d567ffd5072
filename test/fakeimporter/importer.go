package fakeimporter

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	imagev1 "github.com/openshift/api/image/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// ImportRecord is one ImageStreamImport request the importer served.
type ImportRecord struct {
	Namespace, Name string
	// Tags maps each requested tag to "" when its import succeeded, or to the failure.
	Tags map[string]string
	Time time.Time
}

// Importer writes image stream status from what the registry holds.
type Importer struct {
	Registry *Registry
	client   client.Client
	// reader reads past the cache (per-host mode: the pull secret and CAs).
	reader client.Reader
	// hosts are the registry hosts pulled from directly (PullFromHosts).
	hosts map[string]bool
	// disconnected: every other host is unreachable (Disconnect).
	disconnected bool

	mu      sync.Mutex
	imports []ImportRecord
}

// Start runs an importer against the API server of cfg until ctx ends. It uses its own
// manager, as openshift-apiserver is a separate process from the operator.
func Start(ctx context.Context, cfg *rest.Config, reg *Registry) (*Importer, error) {
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 newScheme(),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		// Tests start several importers in one process.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		return nil, err
	}
	imp := &Importer{Registry: reg, client: mgr.GetClient(), reader: mgr.GetAPIReader()}
	err = ctrl.NewControllerManagedBy(mgr).Named("fake-importer-imagestreams").
		For(&imagev1.ImageStream{}).
		Complete(ctrlFunc(imp.reconcileStream))
	if err != nil {
		return nil, err
	}
	err = ctrl.NewControllerManagedBy(mgr).Named("fake-importer-imagestreamimports").
		For(&imagev1.ImageStreamImport{}).
		Complete(ctrlFunc(imp.reconcileImport))
	if err != nil {
		return nil, err
	}
	go func() {
		if err := mgr.Start(ctx); err != nil {
			ctrl.Log.WithName("fake-importer").Error(err, "stopped")
		}
	}()
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		return nil, fmt.Errorf("fake importer: caches did not sync")
	}
	return imp, nil
}

type ctrlFunc func(context.Context, ctrl.Request) (ctrl.Result, error)

func (f ctrlFunc) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return f(ctx, req)
}

// Imports returns the ImageStreamImport requests served so far, oldest first.
func (i *Importer) Imports() []ImportRecord {
	i.mu.Lock()
	defer i.mu.Unlock()
	return slices.Clone(i.imports)
}

// reconcileStream imports every DockerImage tag not yet imported at the stream's current
// generation, as openshift-apiserver does after a spec change.
func (i *Importer) reconcileStream(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	is := &imagev1.ImageStream{}
	if err := i.client.Get(ctx, req.NamespacedName, is); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !is.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	before := is.Status.DeepCopy()
	i.importTags(ctx, is, func(tag string) bool { return lastGeneration(is, tag) < is.Generation })
	if equality.Semantic.DeepEqual(before, &is.Status) {
		return ctrl.Result{}, nil
	}
	return ctrl.Result{}, i.client.Status().Update(ctx, is)
}

// reconcileImport serves an ImageStreamImport with spec.import: it points the named tags
// at the requested images, imports them now, records the request and deletes it (the
// real API never stores these objects, so the operator always creates a new one).
func (i *Importer) reconcileImport(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	isi := &imagev1.ImageStreamImport{}
	if err := i.client.Get(ctx, req.NamespacedName, isi); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	record := ImportRecord{Namespace: isi.Namespace, Name: isi.Name, Tags: map[string]string{}, Time: time.Now()}
	if isi.Spec.Import {
		if err := i.serveImport(ctx, isi, record.Tags); err != nil {
			return ctrl.Result{}, err
		}
	}
	if err := i.client.Delete(ctx, isi); client.IgnoreNotFound(err) != nil {
		return ctrl.Result{}, err
	}
	i.mu.Lock()
	i.imports = append(i.imports, record)
	i.mu.Unlock()
	return ctrl.Result{}, nil
}

func (i *Importer) serveImport(ctx context.Context, isi *imagev1.ImageStreamImport, results map[string]string) error {
	is := &imagev1.ImageStream{}
	err := i.client.Get(ctx, client.ObjectKeyFromObject(isi), is)
	if apierrors.IsNotFound(err) {
		is = &imagev1.ImageStream{ObjectMeta: metav1.ObjectMeta{Namespace: isi.Namespace, Name: isi.Name}}
		if err := i.client.Create(ctx, is); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	requested := map[string]bool{}
	specBefore := is.Spec.DeepCopy()
	for _, img := range isi.Spec.Images {
		if img.To == nil || img.From.Kind != "DockerImage" {
			continue
		}
		requested[img.To.Name] = true
		tag := specTag(is, img.To.Name)
		tag.From = &corev1.ObjectReference{Kind: "DockerImage", Name: img.From.Name}
		tag.ImportPolicy = img.ImportPolicy
		tag.ReferencePolicy = img.ReferencePolicy
	}
	if !equality.Semantic.DeepEqual(specBefore, &is.Spec) {
		if err := i.client.Update(ctx, is); err != nil {
			return err
		}
	}
	i.importTags(ctx, is, func(tag string) bool { return requested[tag] })
	if err := i.client.Status().Update(ctx, is); err != nil {
		return err
	}
	for tag := range requested {
		results[tag] = ""
		if c := failure(statusTag(is, tag)); c != nil {
			results[tag] = c.Message
		}
	}
	return nil
}

// importTags resolves the DockerImage tags for which due is true and records the outcome
// in the stream's status, then points ImageStreamTag aliases at their targets' images.
func (i *Importer) importTags(ctx context.Context, is *imagev1.ImageStream, due func(tag string) bool) {
	now := metav1.NewTime(time.Now().Truncate(time.Second))
	is.Status.DockerImageRepository = "image-registry.openshift-image-registry.svc:5000/" + is.Namespace + "/" + is.Name
	for _, tag := range is.Spec.Tags {
		if tag.From == nil || tag.From.Kind != "DockerImage" || !due(tag.Name) {
			continue
		}
		st := statusTag(is, tag.Name)
		digest, err := i.resolve(ctx, tag.From.Name)
		st.Conditions = slices.DeleteFunc(st.Conditions, func(c imagev1.TagEventCondition) bool {
			return c.Type == imagev1.ImportSuccess
		})
		if err != nil {
			st.Conditions = append(st.Conditions, imagev1.TagEventCondition{
				Type: imagev1.ImportSuccess, Status: corev1.ConditionFalse, LastTransitionTime: now,
				Reason: "NotFound", Message: fmt.Sprintf("Internal error occurred: %s: %v", tag.From.Name, err),
				Generation: is.Generation,
			})
			continue
		}
		if len(st.Items) > 0 && st.Items[0].Image == digest {
			st.Items[0].Generation = is.Generation
			continue
		}
		st.Items = append([]imagev1.TagEvent{{
			Created: now, DockerImageReference: repository(tag.From.Name) + "@" + digest,
			Image: digest, Generation: is.Generation,
		}}, st.Items...)
	}
	for _, tag := range is.Spec.Tags {
		if tag.From == nil || tag.From.Kind != "ImageStreamTag" {
			continue
		}
		stream, target, ok := strings.Cut(tag.From.Name, ":")
		if !ok {
			stream, target = is.Name, stream
		}
		if stream != is.Name || target == tag.Name {
			continue
		}
		src := statusTag(is, target)
		items := slices.Clone(src.Items)
		statusTag(is, tag.Name).Items = items
	}
}

// repository strips the tag or digest from an image reference.
func repository(ref string) string {
	if at := strings.Index(ref, "@"); at >= 0 {
		return ref[:at]
	}
	if colon := strings.LastIndex(ref, ":"); colon > strings.LastIndex(ref, "/") {
		return ref[:colon]
	}
	return ref
}

func specTag(is *imagev1.ImageStream, name string) *imagev1.TagReference {
	for k := range is.Spec.Tags {
		if is.Spec.Tags[k].Name == name {
			return &is.Spec.Tags[k]
		}
	}
	is.Spec.Tags = append(is.Spec.Tags, imagev1.TagReference{Name: name})
	return &is.Spec.Tags[len(is.Spec.Tags)-1]
}

func statusTag(is *imagev1.ImageStream, name string) *imagev1.NamedTagEventList {
	for k := range is.Status.Tags {
		if is.Status.Tags[k].Tag == name {
			return &is.Status.Tags[k]
		}
	}
	is.Status.Tags = append(is.Status.Tags, imagev1.NamedTagEventList{Tag: name, Items: []imagev1.TagEvent{}})
	return &is.Status.Tags[len(is.Status.Tags)-1]
}

// lastGeneration is the newest stream generation at which tag was imported, or 0.
func lastGeneration(is *imagev1.ImageStream, tag string) int64 {
	var gen int64
	for _, st := range is.Status.Tags {
		if st.Tag != tag {
			continue
		}
		for _, it := range st.Items {
			gen = max(gen, it.Generation)
		}
		for _, c := range st.Conditions {
			gen = max(gen, c.Generation)
		}
	}
	return gen
}

func failure(st *imagev1.NamedTagEventList) *imagev1.TagEventCondition {
	for k, c := range st.Conditions {
		if c.Type == imagev1.ImportSuccess && c.Status == corev1.ConditionFalse {
			return &st.Conditions[k]
		}
	}
	return nil
}
