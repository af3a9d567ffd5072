package controllers

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/metrics"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

// serviceAccountToken makes a service account allowed to GET /metrics and returns a token.
func serviceAccountToken(t *testing.T, allowed bool) string {
	t.Helper()
	return tokenFor(t, scraperServiceAccount(t, allowed))
}

// scraperServiceAccount makes a service account, bound to a role granting GET /metrics
// when allowed.
func scraperServiceAccount(t *testing.T, allowed bool) *corev1.ServiceAccount {
	t.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("scraper-%v-%d", allowed, time.Now().UnixNano())
	sa := &corev1.ServiceAccount{}
	sa.Namespace, sa.Name = "openshift-cluster-samples-operator", name
	if err := env.Client.Create(ctx, sa); err != nil {
		t.Fatal(err)
	}
	if allowed {
		role := &rbacv1.ClusterRole{Rules: []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}}}
		role.Name = name
		binding := &rbacv1.ClusterRoleBinding{
			RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: name},
			Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: sa.Namespace, Name: name}},
		}
		binding.Name = name
		if err := env.Client.Create(ctx, role); err != nil {
			t.Fatal(err)
		}
		if err := env.Client.Create(ctx, binding); err != nil {
			t.Fatal(err)
		}
	}
	return sa
}

// tokenFor asks a TokenRequest of sa for audiences: the API server's own when none.
func tokenFor(t *testing.T, sa *corev1.ServiceAccount, audiences ...string) string {
	t.Helper()
	cs := kubernetes.NewForConfigOrDie(env.Config)
	tok, err := cs.CoreV1().ServiceAccounts(sa.Namespace).CreateToken(context.Background(), sa.Name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
			Audiences: audiences, ExpirationSeconds: ptr.To[int64](3600),
		}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tok.Status.Token
}

func scrape(t *testing.T, addr, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "https://"+addr+"/metrics", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	//nolint:gosec // the test server's certificate is self-signed
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestMetricsEndpointIsAuthenticated(t *testing.T) {
	reg := ctrlmetrics.Registry
	col := metrics.NewRetryCounter()
	if err := reg.Register(col); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Unregister(col) })
	col.WithLabelValues("ruby").Inc()

	addr := startSecureMetrics(t)
	good := serviceAccountToken(t, true)
	var code int
	var body string
	eventually(t, "an authorized scrape", func() (bool, string) {
		code, body = scrape(t, addr, good)
		return code == http.StatusOK, fmt.Sprint(code, " ", body)
	})
	if !strings.Contains(body, `openshift_samples_retry_imagestream_import_total{imagestreamname="ruby"} 1`) {
		t.Errorf("scrape lacks the operator's metrics:\n%s", body)
	}
	if code, _ := scrape(t, addr, ""); code != http.StatusUnauthorized {
		t.Errorf("scrape without a token: %d, want 401", code)
	}
	if code, _ := scrape(t, addr, serviceAccountToken(t, false)); code != http.StatusForbidden {
		t.Errorf("scrape with an unauthorized token: %d, want 403", code)
	}
}

// TestMetricsEndpointRefusesTokens: tokens of service accounts bound to the role, which
// the API server itself does not authenticate, are refused with 401.
func TestMetricsEndpointRefusesTokens(t *testing.T) {
	addr := startSecureMetrics(t)
	good := serviceAccountToken(t, true)
	eventually(t, "an authorized scrape", func() (bool, string) {
		code, body := scrape(t, addr, good)
		return code == http.StatusOK, fmt.Sprint(code, " ", body)
	})

	// The TokenReview names no audiences, so the API server checks the token against its own.
	if code, body := scrape(t, addr, tokenFor(t, scraperServiceAccount(t, true), "other")); code != http.StatusUnauthorized {
		t.Errorf("scrape with a token for another audience: %d %s, want 401", code, body)
	}

	// A token never used before its service account is deleted, so that no cache, the
	// API server's or the filter's, remembers it authenticated. The API server's
	// service-account lookup may lag the deletion a moment: wait until it refuses the
	// token itself.
	ctx := context.Background()
	sa := scraperServiceAccount(t, true)
	orphan := tokenFor(t, sa)
	if err := env.Client.Delete(ctx, sa); err != nil {
		t.Fatal(err)
	}
	cs := kubernetes.NewForConfigOrDie(env.Config)
	eventually(t, "the API server refusing the deleted service account's token", func() (bool, string) {
		r, err := cs.AuthenticationV1().TokenReviews().Create(ctx,
			&authenticationv1.TokenReview{Spec: authenticationv1.TokenReviewSpec{Token: orphan}}, metav1.CreateOptions{})
		if err != nil {
			return false, err.Error()
		}
		return !r.Status.Authenticated, fmt.Sprintf("%+v", r.Status)
	})
	if code, body := scrape(t, addr, orphan); code != http.StatusUnauthorized {
		t.Errorf("scrape with a deleted service account's token: %d %s, want 401", code, body)
	}

	// Over the wire, a token longer than maxTokenLen is refused before any review.
	if code, body := scrape(t, addr, strings.Repeat("a", maxTokenLen+1)); code != http.StatusUnauthorized {
		t.Errorf("scrape with an oversized token: %d %s, want 401", code, body)
	}
}

// startSecureMetrics runs the manager main.go builds, with metrics served as
// --metrics-secure serves them, until the test ends, and returns the metrics address.
func startSecureMetrics(t *testing.T) string {
	t.Helper()
	addr := testenv.FreeAddr(t)
	mgr, err := NewManager(env.Config, ManagerOptions{
		OperatorNamespace:  samplesv1.OperatorNamespace,
		MetricsBindAddress: addr, MetricsSecure: true,
		HealthProbeBindAddress: "0",
		SeveralPerProcess:      true,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("the manager stopped with an error: %v", err)
		}
	})
	return addr
}
