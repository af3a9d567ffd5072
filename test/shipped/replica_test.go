package shipped

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"

	"github.com/openshift/cluster-samples-operator/test/testenv"
)

// What a local process gets in place of the pod, and nothing else: the rest of the
// Deployment's command, args and env is used as written.
//
//	command[0]                        the binary built from this tree
//	--metrics-bind-address            added: 127.0.0.1:<free port> (the pod's :60000)
//	--health-probe-bind-address       added: 127.0.0.1:<free port> (the pod's :8081)
//	--metrics-cert-dir=<volume mount> a directory holding a generated serving certificate
//	--assets-dir=<image path>         a directory laid out as the image's samples tree:
//	                                  the real samples (../shared/corpus/ocp) when present,
//	                                  else the built-in ones (samplesTree)
//	env from the downward API         metadata.namespace: the install namespace
//	KUBECONFIG                        the API server with a TokenRequest token of the
//	                                  Deployment's service account
//	extraEnv                          what a test adds (the proxy variables OLM injects)
//	--registry-probe-timeout          added when probeTimeout is set (the signal matrix's
//	                                  unreachable registry at bootstrap, instead of 3m)
type substitutions struct {
	metricsAddr, healthAddr string
	certDir                 string
	kubeconfig              string
	namespace               string
	// releaseVersion, when set, replaces RELEASE_VERSION: the new revision of a rolling
	// update.
	releaseVersion string
	extraEnv       []string
	probeTimeout   string
}

// replica is one running operator process.
type replica struct {
	name                    string
	cmd                     *exec.Cmd
	metricsAddr, healthAddr string
	log                     *testenv.SyncBuffer
	exited                  chan struct{}
	readiness               *corev1.Probe
}

// serviceAccountToken asks the API server for a token of a service account.
func serviceAccountToken(t *testing.T, namespace, name string) string {
	t.Helper()
	cs, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := cs.CoreV1().ServiceAccounts(namespace).CreateToken(context.Background(), name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("token for %s/%s: %v", namespace, name, err)
	}
	return tr.Status.Token
}

// kubeconfigFor writes a kubeconfig that authenticates with token.
func kubeconfigFor(t *testing.T, dir, token string) string {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["envtest"] = &clientcmdapi.Cluster{Server: env.Config.Host, CertificateAuthorityData: env.Config.CAData}
	cfg.AuthInfos["sa"] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts["sa"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "sa"}
	cfg.CurrentContext = "sa"
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, dir, "kubeconfig", data)
}

// servingCert writes tls.crt and tls.key for 127.0.0.1, as the service CA would into
// the mounted secret.
func servingCert(t *testing.T, dir string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "metrics"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "tls.crt", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	writeFile(t, dir, "tls.key", pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}))
}

// binaryDefaults reads the default listen addresses from the binary's --help, so that
// the Deployment's container ports are checked against what the binary listens on.
func binaryDefaults(t *testing.T) (metricsPort, healthPort int32) {
	t.Helper()
	out, _ := exec.Command(binary, "--help").CombinedOutput()
	port := func(flag string) int32 {
		m := regexp.MustCompile(`-` + flag + ` string\n[^\n]*\(default ":(\d+)"\)`).FindSubmatch(out)
		if m == nil {
			t.Fatalf("no default for --%s in --help:\n%s", flag, out)
		}
		n, _ := strconv.Atoi(string(m[1]))
		return int32(n)
	}
	return port("metrics-bind-address"), port("health-probe-bind-address")
}

// start runs one replica of in's Deployment with subs.
func (in installation) start(t *testing.T, name string, subs substitutions) *replica {
	t.Helper()
	pod := in.deployment.Spec.Template.Spec
	c := pod.Containers[0]
	dir := t.TempDir()
	subs.metricsAddr, subs.healthAddr = testenv.FreeAddr(t), testenv.FreeAddr(t)
	subs.certDir = dir
	servingCert(t, dir)
	subs.kubeconfig = kubeconfigFor(t, dir, serviceAccountToken(t, in.namespace, pod.ServiceAccountName))
	subs.namespace = in.namespace

	args := append([]string{}, c.Command[1:]...)
	for _, a := range c.Args {
		if k, _, ok := strings.Cut(a, "="); ok && k == "--metrics-cert-dir" {
			a = k + "=" + subs.certDir
		} else if ok && k == "--assets-dir" {
			a = k + "=" + samplesTree
		}
		args = append(args, a)
	}
	args = append(args, "--metrics-bind-address="+subs.metricsAddr, "--health-probe-bind-address="+subs.healthAddr)
	if subs.probeTimeout != "" {
		args = append(args, "--registry-probe-timeout="+subs.probeTimeout)
	}

	environ := []string{"KUBECONFIG=" + subs.kubeconfig, "HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	for _, e := range c.Env {
		v := e.Value
		switch {
		case e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.namespace":
			v = subs.namespace
		case e.ValueFrom != nil:
			t.Fatalf("env %s: a source the test does not stand in for: %+v", e.Name, e.ValueFrom)
		case e.Name == "RELEASE_VERSION" && subs.releaseVersion != "":
			v = subs.releaseVersion
		}
		environ = append(environ, e.Name+"="+v)
	}
	environ = append(environ, subs.extraEnv...)

	r := &replica{name: name, metricsAddr: subs.metricsAddr, healthAddr: subs.healthAddr, log: &testenv.SyncBuffer{},
		exited: make(chan struct{}), readiness: c.ReadinessProbe}
	r.cmd = exec.Command(binary, args...)
	r.cmd.Env = environ
	r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = r.cmd.Wait(); close(r.exited) }()
	t.Cleanup(func() {
		r.stop()
		if t.Failed() {
			t.Logf("log of %s:\n%s", r.name, tail(r.log.String(), 60))
		}
	})
	return r
}

func tail(s string, lines int) string {
	l := strings.Split(s, "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

// stop sends SIGTERM, as the kubelet does, and SIGKILL after the grace period.
func (r *replica) stop() {
	select {
	case <-r.exited:
		return
	default:
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(30 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.exited
	}
}

// probe runs a Deployment probe against the replica as the kubelet would: an HTTP GET
// of its path on the port it names, success for 200-399.
func (r *replica) probe(p *corev1.Probe, ports map[string]int32, addrs map[int32]string) error {
	if p == nil || p.HTTPGet == nil {
		return fmt.Errorf("no httpGet probe")
	}
	port := p.HTTPGet.Port
	num := port.IntVal
	if port.Type == intstr.String {
		num = ports[port.StrVal]
	}
	addr, ok := addrs[num]
	if !ok {
		return fmt.Errorf("the probe's port %s is none the binary listens on", port.String())
	}
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + addr + p.HTTPGet.Path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return fmt.Errorf("%s: %d %s", p.HTTPGet.Path, resp.StatusCode, body)
	}
	return nil
}

// scrape GETs /metrics over HTTPS with token (none when empty).
func (r *replica) scrape(token string) (int, string, error) {
	req, err := http.NewRequest(http.MethodGet, "https://"+r.metricsAddr+"/metrics", nil)
	if err != nil {
		return 0, "", err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		// The test generated the certificate; what is checked here is the authn/authz.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // the test's own certificate
	}}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), nil
}
