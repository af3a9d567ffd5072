package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

type scenario struct {
	name, description string
	// content builds a content tree under dir and returns it (nil: the real tree).
	content func(dir string) (string, error)
	// prepare creates objects before the operator starts and returns how many.
	prepare func(ctx context.Context, env *testenv.Env) (int, error)
	idle    time.Duration // 0: --idle
}

// Sizes of the foreign objects of the foreign scenario.
const (
	foreignImageStreams = 5000
	foreignTemplates    = 2000
	foreignConfigMaps   = 5000
	foreignSecrets      = 5000
	foreignTags         = 10
	foreignHistory      = 3        // status history items per tag
	foreignTemplateSize = 20 << 10 // bytes of a foreign template
)

func scenarioNamed(name string, f flags) (scenario, error) {
	switch name {
	case "real":
		return scenario{name: name, description: "the real x86_64 samples"}, nil
	case "foreign":
		return scenario{name: name, description: fmt.Sprintf("the real samples with %d image streams and %d templates of users in openshift, %d ConfigMaps and %d Secrets elsewhere",
			foreignImageStreams, foreignTemplates, foreignConfigMaps, foreignSecrets), prepare: createForeign}, nil
	case "synthetic-500", "synthetic-2000":
		n := 500
		if name == "synthetic-2000" {
			n = 2000
		}
		return scenario{name: name, description: fmt.Sprintf("%d samples copied from the real tree's shapes", n),
			content: func(dir string) (string, error) { return synthesize(f.assets, filepath.Join(dir, "content"), n) }}, nil
	case "idle":
		return scenario{name: name, description: "the real samples, idle for " + f.longIdle.String(), idle: f.longIdle}, nil
	}
	return scenario{}, fmt.Errorf("unknown scenario %q", name)
}

const arch = "x86_64"

// countSamples counts the image stream and template files of the x86_64 tree, and
// their bytes.
func countSamples(root string) (n int, bytes int64, err error) {
	err = filepath.WalkDir(filepath.Join(root, arch), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json") {
			n++
			info, err := d.Info()
			if err != nil {
				return err
			}
			bytes += info.Size()
		}
		return err
	})
	return n, bytes, err
}

// synthesize writes n samples to out/x86_64: the real tree's files, then copies of them
// renamed with a -s<k> suffix in groups <group>-s<k>, until there are n.
func synthesize(real, out string, n int) (string, error) {
	type sample struct{ group, kind, file string }
	var all []sample
	base := filepath.Join(real, arch)
	err := filepath.WalkDir(base, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		rel, _ := filepath.Rel(base, path)
		parts := strings.Split(rel, string(filepath.Separator))
		if len(parts) != 3 {
			return fmt.Errorf("unexpected file %s", path)
		}
		all = append(all, sample{parts[0], parts[1], path})
		return nil
	})
	if err != nil || len(all) == 0 {
		return "", fmt.Errorf("reading %s: %v (%d files)", base, err, len(all))
	}
	for i := 0; i < n; i++ {
		s, copyNo := all[i%len(all)], i/len(all)
		data, err := os.ReadFile(s.file)
		if err != nil {
			return "", err
		}
		group := s.group
		if copyNo > 0 {
			suffix := fmt.Sprintf("-s%d", copyNo)
			group += suffix
			var obj map[string]any
			if err := json.Unmarshal(data, &obj); err != nil {
				return "", fmt.Errorf("%s: %w", s.file, err)
			}
			meta, _ := obj["metadata"].(map[string]any)
			if meta == nil {
				return "", fmt.Errorf("%s: no metadata", s.file)
			}
			meta["name"] = fmt.Sprint(meta["name"]) + suffix
			if data, err = json.Marshal(obj); err != nil {
				return "", err
			}
		}
		dir := filepath.Join(out, arch, group, s.kind)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(s.file)), data, 0o644); err != nil {
			return "", err
		}
	}
	return out, nil
}

// createForeign fills the cluster with what users keep there: image streams and
// templates of their own in openshift (no samples label), ConfigMaps and Secrets in
// their namespaces.
func createForeign(ctx context.Context, env *testenv.Env) (int, error) {
	cfg := *env.Config
	cfg.QPS, cfg.Burst = 2000, 4000
	c, err := client.New(&cfg, client.Options{Scheme: env.Scheme})
	if err != nil {
		return 0, err
	}
	const namespaces = 10
	for i := 0; i < namespaces; i++ {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("bench-users-%d", i)}}
		if err := c.Create(ctx, ns); err != nil {
			return 0, err
		}
	}
	jobs := make(chan func() error)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				if err := job(); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	payload := strings.Repeat("x", foreignTemplateSize)
	count := 0
	send := func(job func() error) {
		count++
		jobs <- job
	}
	for i := 0; i < foreignImageStreams; i++ {
		send(func() error { return foreignImageStream(ctx, c, i) })
	}
	for i := 0; i < foreignTemplates; i++ {
		send(func() error { return c.Create(ctx, foreignTemplate(i, payload)) })
	}
	for i := 0; i < foreignConfigMaps; i++ {
		send(func() error {
			cm := &corev1.ConfigMap{Data: map[string]string{"settings": strings.Repeat("y", 1024)}}
			cm.Namespace, cm.Name = fmt.Sprintf("bench-users-%d", i%namespaces), fmt.Sprintf("app-%d", i)
			return c.Create(ctx, cm)
		})
	}
	for i := 0; i < foreignSecrets; i++ {
		send(func() error {
			s := &corev1.Secret{Data: map[string][]byte{"token": []byte(strings.Repeat("z", 256))}}
			s.Namespace, s.Name = fmt.Sprintf("bench-users-%d", i%namespaces), fmt.Sprintf("app-%d", i)
			return c.Create(ctx, s)
		})
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return count, err
	default:
	}
	return count + namespaces, nil
}

// foreignImageStream creates a user's image stream in openshift with foreignTags tags,
// each with foreignHistory items of import history in its status.
func foreignImageStream(ctx context.Context, c client.Client, i int) error {
	name := fmt.Sprintf("user-stream-%d", i)
	var specTags, statusTags []any
	for t := 0; t < foreignTags; t++ {
		tag := fmt.Sprintf("v%d", t)
		specTags = append(specTags, map[string]any{
			"name":            tag,
			"from":            map[string]any{"kind": "DockerImage", "name": fmt.Sprintf("quay.io/example/%s:%s", name, tag)},
			"referencePolicy": map[string]any{"type": "Local"}, "importPolicy": map[string]any{"scheduled": true},
		})
		var items []any
		for h := 0; h < foreignHistory; h++ {
			digest := fmt.Sprintf("sha256:%064x", i*1000+t*10+h)
			items = append(items, map[string]any{
				"created": "2026-01-02T03:04:05Z", "dockerImageReference": "quay.io/example/" + name + "@" + digest,
				"image": digest, "generation": int64(1),
			})
		}
		statusTags = append(statusTags, map[string]any{"tag": tag, "items": items})
	}
	is := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "image.openshift.io/v1", "kind": "ImageStream",
		"metadata": map[string]any{"name": name, "namespace": samplesv1.SamplesNamespace,
			"labels": map[string]any{"app": "user"}},
		"spec": map[string]any{"lookupPolicy": map[string]any{"local": false}, "tags": specTags},
	}}
	if err := c.Create(ctx, is); err != nil {
		return err
	}
	is.Object["status"] = map[string]any{"dockerImageRepository": "image-registry.openshift-image-registry.svc:5000/openshift/" + name, "tags": statusTags}
	return c.Status().Update(ctx, is)
}

// foreignTemplate is a user's template in openshift of about foreignTemplateSize bytes.
func foreignTemplate(i int, payload string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "template.openshift.io/v1", "kind": "Template",
		"metadata": map[string]any{"name": fmt.Sprintf("user-template-%d", i), "namespace": samplesv1.SamplesNamespace,
			"annotations": map[string]any{"description": "a user's template"}},
		"parameters": []any{map[string]any{"name": "NAME", "value": "app"}},
		"objects": []any{map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": "${NAME}"}, "data": map[string]any{"payload": payload}}},
	}}
}

// shippedGoEnv is the Go runtime settings (GOGC, GOMEMLIMIT, ...) of the shipped
// Deployment: the operator is measured as it runs in a cluster.
func shippedGoEnv() ([]string, error) {
	path := filepath.Join(testenv.RepoRoot(), "manifests", "0000_50_cluster-samples-operator_06-deployment.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var d appsv1.Deployment
	if err := yaml.Unmarshal(data, &d); err != nil || len(d.Spec.Template.Spec.Containers) == 0 {
		return nil, fmt.Errorf("%s: no Deployment with a container (%v)", path, err)
	}
	var env []string
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		if strings.HasPrefix(e.Name, "GO") && e.ValueFrom == nil {
			env = append(env, e.Name+"="+e.Value)
		}
	}
	return env, nil
}
