// Command floorclient creates the samples of a content tree, one request each and one
// after the other, as fast as the API server takes them, with the client settings the
// operator has (controller-runtime's config: no client-side rate limit). It prints
// one JSON line: the creates by kind (the bench times the process itself, from its
// start to its exit after the last create acknowledged), and reads the operator's
// convergence against it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/openshift/cluster-samples-operator/internal/content"
)

// Result is what floorclient prints.
type Result struct {
	Creates map[string]int `json:"creates"`
}

func main() {
	assets := flag.String("assets-dir", "", "The content tree (<arch>/<group>/{imagestreams,templates}/*.json).")
	arch := flag.String("arch", "x86_64", "The architecture whose samples are created.")
	namespace := flag.String("namespace", "floor-client", "Where the samples are created (made if missing).")
	flag.Parse()
	res, err := run(*assets, *arch, *namespace)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floorclient:", err)
		os.Exit(1)
	}
	_ = json.NewEncoder(os.Stdout).Encode(res)
}

func run(assets, arch, namespace string) (*Result, error) {
	// As the operator (main.go): --kubeconfig is controller-runtime's flag, and its
	// config leaves client-side rate limiting off.
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return nil, err
	}
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		return nil, err
	}
	inv, err := content.Load(os.DirFS(assets))
	if err != nil {
		return nil, err
	}
	set, ok := inv.For(arch)
	if !ok {
		return nil, fmt.Errorf("no %s content in %s", arch, assets)
	}
	ctx := context.Background()
	if err := client.IgnoreAlreadyExists(c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}})); err != nil {
		return nil, err
	}
	res := &Result{Creates: map[string]int{}}
	create := func(src content.Raw) error {
		u, err := src.Object()
		if err != nil {
			return err
		}
		u.SetNamespace(namespace)
		if err := c.Create(ctx, u); err != nil {
			return fmt.Errorf("%s %s: %w", u.GetKind(), u.GetName(), err)
		}
		res.Creates[u.GetKind()]++
		return nil
	}
	for _, name := range set.ImageStreamNames() {
		if err := create(set.ImageStreams[name]); err != nil {
			return nil, err
		}
	}
	for _, name := range set.TemplateNames() {
		if err := create(set.Templates[name]); err != nil {
			return nil, err
		}
	}
	return res, nil
}
