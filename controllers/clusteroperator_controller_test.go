package controllers

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	configv1 "github.com/openshift/api/config/v1"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/samples"
)

func clusterOperator(t *testing.T) *configv1.ClusterOperator {
	t.Helper()
	co := &configv1.ClusterOperator{}
	if err := env.Client.Get(context.Background(), clusterOperatorKey, co); err != nil {
		return nil
	}
	return co
}

func coSummary(co *configv1.ClusterOperator) string {
	if co == nil {
		return "<none>"
	}
	var parts []string
	for _, c := range co.Status.Conditions {
		parts = append(parts, fmt.Sprintf("%s=%s/%s", c.Type, c.Status, c.Reason))
	}
	return strings.Join(parts, " ")
}

// waitCO waits until the ClusterOperator's conditions read want (as coSummary prints).
func waitCO(t *testing.T, want string) *configv1.ClusterOperator {
	t.Helper()
	var co *configv1.ClusterOperator
	eventually(t, "ClusterOperator "+want, func() (bool, string) {
		co = clusterOperator(t)
		return coSummary(co) == want, coSummary(co)
	})
	return co
}

func TestClusterOperatorThroughTheStates(t *testing.T) {
	pushRuby(t)
	op := startOperator(t, operatorOptions{retryInterval: time.Hour, clusterOperator: true})
	t.Cleanup(func() {
		if co := clusterOperator(t); co != nil {
			_ = env.Client.Delete(context.Background(), co)
		}
	})
	createConfig(t, managed(), true)

	// Managed, with python failing to import: available, not progressing, not degraded.
	co := waitCO(t, "Available=True/ Progressing=False/FailedImageImports Degraded=False/")
	if msg := co.Status.Conditions[1].Message; !strings.Contains(msg, "import failures for these imagestreams: python ; last import attempt 20") || !strings.HasSuffix(msg, " +0000 UTC") {
		t.Errorf("Progressing message = %q", msg)
	}
	if len(co.Status.Versions) != 1 || co.Status.Versions[0].Version != "4.22.0" || len(co.Status.RelatedObjects) != 4 {
		t.Errorf("versions %v related %v", co.Status.Versions, co.Status.RelatedObjects)
	}
	if msg := co.Status.Conditions[0].Message; msg != "Samples installation successful at 4.22.0" {
		t.Errorf("Available message = %q", msg)
	}

	// Idle: no ClusterOperator writes while nothing changes.
	before := op.writeCount()
	op.afterPass(t, func() {
		u, _ := getSample(t, samples.ImageStreamGVK, "ruby")
		u.SetAnnotations(map[string]string{"touch": "1"})
		_ = env.Client.Update(context.Background(), u)
	})
	for _, w := range op.writesSince(before) {
		if strings.Contains(w, "ClusterOperator") {
			t.Errorf("an idle pass wrote %s", w)
		}
	}

	// An edit by someone else is put back.
	co = clusterOperator(t)
	co.Status.Conditions[0].Status = configv1.ConditionFalse
	if err := env.Client.Status().Update(context.Background(), co); err != nil {
		t.Fatal(err)
	}
	waitCO(t, "Available=True/ Progressing=False/FailedImageImports Degraded=False/")

	editConfig(t, func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Removed })
	co = waitCO(t, "Available=True/CurrentlyRemoved Progressing=False/CurrentlyRemoved Degraded=False/CurrentlyRemoved")
	if msg := co.Status.Conditions[0].Message; msg != "Samples installation was previously successful at 4.22.0 but the samples operator is now Removed" {
		t.Errorf("Removed message = %q", msg)
	}

	editConfig(t, func(s *samplesv1.ConfigSpec) { s.ManagementState = samplesv1.Unmanaged })
	waitCO(t, "Available=True/CurrentlyUnmanaged Progressing=False/CurrentlyUnmanaged Degraded=False/CurrentlyUnmanaged")

	editConfig(t, func(s *samplesv1.ConfigSpec) {
		s.ManagementState = samplesv1.Managed
		s.Architectures = []string{"mips"}
	})
	// As the shipped operator reports it: an unsupported architecture is no failure
	// of the cluster, so upgrades are not blocked.
	co = waitCO(t, "Available=True/UnsupportHWArchitecture Progressing=False/UnsupportHWArchitecture Degraded=False/UnsupportHWArchitecture")
	if msg := co.Status.Conditions[2].Message; !strings.Contains(msg, "mips") {
		t.Errorf("Degraded message = %q", msg)
	}
}
