package mirror

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
)

// authFile is a registry auth file in the docker/podman format.
type authFile struct {
	Auths map[string]struct {
		Auth     string `json:"auth"`
		Username string `json:"username"`
		Password string `json:"password"`
	} `json:"auths"`
	// CredsStore names the credential helper (docker-credential-<name>) for every
	// registry without an auths entry; CredHelpers names one per registry.
	CredsStore  string            `json:"credsStore"`
	CredHelpers map[string]string `json:"credHelpers"`
}

// AuthFileKeychain reads credentials per registry host from an auth file: its auths
// entries, and otherwise the credential helpers it names, run as docker runs them.
func AuthFileKeychain(path string) (authn.Keychain, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the auth file: %v", err)
	}
	var f authFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("auth file %s is not a docker/podman auth file: %v", path, err)
	}
	k := &keychain{auths: map[string]authn.Authenticator{}, helpers: map[string]string{}, store: f.CredsStore, path: path}
	for host, a := range f.Auths {
		cfg := authn.AuthConfig{Username: a.Username, Password: a.Password}
		if a.Auth != "" {
			raw, err := base64.StdEncoding.DecodeString(a.Auth)
			if err != nil {
				return nil, fmt.Errorf("auth file %s: the auth of %s is not base64", path, host)
			}
			cfg.Username, cfg.Password, _ = strings.Cut(string(raw), ":")
		}
		k.auths[normalizeHost(host)] = authn.FromConfig(cfg)
	}
	for host, helper := range f.CredHelpers {
		k.helpers[normalizeHost(host)] = helper
	}
	return k, nil
}

func normalizeHost(h string) string {
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(h, "https://"), "http://"), "/")
}

type keychain struct {
	auths   map[string]authn.Authenticator
	helpers map[string]string
	store   string
	path    string
}

// Resolve implements authn.Keychain: the most specific auths entry (host/path, then
// host) wins, then the registry's credential helper, then the file's credsStore.
func (k *keychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if repo, ok := r.(interface{ RepositoryStr() string }); ok {
		if a, ok := k.auths[r.RegistryStr()+"/"+repo.RepositoryStr()]; ok {
			return a, nil
		}
	}
	if a, ok := k.auths[r.RegistryStr()]; ok {
		return a, nil
	}
	helper := k.helpers[r.RegistryStr()]
	if helper == "" {
		helper = k.store
	}
	if helper == "" {
		return authn.Anonymous, nil
	}
	user, secret, err := runHelper(helper, r.RegistryStr())
	if err != nil {
		return nil, fmt.Errorf("auth file %s: credential helper %q for %s: %w", k.path, helper, r.RegistryStr(), err)
	}
	if user == "" && secret == "" {
		return authn.Anonymous, nil
	}
	return authn.FromConfig(authn.AuthConfig{Username: user, Password: secret}), nil
}

// runHelper asks docker-credential-<helper> for a registry's credentials, as docker
// does: "get" with the server on standard input, JSON on standard output.
func runHelper(helper, server string) (user, secret string, err error) {
	bin := "docker-credential-" + helper
	if _, err := exec.LookPath(bin); err != nil {
		return "", "", fmt.Errorf("%s is not on PATH: install it, or put the credentials in the file's auths", bin)
	}
	cmd := exec.Command(bin, "get")
	cmd.Stdin = strings.NewReader(server)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(string(out) + stderr.String())
		if strings.Contains(msg, "credentials not found") {
			return "", "", nil
		}
		return "", "", fmt.Errorf("%s get: %v: %s", bin, err, msg)
	}
	var creds struct{ Username, Secret string }
	if err := json.Unmarshal(out, &creds); err != nil {
		return "", "", errors.New(bin + " get: not a JSON answer")
	}
	return creds.Username, creds.Secret, nil
}
