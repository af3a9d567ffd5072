package controllers

import (
	"net/http"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
)

// newRESTMapper is controller-runtime's dynamic REST mapper with its answers kept.
// Every cached read asks whether its kind is namespaced, and the dynamic mapper
// answers each time by asking one mapper per API group version of the cluster, each
// failing with an error but the right one: on the real samples tree that was a quarter
// of all the operator allocated to install them (make bench, heap profile, alloc_space
// under apiutil.IsObjectNamespaced). A kind's mapping does not change while its
// resource is served, so the first answer is kept; failures are not kept, so a kind
// served later is still found (the dynamic mapper rediscovers on a miss).
func newRESTMapper(cfg *rest.Config, httpClient *http.Client) (meta.RESTMapper, error) {
	m, err := apiutil.NewDynamicRESTMapper(cfg, httpClient)
	if err != nil {
		return nil, err
	}
	return &keptMapper{RESTMapper: m, one: map[mappingKey]*meta.RESTMapping{}, all: map[mappingKey][]*meta.RESTMapping{}}, nil
}

type keptMapper struct {
	meta.RESTMapper

	mu  sync.RWMutex
	one map[mappingKey]*meta.RESTMapping
	all map[mappingKey][]*meta.RESTMapping
}

type mappingKey struct {
	gk       schema.GroupKind
	versions string
}

func keyOf(gk schema.GroupKind, versions []string) mappingKey {
	return mappingKey{gk: gk, versions: strings.Join(versions, ",")}
}

// RESTMapping is the delegate's answer, kept once it succeeded.
func (m *keptMapper) RESTMapping(gk schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	return kept(&m.mu, m.one, keyOf(gk, versions), func() (*meta.RESTMapping, error) { return m.RESTMapper.RESTMapping(gk, versions...) })
}

// RESTMappings is the delegate's answer, kept once it succeeded.
func (m *keptMapper) RESTMappings(gk schema.GroupKind, versions ...string) ([]*meta.RESTMapping, error) {
	return kept(&m.mu, m.all, keyOf(gk, versions), func() ([]*meta.RESTMapping, error) { return m.RESTMapper.RESTMappings(gk, versions...) })
}

// kept answers k from answers, or asks and keeps the answer when ask succeeds.
func kept[T any](mu *sync.RWMutex, answers map[mappingKey]T, k mappingKey, ask func() (T, error)) (T, error) {
	mu.RLock()
	r, ok := answers[k]
	mu.RUnlock()
	if ok {
		return r, nil
	}
	r, err := ask()
	if err != nil {
		return r, err
	}
	mu.Lock()
	answers[k] = r
	mu.Unlock()
	return r, nil
}
