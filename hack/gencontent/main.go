// Command gencontent writes the operator's built-in samples content (image streams and
// templates, one JSON object per file, <dir>/<arch>/<group>/{imagestreams,templates}/)
// from facts.json: the names, tags, image references and template parameters of the
// real OpenShift samples. Descriptions, display text and template bodies are its own.
//
//	go run ./hack/gencontent OUTDIR                     # facts.json -> OUTDIR
//	go run ./hack/gencontent -extract TREE              # TREE -> facts.json
//
// `make generate` runs the first into internal/content/assets; a test fails when the
// checked-in files drift from facts.json, and another (test/parity) when facts.json
// drifts from the real tree.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

const factsFile = "hack/gencontent/facts.json"

func main() {
	extractFrom := flag.String("extract", "", "Read the facts from this samples tree and write "+factsFile+".")
	flag.Parse()
	if *extractFrom != "" {
		facts, err := extract(*extractFrom)
		must(err)
		data, err := json.MarshalIndent(facts, "", " ")
		must(err)
		must(os.WriteFile(factsFile, append(data, '\n'), 0o644))
		return
	}
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: gencontent OUTDIR | gencontent -extract TREE")
		os.Exit(2)
	}
	data, err := os.ReadFile(factsFile)
	must(err)
	var facts Facts
	must(json.Unmarshal(data, &facts))
	out := flag.Arg(0)
	must(os.RemoveAll(out))
	for arch, af := range facts.Architectures {
		for _, s := range af.ImageStreams {
			write(filepath.Join(out, arch, s.Group, "imagestreams", s.Name+".json"), imageStream(s))
		}
		for _, t := range af.Templates {
			write(filepath.Join(out, arch, t.Group, "templates", t.Name+".json"), template(t, af))
		}
	}
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "gencontent:", err)
		os.Exit(1)
	}
}

type obj = map[string]any

func write(path string, o obj) {
	must(os.MkdirAll(filepath.Dir(path), 0o755))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	must(enc.Encode(o))
	must(os.WriteFile(path, buf.Bytes(), 0o644))
}

// putIf sets m[k] = v when v is not empty.
func putIf(m obj, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func imageStream(s StreamFacts) obj {
	ann := obj{"openshift.io/display-name": s.Name}
	putIf(ann, "openshift.io/provider-display-name", s.Provider)
	meta := obj{"name": s.Name, "annotations": ann}
	if len(s.Labels) > 0 {
		meta["labels"] = s.Labels
	}
	tags := make([]any, 0, len(s.Tags))
	for _, t := range s.Tags {
		desc := fmt.Sprintf("The %s:%s sample, imported from %s.", s.Name, t.Name, t.From)
		if t.FromKind == "ImageStreamTag" {
			desc = fmt.Sprintf("Follows %s:%s.", s.Name, t.From)
		}
		tagAnn := obj{"openshift.io/display-name": s.Name + " " + t.Name, "description": desc}
		putIf(tagAnn, "iconClass", t.Icon)
		putIf(tagAnn, "tags", t.Classes)
		putIf(tagAnn, "version", t.Version)
		putIf(tagAnn, "sampleRepo", t.SampleRepo)
		putIf(tagAnn, "supports", t.Supports)
		importPolicy := obj{}
		if t.Scheduled {
			importPolicy["scheduled"] = true
		}
		tags = append(tags, obj{
			"name":            t.Name,
			"annotations":     tagAnn,
			"from":            obj{"kind": t.FromKind, "name": t.From},
			"importPolicy":    importPolicy,
			"referencePolicy": obj{"type": t.ReferencePolicy},
		})
	}
	return obj{
		"kind": "ImageStream", "apiVersion": "image.openshift.io/v1",
		"metadata": meta,
		"spec":     obj{"lookupPolicy": obj{"local": s.LookupLocal}, "tags": tags},
	}
}

// nameParams are, in order of preference, the parameters a template's objects are
// named after.
var nameParams = []string{"NAME", "APPLICATION_NAME", "DATABASE_SERVICE_NAME", "JENKINS_SERVICE_NAME", "SERVICE_NAME", "CACHE_NAME"}

func template(t TemplateFacts, af *ArchFacts) obj {
	has := map[string]bool{}
	for _, p := range t.Parameters {
		has[p.Name] = true
	}
	name := t.Name
	for _, p := range nameParams {
		if has[p] {
			name = "${" + p + "}"
			break
		}
	}
	ns := "openshift"
	if has["NAMESPACE"] {
		ns = "${NAMESPACE}"
	}
	var objects []any
	if t.Builder != "" {
		repo := sampleRepo(af, t.Builder)
		if has["SOURCE_REPOSITORY_URL"] {
			repo = "${SOURCE_REPOSITORY_URL}"
		}
		objects = append(objects,
			obj{"kind": "ImageStream", "apiVersion": "image.openshift.io/v1", "metadata": obj{"name": name}},
			obj{"kind": "BuildConfig", "apiVersion": "build.openshift.io/v1", "metadata": obj{"name": name},
				"spec": obj{
					"source":   obj{"type": "Git", "git": obj{"uri": repo}},
					"strategy": obj{"type": "Source", "sourceStrategy": obj{"from": obj{"kind": "ImageStreamTag", "name": t.Builder, "namespace": ns}}},
					"output":   obj{"to": obj{"kind": "ImageStreamTag", "name": name + ":latest"}},
					"triggers": []any{obj{"type": "ConfigChange"}, obj{"type": "ImageChange"}},
				}},
			obj{"kind": "Route", "apiVersion": "route.openshift.io/v1", "metadata": obj{"name": name},
				"spec": obj{"to": obj{"kind": "Service", "name": name}}},
		)
		objects = append(objects, workload(name, obj{"kind": "ImageStreamTag", "name": name + ":latest"}, "")...)
	}
	for i, run := range t.Runs {
		n := name
		if t.Builder != "" || i > 0 {
			n = fmt.Sprintf("%s-%s", name, strings.SplitN(run, ":", 2)[0])
			if i == 0 && has["DATABASE_SERVICE_NAME"] && name != "${DATABASE_SERVICE_NAME}" {
				n = "${DATABASE_SERVICE_NAME}"
			}
		}
		objects = append(objects, workload(n, obj{"kind": "ImageStreamTag", "name": run, "namespace": ns}, "")...)
	}
	if t.Image != "" {
		objects = append(objects, workload(name, nil, t.Image)...)
	}
	if len(objects) == 0 {
		// The template names no image: it carries its parameters in a ConfigMap.
		data := obj{}
		for _, p := range t.Parameters {
			data[p.Name] = "${" + p.Name + "}"
		}
		objects = append(objects, obj{"kind": "ConfigMap", "apiVersion": "v1", "metadata": obj{"name": name}, "data": data})
	}
	params := make([]any, 0, len(t.Parameters))
	for _, p := range t.Parameters {
		po := obj{"name": p.Name, "displayName": humanize(p.Name), "description": "Sets " + p.Name + " in the objects of this template."}
		putIf(po, "value", p.Value)
		if p.Required {
			po["required"] = true
		}
		putIf(po, "generate", p.Generate)
		putIf(po, "from", p.From)
		params = append(params, po)
	}
	ann := obj{
		"openshift.io/display-name":          t.Name,
		"description":                        "The " + t.Name + " sample template.",
		"openshift.io/provider-display-name": "Red Hat, Inc.",
	}
	putIf(ann, "iconClass", t.Icon)
	putIf(ann, "tags", t.Classes)
	return obj{
		"kind": "Template", "apiVersion": "template.openshift.io/v1",
		"metadata":   obj{"name": t.Name, "annotations": ann},
		"message":    "Created the objects of the " + t.Name + " sample.",
		"labels":     obj{"template": t.Name},
		"objects":    objects,
		"parameters": params,
	}
}

// workload is a Deployment (and its Service) running an image stream tag (through an
// image trigger) or an image.
func workload(name string, from obj, image string) []any {
	ann := obj{}
	if from != nil {
		trigger, _ := json.Marshal([]any{obj{"from": from, "fieldPath": `spec.template.spec.containers[?(@.name=="main")].image`}})
		ann["image.openshift.io/triggers"] = string(trigger)
		image = " " // set by the trigger
	}
	labels := obj{"app": name}
	return []any{
		obj{"kind": "Service", "apiVersion": "v1", "metadata": obj{"name": name},
			"spec": obj{"selector": labels, "ports": []any{obj{"name": "main", "port": 8080, "targetPort": 8080}}}},
		obj{"kind": "Deployment", "apiVersion": "apps/v1", "metadata": obj{"name": name, "annotations": ann},
			"spec": obj{
				"replicas": 1,
				"selector": obj{"matchLabels": labels},
				"template": obj{"metadata": obj{"labels": labels}, "spec": obj{"containers": []any{
					obj{"name": "main", "image": image, "ports": []any{obj{"containerPort": 8080}}},
				}}},
			}},
	}
}

// sampleRepo is the sample source repository of an image stream tag, following one
// alias.
func sampleRepo(af *ArchFacts, ist string) string {
	stream, tag, _ := strings.Cut(ist, ":")
	for _, s := range af.ImageStreams {
		if s.Name != stream {
			continue
		}
		for _, t := range s.Tags {
			if t.Name == tag && t.SampleRepo != "" {
				return t.SampleRepo
			}
			if t.Name == tag && t.FromKind == "ImageStreamTag" {
				return sampleRepo(af, stream+":"+t.From)
			}
		}
	}
	return "https://github.com/sclorg/s2i-" + stream + "-container.git"
}

func humanize(param string) string {
	words := strings.Split(strings.ToLower(param), "_")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}
