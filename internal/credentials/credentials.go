// Package credentials decides whether the samples that come from the terms-based
// registry (registry.redhat.io) can be imported: the cluster pull secret must hold
// credentials for it, unless samplesRegistry points elsewhere.
package credentials

import (
	"encoding/json"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/openshift/cluster-samples-operator/internal/imagestream"
)

// The terms-based registry and the secret holding the cluster's pull credentials.
const (
	TBR             = "registry.redhat.io"
	SecretNamespace = "openshift-config"
	SecretName      = "pull-secret"
	SecretKey       = ".dockerconfigjson"
)

// HasTBR tells whether a .dockerconfigjson holds credentials for registry.redhat.io.
func HasTBR(dockerConfigJSON []byte) (bool, error) {
	var cfg struct {
		Auths map[string]json.RawMessage `json:"auths"`
	}
	if err := json.Unmarshal(dockerConfigJSON, &cfg); err != nil {
		return false, fmt.Errorf("key %s of secret %s/%s is not a docker config: %w", SecretKey, SecretNamespace, SecretName, err)
	}
	for host := range cfg.Auths {
		h := strings.TrimPrefix(strings.TrimPrefix(host, "https://"), "http://")
		if h == TBR || strings.HasPrefix(h, TBR+"/") {
			return true, nil
		}
	}
	return false, nil
}

// Gated tells whether samples from registry.redhat.io need the credentials: yes unless
// samplesRegistry points at a registry other than Red Hat's.
func Gated(samplesRegistry string) bool {
	host, _, _ := strings.Cut(samplesRegistry, "/")
	return host == "" || host == TBR || host == "registry.access.redhat.com"
}

// FromTBR tells whether a content image stream has an image on registry.redhat.io.
func FromTBR(is *unstructured.Unstructured) bool {
	if repo, _, _ := unstructured.NestedString(is.Object, "spec", "dockerImageRepository"); strings.HasPrefix(repo, TBR+"/") {
		return true
	}
	for t := range imagestream.Tags(is) {
		if t.FromKind == "DockerImage" && strings.HasPrefix(t.FromName, TBR+"/") {
			return true
		}
	}
	return false
}

// Verdict is what the pull secret means for the samples from registry.redhat.io.
type Verdict struct {
	// Unread tells that the secret could not be read this pass.
	Unread bool
	// Problem says why it gives no registry.redhat.io credentials ("" when it does).
	Problem string
	// Unusable tells that the secret is missing, or its key is missing or no docker
	// config, rather than lacking the registry.redhat.io entry.
	Unusable bool
}

// Judge tells what the pull secret's .dockerconfigjson gives (present false: there is
// no secret).
func Judge(present bool, dockerConfigJSON []byte) Verdict {
	name := SecretNamespace + "/" + SecretName
	if !present {
		return Verdict{Problem: "secret " + name + " does not exist", Unusable: true}
	}
	ok, err := HasTBR(dockerConfigJSON)
	if err != nil {
		return Verdict{Problem: err.Error(), Unusable: true}
	}
	if !ok {
		return Verdict{Problem: "key " + SecretKey + " of secret " + name + " has no credentials for registry.redhat.io"}
	}
	return Verdict{}
}
