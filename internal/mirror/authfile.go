package mirror

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
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
}

// AuthFileKeychain reads credentials per registry host from an auth file.
func AuthFileKeychain(path string) (authn.Keychain, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the auth file: %v", err)
	}
	var f authFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("auth file %s is not a docker/podman auth file: %v", path, err)
	}
	k := keychain{}
	for host, a := range f.Auths {
		cfg := authn.AuthConfig{Username: a.Username, Password: a.Password}
		if a.Auth != "" {
			raw, err := base64.StdEncoding.DecodeString(a.Auth)
			if err != nil {
				return nil, fmt.Errorf("auth file %s: the auth of %s is not base64", path, host)
			}
			cfg.Username, cfg.Password, _ = strings.Cut(string(raw), ":")
		}
		k[strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(host, "https://"), "http://"), "/")] = authn.FromConfig(cfg)
	}
	return k, nil
}

type keychain map[string]authn.Authenticator

// Resolve implements authn.Keychain: the most specific entry (host/path, then host) wins.
func (k keychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if repo, ok := r.(interface{ RepositoryStr() string }); ok {
		if a, ok := k[r.RegistryStr()+"/"+repo.RepositoryStr()]; ok {
			return a, nil
		}
	}
	if a, ok := k[r.RegistryStr()]; ok {
		return a, nil
	}
	return authn.Anonymous, nil
}
