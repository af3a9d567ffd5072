package fakeimporter

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	configv1 "github.com/openshift/api/config/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/openshift/cluster-samples-operator/internal/credentials"
)

// In per-host mode a mirror is a registry of its own, over TLS with its own CA and basic
// auth: the import fails on x509 until the image configuration trusts the CA, then on
// 401 until the pull secret has the mirror's credentials, then succeeds.
func TestPullFromAHostAsTheClusterWould(t *testing.T) {
	ctx := context.Background()
	srv := NewAuthTLSServer("mirror-user", "mirror-pass")
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "https://")
	ref := host + "/samples/ubi9/ruby-33:latest"
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	tr := srv.Client().Transport
	if err := remote.Write(dst, img, remote.WithTransport(tr), remote.WithAuth(&authn.Basic{Username: "mirror-user", Password: "mirror-pass"})); err != nil {
		t.Fatal(err)
	}
	imp.PullFromHosts(host)
	t.Cleanup(func() { imp.PullFromHosts() })

	if _, err := imp.resolve(ctx, ref); err == nil || !strings.Contains(err.Error(), "x509") {
		t.Errorf("the mirror's CA untrusted: %v", err)
	}
	ca := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "openshift-config", Name: "mirror-ca"},
		Data: map[string]string{strings.Replace(host, ":", "..", 1): string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))}}
	mustCreate(t, ca)
	image := &configv1.Image{ObjectMeta: metav1.ObjectMeta{Name: "cluster"}, Spec: configv1.ImageSpec{AdditionalTrustedCA: configv1.ConfigMapNameReference{Name: "mirror-ca"}}}
	mustCreate(t, image)
	if _, err := imp.resolve(ctx, ref); err == nil || !strings.Contains(strings.ToLower(err.Error()), "unauthorized") {
		t.Errorf("no credentials for the mirror: %v", err)
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: credentials.SecretNamespace, Name: credentials.SecretName}, Type: corev1.SecretTypeDockerConfigJson,
		Data: map[string][]byte{corev1.DockerConfigJsonKey: []byte(`{"auths":{"` + host + `":{"auth":"` + base64.StdEncoding.EncodeToString([]byte("mirror-user:mirror-pass")) + `"}}}`)}}
	_ = env.Client.Delete(ctx, secret)
	mustCreate(t, secret)
	want, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := imp.resolve(ctx, ref); err != nil || got != want.String() {
		t.Errorf("trusted and authenticated: %q, %v; want %s", got, err, want)
	}
	// Other hosts still resolve against the in-process registry.
	if _, err := imp.resolve(ctx, "registry.redhat.io/ubi9/never-pushed:1"); err == nil || !strings.Contains(err.Error(), "manifest unknown") {
		t.Errorf("another host: %v", err)
	}
	// Disconnected, the other hosts are out of reach; the mirror is not.
	imp.Disconnect(true)
	t.Cleanup(func() { imp.Disconnect(false) })
	if _, err := imp.resolve(ctx, "registry.redhat.io/ubi9/never-pushed:1"); err == nil || !strings.Contains(err.Error(), "no such host") {
		t.Errorf("another host, disconnected: %v", err)
	}
	if got, err := imp.resolve(ctx, ref); err != nil || got != want.String() {
		t.Errorf("the mirror, disconnected: %q, %v; want %s", got, err, want)
	}
}

func mustCreate(t *testing.T, o client.Object) {
	t.Helper()
	if err := env.Client.Create(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), o) })
}
