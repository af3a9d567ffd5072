package verdict

import (
	"errors"
	"slices"
	"strings"
	"testing"

	configv1 "github.com/openshift/api/config/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/bootstrap"
	"github.com/openshift/cluster-samples-operator/internal/conditions"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/credentials"
	"github.com/openshift/cluster-samples-operator/internal/state"
)

func config(st samplesv1.ManagementState, archs []string, statusState samplesv1.ManagementState, statusArchs []string) *samplesv1.Config {
	return &samplesv1.Config{
		Spec:   samplesv1.ConfigSpec{ManagementState: st, Architectures: archs},
		Status: samplesv1.ConfigStatus{ManagementState: statusState, Architectures: statusArchs},
	}
}

func someSet() *content.Set {
	return &content.Set{
		ImageStreams: map[string]content.Raw{"ruby": nil},
		Templates:    map[string]content.Raw{"rails-postgresql-example": nil},
	}
}

// Each check of the chain, and the chain's order: the first failure decides.
func TestValidationChain(t *testing.T) {
	forbidding := &configv1.Image{Spec: configv1.ImageSpec{RegistrySources: configv1.RegistrySources{BlockedRegistries: []string{"registry.redhat.io"}}}}
	missingArch := &content.MissingArchError{Arch: "s390x", Looked: []string{"s390x", "ocp-s390x"}}
	withRegistry := func(c *samplesv1.Config, r string) *samplesv1.Config { c.Spec.SamplesRegistry = r; return c }
	for _, tc := range []struct {
		name       string
		cfg        *samplesv1.Config
		image      *configv1.Image
		contentErr error
		reason     string
		says       string
	}{
		{"valid", config("Managed", nil, "", nil), nil, nil, "", ""},
		{"amd64 alias of the installed x86_64", config("Managed", []string{"amd64"}, "Managed", []string{"x86_64"}), nil, nil, "", ""},
		{"unsupported architecture", config("Managed", []string{"sparc"}, "", nil), nil, nil, ReasonUnsupportedArchitecture, `architecture "sparc" is not supported`},
		{"unsupported architecture while Removed", config("Removed", []string{"sparc"}, "", nil), nil, nil, "", ""},
		{"registry with a scheme", withRegistry(config("Managed", nil, "", nil), "https://mirror.example.com"), nil, nil, ReasonInvalidSamplesRegistry, "spec.samplesRegistry: "},
		{"registry host with a port and path", withRegistry(config("Managed", nil, "", nil), "mirror.example.com:5000/samples"), nil, nil, "", ""},
		{"two architectures", config("Managed", []string{"x86_64", "s390x"}, "", nil), nil, nil, ReasonMultipleArchitectures, "lists 2 architectures"},
		{"architecture changed while Managed", config("Managed", []string{"s390x"}, "Managed", []string{"x86_64"}), nil, nil, ReasonArchitectureChanged, "changed from x86_64 to s390x"},
		{"architecture changed while Unmanaged samples exist", config("Managed", []string{"s390x"}, "Unmanaged", []string{"x86_64"}), nil, nil, ReasonArchitectureChanged, "set managementState to Removed"},
		{"architecture changed after removal", config("Managed", []string{"s390x"}, "Removed", nil), nil, nil, "", ""},
		{"image policy forbids the default registries", config("Managed", nil, "", nil), forbidding, nil, ReasonImportForbidden, "the samples' default registries cannot be used: images.config.openshift.io/cluster spec.registrySources.blockedRegistries blocks registry.redhat.io"},
		{"image policy forbids the mirror", withRegistry(config("Managed", nil, "", nil), "mirror.example.com"),
			&configv1.Image{Spec: configv1.ImageSpec{RegistrySources: configv1.RegistrySources{BlockedRegistries: []string{"mirror.example.com"}}}}, nil, ReasonImportForbidden, "spec.samplesRegistry mirror.example.com cannot be used"},
		{"content lacks the architecture", config("Managed", []string{"s390x"}, "", nil), nil, missingArch, ReasonArchitectureNotInContent, `no "s390x" architecture`},
		{"an unreadable tree is no validation failure", config("Managed", nil, "", nil), nil, errors.New("broken file"), "", ""},
		// Order: the unsupported architecture is named before the bad registry, the
		// registry before the image policy.
		{"first failure decides", withRegistry(config("Managed", []string{"sparc", "x86_64"}, "", nil), "https://x"), forbidding, nil, ReasonUnsupportedArchitecture, "sparc"},
		{"syntax before policy", withRegistry(config("Managed", nil, "", nil), "https://x"), forbidding, nil, ReasonInvalidSamplesRegistry, "scheme"},
	} {
		in := &Inputs{Config: tc.cfg, Image: tc.image, ContentErr: tc.contentErr}
		reason, msg := Validate(in, state.PlanFor(tc.cfg))
		if reason != tc.reason || !strings.Contains(msg, tc.says) || (reason == "") != (msg == "") {
			t.Errorf("%s: %s %q, want %s saying %q", tc.name, reason, msg, tc.reason, tc.says)
		}
	}
	if len(Chain) != len(ValidationReasons) {
		t.Fatalf("%d checks, %d reasons", len(Chain), len(ValidationReasons))
	}
	for i, c := range Chain {
		if c.Reason != ValidationReasons[i] {
			t.Errorf("check %d is %s, ValidationReasons lists %s", i, c.Reason, ValidationReasons[i])
		}
	}
}

func conditionsOf(ev Evaluation) map[samplesv1.ConfigConditionType]Condition {
	out := map[samplesv1.ConfigConditionType]Condition{}
	for _, c := range ev.Conditions {
		if _, dup := out[c.Type]; dup {
			panic("condition set twice: " + string(c.Type))
		}
		out[c.Type] = c
	}
	return out
}

func TestEvaluate(t *testing.T) {
	noSecret := credentials.Judge(false, nil)
	noTBR := credentials.Judge(true, []byte(`{"auths":{"quay.io":{"auth":"eDp5"}}}`))
	prior := func(c *samplesv1.Config, t samplesv1.ConfigConditionType, s corev1.ConditionStatus) *samplesv1.Config {
		c.Status.Conditions = conditions.Set(c.Status.Conditions, t, s, "", "", metav1.Now())
		return c
	}
	for _, tc := range []struct {
		name   string
		in     Inputs
		action Action
		gate   bool
		mirror bool
		want   map[samplesv1.ConfigConditionType]string // "Status Reason"
	}{
		{"healthy", Inputs{Config: config("Managed", nil, "", nil), Set: someSet()}, Install, false, true,
			map[samplesv1.ConfigConditionType]string{samplesv1.ConfigurationValid: "True ", samplesv1.ImportCredentialsExist: "True ", samplesv1.ImportImageErrorsExist: "False "}},
		{"no pull secret", Inputs{Config: config("Managed", nil, "", nil), Set: someSet(), Credentials: noSecret}, Install, true, true,
			map[samplesv1.ConfigConditionType]string{samplesv1.ImportCredentialsExist: "False " + ReasonMissingSecret}},
		{"pull secret without registry.redhat.io", Inputs{Config: config("Managed", nil, "", nil), Set: someSet(), Credentials: noTBR}, Install, true, true,
			map[samplesv1.ConfigConditionType]string{samplesv1.ImportCredentialsExist: "False " + ReasonMissingTBRCredential}},
		{"pull secret unread keeps a False", Inputs{Config: prior(config("Managed", nil, "", nil), samplesv1.ImportCredentialsExist, corev1.ConditionFalse), Set: someSet(), Credentials: credentials.Verdict{Unread: true}}, Install, true, true,
			map[samplesv1.ConfigConditionType]string{samplesv1.ConfigurationValid: "True "}},
		{"credentials not checked while Removed", Inputs{Config: config("Removed", nil, "", nil), Set: someSet(), Credentials: noSecret}, Remove, false, true,
			map[samplesv1.ConfigConditionType]string{samplesv1.ImportCredentialsExist: "True ", samplesv1.ConfigurationValid: "True "}},
		{"Unmanaged", Inputs{Config: config("Unmanaged", []string{"sparc"}, "", nil), Set: someSet()}, LeaveAlone, false, true,
			map[samplesv1.ConfigConditionType]string{samplesv1.ConfigurationValid: "True "}},
		{"unsupported architecture", Inputs{Config: config("Managed", []string{"sparc"}, "Managed", []string{"x86_64"}), ContentErr: &content.MissingArchError{Arch: "sparc"}}, Hold, false, false,
			map[samplesv1.ConfigConditionType]string{samplesv1.ConfigurationValid: "False " + ReasonUnsupportedArchitecture}},
		{"import forbidden: the mirror map is still published", Inputs{Config: config("Managed", nil, "", nil), Set: someSet(),
			Image: &configv1.Image{Spec: configv1.ImageSpec{AllowedRegistriesForImport: []configv1.RegistryLocation{{DomainName: "quay.io"}}}}}, Hold, false, true,
			map[samplesv1.ConfigConditionType]string{samplesv1.ConfigurationValid: "False " + ReasonImportForbidden}},
		{"unreadable content", Inputs{Config: config("Managed", nil, "", nil), ContentErr: errors.New("x86_64/ruby/imagestreams/ruby.json: bad")}, WaitForContent, false, false,
			map[samplesv1.ConfigConditionType]string{samplesv1.SamplesExist: "Unknown " + FileSystemError}},
		{"failing imports", Inputs{Config: config("Managed", nil, "", nil), Set: someSet(), ImportErrors: []ImportError{{"ruby", []string{"3.3", "2.5"}}, {"perl", []string{"5.32"}}}}, Install, false, true,
			map[samplesv1.ConfigConditionType]string{samplesv1.ImportImageErrorsExist: "True perl ruby"}},
	} {
		ev := Evaluate(&tc.in)
		got := conditionsOf(ev)
		for typ, want := range tc.want {
			c, ok := got[typ]
			if !ok || string(c.Status)+" "+c.Reason != want {
				t.Errorf("%s: %s = %+v, want %s", tc.name, typ, c, want)
			}
		}
		if ev.Action != tc.action || ev.GateTBR != tc.gate || ev.PublishMirror != tc.mirror {
			t.Errorf("%s: action %d gate %v mirror %v, want %d %v %v", tc.name, ev.Action, ev.GateTBR, ev.PublishMirror, tc.action, tc.gate, tc.mirror)
		}
	}
	ev := Evaluate(&Inputs{Config: config("Managed", nil, "", nil), Set: someSet(), OperatorNamespace: "ns",
		ImportErrors: []ImportError{{"ruby", []string{"3.3", "2.5"}}}})
	if c := conditionsOf(ev)[samplesv1.ImportImageErrorsExist]; c.Message != "These image streams have tags that fail to import: ruby (2.5, 3.3). Details are in the ConfigMaps of the same names in namespace ns." {
		t.Errorf("message %q", c.Message)
	}
	if ev := Evaluate(&Inputs{Config: config("Managed", nil, "", nil), Set: someSet(), ImportErrorsUnread: true}); slices.ContainsFunc(ev.Conditions, func(c Condition) bool { return c.Type == samplesv1.ImportImageErrorsExist }) {
		t.Error("ImportImageErrorsExist set from ConfigMaps that could not be listed")
	}
}

// Read and Firing: each signal from the written conditions, one alert per cause.
func TestSignalsAndAlerts(t *testing.T) {
	now := metav1.Now()
	with := func(typ samplesv1.ConfigConditionType, s corev1.ConditionStatus, reason string) *samplesv1.Config {
		c := config("Managed", nil, "Managed", nil)
		c.Status.Conditions = conditions.EnsureAll(nil, now)
		c.Status.Conditions = conditions.Set(c.Status.Conditions, typ, s, reason, "", now)
		return c
	}
	co := func(degraded configv1.ConditionStatus) *configv1.ClusterOperator {
		return &configv1.ClusterOperator{Status: configv1.ClusterOperatorStatus{Conditions: []configv1.ClusterOperatorStatusCondition{{Type: configv1.OperatorDegraded, Status: degraded}}}}
	}
	tbr := config("Removed", nil, "Removed", nil)
	tbr.Annotations = map[string]string{samplesv1.BootstrapRemovedReasonAnnotation: bootstrap.ReasonRegistryUnreachable}
	for _, tc := range []struct {
		name    string
		cfg     *samplesv1.Config
		co      *configv1.ClusterOperator
		failing []string
		retried bool
		want    []string
	}{
		{"no Config", nil, nil, nil, false, nil},
		{"healthy", with(samplesv1.SamplesExist, corev1.ConditionTrue, ""), co(configv1.ConditionFalse), nil, false, nil},
		{"failing, retried", with(samplesv1.SamplesExist, corev1.ConditionTrue, ""), co(configv1.ConditionFalse), []string{"ruby", "perl"}, true, []string{AlertImportFailing}},
		{"failing, not retried", with(samplesv1.SamplesExist, corev1.ConditionTrue, ""), co(configv1.ConditionFalse), []string{"ruby"}, false, []string{AlertRetriesMissing}},
		{"unsupported architecture: invalid, not Degraded", with(samplesv1.ConfigurationValid, corev1.ConditionFalse, ReasonUnsupportedArchitecture), co(configv1.ConditionFalse), nil, false, []string{AlertInvalidConfig}},
		{"invalid and Degraded", with(samplesv1.ConfigurationValid, corev1.ConditionFalse, ReasonArchitectureChanged), co(configv1.ConditionTrue), nil, false, []string{AlertDegraded, AlertInvalidConfig}},
		{"no pull secret", with(samplesv1.ImportCredentialsExist, corev1.ConditionFalse, ReasonMissingSecret), co(configv1.ConditionFalse), nil, false, []string{AlertMissingSecret}},
		{"no registry.redhat.io entry", with(samplesv1.ImportCredentialsExist, corev1.ConditionFalse, ReasonMissingTBRCredential), co(configv1.ConditionFalse), nil, false, []string{AlertMissingTBR}},
		{"bootstrapped Removed, registry unreachable", tbr, co(configv1.ConditionFalse), nil, false, []string{AlertTBRInaccessible}},
	} {
		got := Read(tc.cfg, tc.co, tc.failing).Firing(tc.retried)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
