package mirror

import (
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/docker/cli/cli/config/configfile"
	"github.com/google/go-containerregistry/pkg/authn"
)

// AuthFileKeychain reads credentials per registry from a docker or podman auth file with
// docker/cli's own config package: its auths entries, and the credential helpers its
// credHelpers and credsStore name, run as docker runs them. On top, podman's entries
// for one repository ("host/path", which docker does not have) win for that path.
func AuthFileKeychain(path string) (authn.Keychain, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the auth file: %v", err)
	}
	defer f.Close()
	cf := configfile.New(path)
	if err := cf.LoadFromReader(f); err != nil {
		return nil, fmt.Errorf("auth file %s is not a docker/podman auth file: %v", path, err)
	}
	k := &keychain{file: cf, path: path, repos: map[string]authn.Authenticator{}}
	for key, a := range cf.AuthConfigs {
		if scoped := normalizeHost(key); strings.Contains(scoped, "/") {
			k.repos[scoped] = authn.FromConfig(authn.AuthConfig{Username: a.Username, Password: a.Password,
				IdentityToken: a.IdentityToken, RegistryToken: a.RegistryToken})
			// docker reduces every key to its host, so this entry would compete with the
			// host's own for every repository.
			delete(cf.AuthConfigs, key)
		}
	}
	return k, nil
}

func normalizeHost(h string) string {
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(h, "https://"), "http://"), "/")
}

type keychain struct {
	file  *configfile.ConfigFile
	path  string
	repos map[string]authn.Authenticator
}

// Resolve implements authn.Keychain.
func (k *keychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if repo, ok := r.(interface{ RepositoryStr() string }); ok {
		if a, ok := k.repos[r.RegistryStr()+"/"+repo.RepositoryStr()]; ok {
			return a, nil
		}
	}
	host := r.RegistryStr()
	helper := k.file.CredentialHelpers[host]
	if helper == "" {
		helper = k.file.CredentialsStore
	}
	if helper != "" {
		// Say plainly what is missing, before the library's generic exec error.
		if _, err := exec.LookPath("docker-credential-" + helper); err != nil {
			return nil, fmt.Errorf("auth file %s: credential helper %q for %s: docker-credential-%s is not on PATH: install it, or put the credentials in the file's auths", k.path, helper, host, helper)
		}
	}
	ac, err := k.file.GetAuthConfig(host)
	if err != nil {
		return nil, fmt.Errorf("auth file %s: credentials for %s: %w", k.path, host, err)
	}
	if ac.Username == "" && ac.Password == "" && ac.IdentityToken == "" && ac.RegistryToken == "" {
		return authn.Anonymous, nil
	}
	return authn.FromConfig(authn.AuthConfig{Username: ac.Username, Password: ac.Password,
		IdentityToken: ac.IdentityToken, RegistryToken: ac.RegistryToken}), nil
}
