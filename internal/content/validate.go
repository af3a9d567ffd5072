package content

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/openshift/cluster-samples-operator/internal/imagestream"
)

// validateShape checks the parts of a sample the operator reads, so that a malformed
// file is an error naming it, never a panic later.
func validateShape(obj *unstructured.Unstructured) error {
	switch obj.GetKind() {
	case "ImageStream":
		// The spec tags as imagestream.Tags reads them.
		return imagestream.Check(obj)
	case "Template":
		return validateTemplate(obj)
	}
	return nil
}

// validateTemplate checks a template's objects and parameters.
func validateTemplate(obj *unstructured.Unstructured) error {
	if _, err := list(obj, "objects"); err != nil {
		return err
	}
	params, err := list(obj, "parameters")
	if err != nil {
		return err
	}
	return named("parameters", params)
}

// list is the list at field, nil when there is none.
func list(obj *unstructured.Unstructured, field ...string) ([]any, error) {
	v, found, err := unstructured.NestedFieldNoCopy(obj.Object, field...)
	if err != nil || !found {
		return nil, err
	}
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s is a %T, want a list", strings.Join(field, "."), v)
	}
	return l, nil
}

// named checks that every entry of the list at field is an object with a name.
func named(field string, l []any) error {
	for i, e := range l {
		m, ok := e.(map[string]any)
		if !ok {
			return fmt.Errorf("%s[%d] is a %T, want an object", field, i, e)
		}
		if n, ok := m["name"].(string); !ok || n == "" {
			return fmt.Errorf("%s[%d] has no name", field, i)
		}
	}
	return nil
}
