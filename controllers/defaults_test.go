package controllers

import (
	"strings"
	"testing"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
)

// A reconciler built without its tunables gets the defaults of defaults.go at setup;
// one built without what it cannot run without is refused there, never a nil panic
// or a retry loop later.
func TestReconcilersAreDefaultedOrRefusedAtSetup(t *testing.T) {
	if _, err := NewManager(env.Config, ManagerOptions{}); err == nil {
		t.Error("NewManager without an operator namespace: no error")
	}
	mgr, err := NewManager(env.Config, ManagerOptions{
		OperatorNamespace:  samplesv1.OperatorNamespace,
		MetricsBindAddress: "0", HealthProbeBindAddress: "0", SeveralPerProcess: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	c, ns := mgr.GetClient(), samplesv1.OperatorNamespace

	refused := []struct {
		name  string
		setup func(ctrl.Manager) error
		want  string
	}{
		{"config without client", (&ConfigReconciler{OperatorNamespace: ns, Content: testSource()}).SetupWithManager, "Client is required"},
		{"config without content", (&ConfigReconciler{Client: c, OperatorNamespace: ns}).SetupWithManager, "Content is required"},
		{"config without namespace", (&ConfigReconciler{Client: c, Content: testSource()}).SetupWithManager, "OperatorNamespace is required"},
		{"imports without content", (&ImportReconciler{Client: c, OperatorNamespace: ns}).SetupWithManager, "Content is required"},
		{"imports retrying every millisecond", (&ImportReconciler{Client: c, OperatorNamespace: ns, Content: testSource(), RetryInterval: time.Millisecond}).SetupWithManager, "below"},
		{"clusteroperator without namespace", (&ClusterOperatorReconciler{Client: c}).SetupWithManager, "OperatorNamespace is required"},
		{"bootstrap without client", (&BootstrapReconciler{}).SetupWithManager, "Client is required"},
	}
	for _, tc := range refused {
		if err := tc.setup(mgr); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.want)
		}
	}

	ir := &ImportReconciler{Client: c, OperatorNamespace: ns, Content: testSource()}
	if err := ir.SetupWithManager(mgr); err != nil {
		t.Fatal(err)
	}
	if ir.RetryInterval != DefaultImportRetryInterval || ir.Clock == nil {
		t.Errorf("import reconciler not defaulted: interval %s, clock %v", ir.RetryInterval, ir.Clock)
	}
	b := &BootstrapReconciler{Client: c}
	if err := b.SetupWithManager(mgr); err != nil {
		t.Fatal(err)
	}
	if b.ProbeInterval != DefaultProbeInterval || b.ProbeTimeout != DefaultProbeTimeout || b.DialTimeout != DefaultDialTimeout || b.Clock == nil {
		t.Errorf("bootstrap reconciler not defaulted: %+v", b)
	}
	co := &ClusterOperatorReconciler{Client: c, OperatorNamespace: ns}
	if err := co.SetupWithManager(mgr); err != nil {
		t.Fatal(err)
	}
	if co.Clock == nil {
		t.Error("clusteroperator reconciler has no clock after setup")
	}
}
