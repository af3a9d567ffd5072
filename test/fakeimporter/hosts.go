package fakeimporter

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	configv1 "github.com/openshift/api/config/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/openshift/cluster-samples-operator/internal/credentials"
)

// PullFromHosts turns on the importer's per-host mode for the registry hosts given
// (host[:port]): a reference on one of them is pulled from that host over TLS, as
// openshift-apiserver pulls it, with the credentials the cluster pull secret
// (openshift-config/pull-secret) has for the host and the CAs of the ConfigMap that
// images.config.openshift.io/cluster spec.additionalTrustedCA names (key: the host,
// ".." in place of the ":" before a port), on top of the system's. A missing CA fails the
// import with the x509 error, missing credentials with the registry's 401, as in a
// cluster. Other references still resolve against the in-process Registry.
func (i *Importer) PullFromHosts(hosts ...string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.hosts = map[string]bool{}
	for _, h := range hosts {
		i.hosts[h] = true
	}
}

// Disconnect cuts the importer off from every host but those of PullFromHosts, as a
// cluster without internet: a reference elsewhere fails as a lookup that finds no
// host, the error openshift-apiserver reports there. Disconnect(false) reconnects.
func (i *Importer) Disconnect(off bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.disconnected = off
}

func (i *Importer) pulledFromHost(ref string) (string, bool) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return "", false
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	host := r.Context().RegistryStr()
	return host, i.hosts[host]
}

// resolve returns the digest ref points at, from its host in per-host mode or from the
// in-process Registry.
func (i *Importer) resolve(ctx context.Context, ref string) (string, error) {
	host, ok := i.pulledFromHost(ref)
	r, err := name.ParseReference(ref)
	if err != nil {
		return "", err
	}
	if !ok {
		i.mu.Lock()
		off := i.disconnected
		i.mu.Unlock()
		if off {
			h := r.Context().RegistryStr()
			return "", fmt.Errorf("dial tcp: lookup %s: no such host", strings.Split(h, ":")[0])
		}
		return i.Registry.Resolve(ctx, ref)
	}
	pool, err := i.trustedCAs(ctx, host)
	if err != nil {
		return "", err
	}
	auth, err := i.pullSecretAuth(ctx, host)
	if err != nil {
		return "", err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tr.TLSClientConfig.RootCAs = pool
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	desc, err := remote.Head(r, remote.WithContext(ctx), remote.WithTransport(tr), remote.WithAuth(auth))
	if err != nil {
		return "", err
	}
	return desc.Digest.String(), nil
}

// trustedCAs are the system's CAs and those the image configuration adds for host.
func (i *Importer) trustedCAs(ctx context.Context, host string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	img := &configv1.Image{}
	if err := i.reader.Get(ctx, client.ObjectKey{Name: "cluster"}, img); apierrors.IsNotFound(err) {
		return pool, nil
	} else if err != nil {
		return nil, err
	}
	if img.Spec.AdditionalTrustedCA.Name == "" {
		return pool, nil
	}
	cm := &corev1.ConfigMap{}
	if err := i.reader.Get(ctx, client.ObjectKey{Namespace: "openshift-config", Name: img.Spec.AdditionalTrustedCA.Name}, cm); apierrors.IsNotFound(err) {
		return pool, nil
	} else if err != nil {
		return nil, err
	}
	if pem := cm.Data[strings.Replace(host, ":", "..", 1)]; pem != "" {
		pool.AppendCertsFromPEM([]byte(pem))
	}
	return pool, nil
}

// pullSecretAuth is the pull secret's entry for host, or anonymous.
func (i *Importer) pullSecretAuth(ctx context.Context, host string) (authn.Authenticator, error) {
	s := &corev1.Secret{}
	if err := i.reader.Get(ctx, client.ObjectKey{Namespace: credentials.SecretNamespace, Name: credentials.SecretName}, s); apierrors.IsNotFound(err) {
		return authn.Anonymous, nil
	} else if err != nil {
		return nil, err
	}
	var cfg struct {
		Auths map[string]authn.AuthConfig `json:"auths"`
	}
	if err := json.Unmarshal(s.Data[corev1.DockerConfigJsonKey], &cfg); err != nil {
		return nil, fmt.Errorf("the pull secret is no docker config: %w", err)
	}
	a, ok := cfg.Auths[host]
	if !ok {
		return authn.Anonymous, nil
	}
	// AuthConfig's decoding splits "auth" into the user and password already.
	return authn.FromConfig(a), nil
}
