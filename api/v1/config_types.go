package v1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Wire names shared with the operator that ships in OpenShift; clients depend on them.
const (
	// ConfigName is the only Config the operator acts on; others are ignored.
	ConfigName = "cluster"
	// ConfigFinalizer lets the operator remove its samples before the Config goes away.
	ConfigFinalizer = GroupName + "/finalizer"
	// SamplesManagedLabel is "true" on managed samples and "false" on skipped ones.
	SamplesManagedLabel = GroupName + "/managed"
	// SamplesVersionAnnotation carries the release version that last wrote a sample.
	SamplesVersionAnnotation = GroupName + "/version"

	// SamplesNamespace is where image streams and templates are installed.
	SamplesNamespace = "openshift"
	// OperatorNamespace holds the operator's ConfigMaps.
	OperatorNamespace = "openshift-cluster-samples-operator"

	// MirrorConfigMap, in the operator namespace, lists every image the samples use as
	// <imagestream>_<tag>: <image>, for mirroring to a disconnected cluster.
	MirrorConfigMap = "imagestreamtag-to-image"
	// AllImagesConfigMap, in the operator namespace, is MirrorConfigMap with the jenkins
	// streams too: the stock ConfigMap leaves them out (their images once came with the
	// release payload), yet samplesRegistry rewrites them like every other stream, so a
	// mirror needs them. The mirror commands read it; this operator's own.
	AllImagesConfigMap = "imagestreamtag-to-image-all"
	// InstalledConfigMap, in the operator namespace, records the samples this operator
	// created or adopted under any release (keys imagestreams and templates, one name a
	// line), so that Removed and the Config's deletion also remove samples a later
	// release no longer ships. This operator's own; the stock operator has none.
	InstalledConfigMap = "samples-installed"
	// ImportErrorLabel is "true" on the per-stream ConfigMaps (in the operator
	// namespace, named after the stream) that hold its failing tags' import errors.
	ImportErrorLabel = "samples.openshift.io/imagestream-error"
	// LastRetryAnnotation on an import-error ConfigMap is when the stream's failing tags
	// were last retried (RFC 3339), so that a restarted operator keeps the schedule.
	LastRetryAnnotation = GroupName + "/last-import-retry"
	// BootstrapRemovedReasonAnnotation and BootstrapRemovedMessageAnnotation on a Config
	// the operator created as Removed say why, so a restart reports the same reason.
	BootstrapRemovedReasonAnnotation  = GroupName + "/bootstrap-removed-reason"
	BootstrapRemovedMessageAnnotation = GroupName + "/bootstrap-removed-message"
)

// Architecture names a Config may list in spec.architectures. The content directories
// are named X86Architecture, AArch64Architecture, PPCArchitecture and S390Architecture;
// AMDArchitecture and ARMArchitecture are aliases of the first two.
const (
	X86Architecture     = "x86_64"
	AMDArchitecture     = "amd64"
	AArch64Architecture = "aarch64"
	ARMArchitecture     = "arm64"
	PPCArchitecture     = "ppc64le"
	S390Architecture    = "s390x"
)

// ManagementState is the operator's on/off switch.
// +kubebuilder:validation:Pattern=`^(Managed|Unmanaged|Force|Removed)$`
type ManagementState string

const (
	// Managed installs the samples and keeps them as the content defines them.
	Managed ManagementState = "Managed"
	// Unmanaged leaves everything in the cluster alone.
	Unmanaged ManagementState = "Unmanaged"
	// Force is accepted by the schema for compatibility and treated as Managed.
	Force ManagementState = "Force"
	// Removed deletes the managed samples.
	Removed ManagementState = "Removed"
)

// ConfigSpec is the desired state of the samples in the openshift namespace.
type ConfigSpec struct {
	// managementState is the top-level switch: Managed installs and maintains the samples,
	// Unmanaged ignores them, Removed deletes the samples the operator manages.
	// +optional
	ManagementState ManagementState `json:"managementState,omitempty"`

	// samplesRegistry replaces the registry of every image stream's image references,
	// for example with a mirror on a disconnected cluster: host[:port][/path], no scheme.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?)(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)*$`
	SamplesRegistry string `json:"samplesRegistry,omitempty"`

	// architectures selects the content set: x86_64 (or amd64), arm64 (aarch64 content),
	// ppc64le or s390x.
	// +optional
	Architectures []string `json:"architectures,omitempty"`

	// skippedImagestreams names image streams the operator must neither create nor update.
	// +optional
	// +kubebuilder:validation:MaxItems=500
	SkippedImagestreams []string `json:"skippedImagestreams,omitempty"`

	// skippedTemplates names templates the operator must neither create nor update.
	// +optional
	// +kubebuilder:validation:MaxItems=500
	SkippedTemplates []string `json:"skippedTemplates,omitempty"`

	// skippedHelmCharts names helm charts that should not be managed.
	// +optional
	// +kubebuilder:validation:MaxItems=16
	// +listType=set
	// +kubebuilder:validation:XValidation:rule="self.all(x, x.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'))",message="skippedHelmCharts must be a valid Kubernetes resource name. May contain only lowercase alphanumeric characters, hyphens and periods, and each period separated segment must begin and end with an alphanumeric character"
	SkippedHelmCharts []HelmChartName `json:"skippedHelmCharts,omitempty"`
}

// HelmChartName is the name of a helm chart.
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=253
type HelmChartName string

// ConfigStatus is the configuration in effect and the state of the samples.
type ConfigStatus struct {
	// managementState is the management state last acted on.
	// +optional
	ManagementState ManagementState `json:"managementState,omitempty"`

	// conditions describe the state of the samples.
	// +optional
	Conditions []ConfigCondition `json:"conditions,omitempty"`

	// samplesRegistry is the registry in effect.
	// +optional
	SamplesRegistry string `json:"samplesRegistry,omitempty"`

	// architectures are the architectures in effect.
	// +optional
	Architectures []string `json:"architectures,omitempty"`

	// skippedImagestreams are the image streams skipped in effect.
	// +optional
	SkippedImagestreams []string `json:"skippedImagestreams,omitempty"`

	// skippedTemplates are the templates skipped in effect.
	// +optional
	SkippedTemplates []string `json:"skippedTemplates,omitempty"`

	// version is the release version whose samples were last installed successfully.
	// +optional
	Version string `json:"version,omitempty"`
}

// ConfigConditionType names one aspect of the samples' state.
type ConfigConditionType string

// The condition types of the Config status, as the stock operator reports them. Every
// type is always present; the operator sets each as said below.
const (
	// ImportCredentialsExist is False while the samples are Managed, samplesRegistry is
	// empty or a Red Hat registry, and openshift-config/pull-secret gives no credentials
	// for registry.redhat.io; image streams from that registry then wait. Its reason is
	// MissingSecret when the secret, its .dockerconfigjson key, or a docker config in the
	// key is missing, and MissingTBRCredential when the secret parses but has no
	// registry.redhat.io entry. It is True otherwise, and while the samples are Removed or
	// Unmanaged.
	ImportCredentialsExist ConfigConditionType = "ImportCredentialsExist"
	// SamplesExist is True once the samples of the current release are installed, and
	// False before that and once they are removed. It is Unknown while the API server
	// refuses to write some samples (reason APIServer<Reason>Error, such as
	// APIServerForbiddenError; the message names them; retried every minute) or while
	// the samples content cannot be read (reason FileSystemError).
	SamplesExist ConfigConditionType = "SamplesExist"
	// ConfigurationValid is False when a Managed Config cannot be acted on; no sample is
	// then changed. The reason names the first check that failed, in this order:
	// UnsupportedArchitecture, InvalidSamplesRegistry, MultipleArchitectures,
	// ArchitectureChanged, ImportForbidden (the image configuration forbids the samples
	// registry), ArchitectureNotInContent. The message says what to change. It is True
	// otherwise, and while the samples are Removed or Unmanaged.
	ConfigurationValid ConfigConditionType = "ConfigurationValid"
	// ImageChangesInProgress is never True: this operator does not track imports in
	// progress. It is kept False for clients that read it.
	ImageChangesInProgress ConfigConditionType = "ImageChangesInProgress"
	// RemovePending is True while the operator deletes the samples it manages, after
	// managementState is set to Removed; False otherwise.
	RemovePending ConfigConditionType = "RemovePending"
	// MigrationInProgress is never True: samples are updated to a new release in place.
	// It is kept False for clients that read it.
	MigrationInProgress ConfigConditionType = "MigrationInProgress"
	// ImportImageErrorsExist is True while some tags of managed image streams fail to
	// import: the reason lists the streams, the message the streams and their tags, and
	// the ConfigMaps of the same names in the operator namespace hold the errors. False
	// otherwise.
	ImportImageErrorsExist ConfigConditionType = "ImportImageErrorsExist"
)

// ConditionTypes lists every condition type in the order the operator reports them.
var ConditionTypes = []ConfigConditionType{
	ImportCredentialsExist, SamplesExist, ConfigurationValid, ImageChangesInProgress,
	RemovePending, MigrationInProgress, ImportImageErrorsExist,
}

// ConfigCondition is one condition of the Config.
type ConfigCondition struct {
	// type of condition.
	Type ConfigConditionType `json:"type"`
	// status of the condition, one of True, False, Unknown.
	Status corev1.ConditionStatus `json:"status"`
	// lastUpdateTime is the last time this condition was updated.
	// +optional
	LastUpdateTime metav1.Time `json:"lastUpdateTime,omitempty"`
	// lastTransitionTime is the last time the condition changed status.
	// +optional
	LastTransitionTime metav1.Time `json:"lastTransitionTime,omitempty"`
	// reason is what caused the condition's last transition.
	// +optional
	Reason string `json:"reason,omitempty"`
	// message is a human readable message about the transition.
	// +optional
	Message string `json:"message,omitempty"`
}

// Config configures the Cluster Samples Operator; only the one named "cluster" is used.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,path=configs
// +kubebuilder:subresource:status
type Config struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`

	// +required
	Spec ConfigSpec `json:"spec"`
	// +optional
	Status ConfigStatus `json:"status,omitempty"`
}

// ConfigList is a list of Configs.
// +kubebuilder:object:root=true
type ConfigList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Config `json:"items"`
}
