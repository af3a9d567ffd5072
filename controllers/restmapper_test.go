package controllers

import (
	"errors"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// countingMapper answers every kind it was given and counts the questions.
type countingMapper struct {
	meta.RESTMapper
	known map[schema.GroupKind]bool
	asked int
}

func (c *countingMapper) RESTMapping(gk schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	c.asked++
	if !c.known[gk] {
		return nil, &meta.NoKindMatchError{GroupKind: gk, SearchedVersions: versions}
	}
	return &meta.RESTMapping{GroupVersionKind: gk.WithVersion(versions[0]), Scope: meta.RESTScopeNamespace}, nil
}

func (c *countingMapper) RESTMappings(gk schema.GroupKind, versions ...string) ([]*meta.RESTMapping, error) {
	m, err := c.RESTMapping(gk, versions...)
	if err != nil {
		return nil, err
	}
	return []*meta.RESTMapping{m}, nil
}

// The kept mapper asks its delegate once per kind and versions it found, and again for
// every miss, so that a kind served later is found.
func TestKeptMapperKeepsOnlyAnswers(t *testing.T) {
	is := schema.GroupKind{Group: "image.openshift.io", Kind: "ImageStream"}
	late := schema.GroupKind{Group: "late.example.com", Kind: "Late"}
	d := &countingMapper{known: map[schema.GroupKind]bool{is: true}}
	m := &keptMapper{RESTMapper: d, one: map[mappingKey]*meta.RESTMapping{}, all: map[mappingKey][]*meta.RESTMapping{}}
	for range 3 {
		if r, err := m.RESTMapping(is, "v1"); err != nil || r.Scope.Name() != meta.RESTScopeNameNamespace {
			t.Fatalf("RESTMapping: %v, %v", r, err)
		}
		if _, err := m.RESTMappings(is, "v1"); err != nil {
			t.Fatal(err)
		}
	}
	if d.asked != 2 {
		t.Errorf("the delegate was asked %d times for one kind, want 2 (once per method)", d.asked)
	}
	for range 2 {
		if _, err := m.RESTMapping(late, "v1"); !meta.IsNoMatchError(errors.Unwrap(err)) && !meta.IsNoMatchError(err) {
			t.Fatalf("a kind not served: %v", err)
		}
	}
	d.known[late] = true
	if _, err := m.RESTMapping(late, "v1"); err != nil {
		t.Errorf("a kind served after a miss is not found: %v", err)
	}
	if d.asked != 5 {
		t.Errorf("the delegate was asked %d times, want 5 (misses are not kept)", d.asked)
	}
}
