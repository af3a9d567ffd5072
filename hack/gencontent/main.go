// Command gencontent writes the operator's embedded samples content (image streams and
// templates, one JSON object per file) from the catalogue below, for every architecture:
//
//	go run ./hack/gencontent OUTDIR
//
// `make generate` runs it into internal/content/assets; a test fails when the checked-in
// files drift from this catalogue.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

const provider = "Red Hat, Inc."

// version is one tag of a builder or database image stream.
type version struct {
	tag, version, image, os string
}

// stream is one image stream of the catalogue.
type stream struct {
	name, display, icon, kind string // kind: builder or database
	lang, sampleRepo          string
	versions                  []version // newest first; latest points at the first
	// notOn lists architectures the images are not built for.
	notOn []string
}

var streams = []stream{
	{name: "ruby", display: "Ruby", icon: "icon-ruby", kind: "builder", lang: "ruby", sampleRepo: "https://github.com/sclorg/ruby-ex.git", versions: []version{
		{"3.3-ubi9", "3.3", "registry.redhat.io/ubi9/ruby-33:latest", "UBI 9"},
		{"3.3-ubi8", "3.3", "registry.redhat.io/ubi8/ruby-33:latest", "UBI 8"},
		{"3.1-ubi9", "3.1", "registry.redhat.io/ubi9/ruby-31:latest", "UBI 9"},
		{"3.0-ubi9", "3.0", "registry.redhat.io/ubi9/ruby-30:latest", "UBI 9"},
	}},
	{name: "python", display: "Python", icon: "icon-python", kind: "builder", lang: "python", sampleRepo: "https://github.com/sclorg/django-ex.git", versions: []version{
		{"3.12-ubi9", "3.12", "registry.redhat.io/ubi9/python-312:latest", "UBI 9"},
		{"3.11-ubi9", "3.11", "registry.redhat.io/ubi9/python-311:latest", "UBI 9"},
		{"3.9-ubi9", "3.9", "registry.redhat.io/ubi9/python-39:latest", "UBI 9"},
		{"3.6-ubi8", "3.6", "registry.redhat.io/ubi8/python-36:latest", "UBI 8"},
	}},
	{name: "nodejs", display: "Node.js", icon: "icon-nodejs", kind: "builder", lang: "nodejs", sampleRepo: "https://github.com/sclorg/nodejs-ex.git", versions: []version{
		{"22-ubi9", "22", "registry.redhat.io/ubi9/nodejs-22:latest", "UBI 9"},
		{"22-ubi9-minimal", "22", "registry.redhat.io/ubi9/nodejs-22-minimal:latest", "UBI 9 minimal"},
		{"20-ubi9", "20", "registry.redhat.io/ubi9/nodejs-20:latest", "UBI 9"},
		{"18-ubi8", "18", "registry.redhat.io/ubi8/nodejs-18:latest", "UBI 8"},
	}},
	{name: "perl", display: "Perl", icon: "icon-perl", kind: "builder", lang: "perl", sampleRepo: "https://github.com/sclorg/dancer-ex.git", versions: []version{
		{"5.32-ubi9", "5.32", "registry.redhat.io/ubi9/perl-532:latest", "UBI 9"},
		{"5.32-ubi8", "5.32", "registry.redhat.io/ubi8/perl-532:latest", "UBI 8"},
		{"5.26-ubi8", "5.26", "registry.redhat.io/ubi8/perl-526:latest", "UBI 8"},
	}},
	{name: "php", display: "PHP", icon: "icon-php", kind: "builder", lang: "php", sampleRepo: "https://github.com/sclorg/cakephp-ex.git", versions: []version{
		{"8.2-ubi9", "8.2", "registry.redhat.io/ubi9/php-82:latest", "UBI 9"},
		{"8.1-ubi9", "8.1", "registry.redhat.io/ubi9/php-81:latest", "UBI 9"},
		{"8.0-ubi9", "8.0", "registry.redhat.io/ubi9/php-80:latest", "UBI 9"},
	}},
	{name: "httpd", display: "Apache HTTP Server (httpd)", icon: "icon-apache", kind: "builder", lang: "httpd", sampleRepo: "https://github.com/sclorg/httpd-ex.git", versions: []version{
		{"2.4-ubi9", "2.4", "registry.redhat.io/ubi9/httpd-24:latest", "UBI 9"},
		{"2.4-ubi8", "2.4", "registry.redhat.io/ubi8/httpd-24:latest", "UBI 8"},
	}},
	{name: "nginx", display: "Nginx HTTP server and a reverse proxy", icon: "icon-nginx", kind: "builder", lang: "nginx", sampleRepo: "https://github.com/sclorg/nginx-ex.git", versions: []version{
		{"1.24-ubi9", "1.24", "registry.redhat.io/ubi9/nginx-124:latest", "UBI 9"},
		{"1.22-ubi9", "1.22", "registry.redhat.io/ubi9/nginx-122:latest", "UBI 9"},
		{"1.20-ubi8", "1.20", "registry.redhat.io/ubi8/nginx-120:latest", "UBI 8"},
	}},
	{name: "java", display: "Red Hat OpenJDK", icon: "icon-rh-openjdk", kind: "builder", lang: "java", sampleRepo: "https://github.com/jboss-openshift/openshift-quickstarts", versions: []version{
		{"openjdk-21-ubi9", "21", "registry.access.redhat.com/ubi9/openjdk-21:latest", "UBI 9"},
		{"openjdk-17-ubi9", "17", "registry.access.redhat.com/ubi9/openjdk-17:latest", "UBI 9"},
		{"openjdk-11-ubi8", "11", "registry.access.redhat.com/ubi8/openjdk-11:latest", "UBI 8"},
	}},
	{name: "dotnet", display: ".NET", icon: "icon-dotnet", kind: "builder", lang: "dotnet", sampleRepo: "https://github.com/redhat-developer/s2i-dotnetcore-ex.git", notOn: []string{"ppc64le"}, versions: []version{
		{"9.0-ubi9", "9.0", "registry.access.redhat.com/ubi9/dotnet-90:latest", "UBI 9"},
		{"8.0-ubi9", "8.0", "registry.access.redhat.com/ubi9/dotnet-80:latest", "UBI 9"},
		{"8.0-ubi8", "8.0", "registry.access.redhat.com/ubi8/dotnet-80:latest", "UBI 8"},
	}},
	{name: "golang", display: "Go", icon: "icon-go-gopher", kind: "builder", lang: "golang", sampleRepo: "https://github.com/sclorg/golang-ex.git", versions: []version{
		{"1.22-ubi9", "1.22", "registry.redhat.io/rhel9/go-toolset:1.22", "UBI 9"},
		{"1.21-ubi9", "1.21", "registry.redhat.io/rhel9/go-toolset:1.21", "UBI 9"},
		{"1.21-ubi8", "1.21", "registry.redhat.io/rhel8/go-toolset:1.21", "UBI 8"},
	}},
	{name: "mysql", display: "MySQL", icon: "icon-mysql-database", kind: "database", lang: "mysql", versions: []version{
		{"8.0-el9", "8.0", "registry.redhat.io/rhel9/mysql-80:latest", "RHEL 9"},
		{"8.0-el8", "8.0", "registry.redhat.io/rhel8/mysql-80:latest", "RHEL 8"},
	}},
	{name: "postgresql", display: "PostgreSQL", icon: "icon-postgresql", kind: "database", lang: "postgresql", versions: []version{
		{"16-el9", "16", "registry.redhat.io/rhel9/postgresql-16:latest", "RHEL 9"},
		{"15-el9", "15", "registry.redhat.io/rhel9/postgresql-15:latest", "RHEL 9"},
		{"13-el8", "13", "registry.redhat.io/rhel8/postgresql-13:latest", "RHEL 8"},
	}},
	{name: "mariadb", display: "MariaDB", icon: "icon-mariadb", kind: "database", lang: "mariadb", versions: []version{
		{"10.11-el9", "10.11", "registry.redhat.io/rhel9/mariadb-1011:latest", "RHEL 9"},
		{"10.5-el9", "10.5", "registry.redhat.io/rhel9/mariadb-105:latest", "RHEL 9"},
	}},
	{name: "redis", display: "Redis", icon: "icon-redis", kind: "database", lang: "redis", versions: []version{
		{"7-el9", "7", "registry.redhat.io/rhel9/redis-7:latest", "RHEL 9"},
		{"6-el9", "6", "registry.redhat.io/rhel9/redis-6:latest", "RHEL 9"},
	}},
	{name: "jenkins", display: "Jenkins", icon: "icon-jenkins", kind: "ci", lang: "jenkins", versions: []version{
		{"scheduled-upgrade", "2", "registry.redhat.io/ocp-tools-4/jenkins-rhel9:v4.17.0", "RHEL 9"},
		{"2", "2", "registry.redhat.io/ocp-tools-4/jenkins-rhel9:v4.17.0", "RHEL 9"},
	}},
	{name: "jenkins-agent-base", display: "Jenkins Agent Base", icon: "icon-jenkins", kind: "ci", lang: "jenkins", versions: []version{
		{"scheduled-upgrade", "4.17", "registry.redhat.io/ocp-tools-4/jenkins-agent-base-rhel9:v4.17.0", "RHEL 9"},
	}},
}

var architectures = []string{"x86_64", "aarch64", "ppc64le", "s390x"}

type obj = map[string]any

func imageStream(s stream) obj {
	var tags []any
	for _, v := range s.versions {
		ann := obj{
			"description":                        fmt.Sprintf("%s %s (%s). %s", s.display, v.version, v.os, blurb(s)),
			"iconClass":                          s.icon,
			"openshift.io/display-name":          fmt.Sprintf("%s %s (%s)", s.display, v.version, v.os),
			"openshift.io/provider-display-name": provider,
			"tags":                               tagsFor(s),
			"version":                            v.version,
		}
		if s.kind == "builder" {
			ann["supports"] = fmt.Sprintf("%s:%s,%s", s.lang, v.version, s.lang)
			ann["sampleRepo"] = s.sampleRepo
		}
		tag := obj{
			"name":            v.tag,
			"annotations":     ann,
			"from":            obj{"kind": "DockerImage", "name": v.image},
			"referencePolicy": obj{"type": "Local"},
		}
		if s.kind == "ci" {
			tag["importPolicy"] = obj{"scheduled": true}
		}
		tags = append(tags, tag)
	}
	if s.kind != "ci" {
		newest := s.versions[0]
		tags = append(tags, obj{
			"name": "latest",
			"annotations": obj{
				"description":                        fmt.Sprintf("%s (latest). %s This tag follows the newest version the cluster provides; its image changes when the cluster is upgraded.", s.display, blurb(s)),
				"iconClass":                          s.icon,
				"openshift.io/display-name":          s.display + " (Latest)",
				"openshift.io/provider-display-name": provider,
				"tags":                               tagsFor(s),
			},
			"from":            obj{"kind": "ImageStreamTag", "name": newest.tag},
			"referencePolicy": obj{"type": "Local"},
		})
	}
	return obj{
		"kind":       "ImageStream",
		"apiVersion": "image.openshift.io/v1",
		"metadata": obj{
			"name": s.name,
			"annotations": obj{
				"openshift.io/display-name":          s.display,
				"openshift.io/provider-display-name": provider,
			},
		},
		"spec": obj{"lookupPolicy": obj{"local": false}, "tags": tags},
	}
}

func blurb(s stream) string {
	switch s.kind {
	case "builder":
		return fmt.Sprintf("Builds and runs %s applications with source-to-image.", s.display)
	case "database":
		return fmt.Sprintf("Provides a %s database server.", s.display)
	}
	return "Provides a Jenkins server integrated with OpenShift."
}

func tagsFor(s stream) string {
	if s.kind == "builder" {
		return "builder," + s.lang
	}
	return s.kind + "," + s.lang
}

func param(name, display, desc, value string, generate bool) obj {
	p := obj{"name": name, "displayName": display, "description": desc, "required": true}
	if generate {
		p["generate"] = "expression"
		p["from"] = value
	} else {
		p["value"] = value
	}
	return p
}

// appTemplate is an example application built from source by one of the builders.
func appTemplate(s stream) obj {
	name := s.lang + "-example"
	labels := obj{"app": "${NAME}", "template": name}
	objects := []any{
		obj{"kind": "Service", "apiVersion": "v1", "metadata": obj{"name": "${NAME}", "labels": labels},
			"spec": obj{"ports": []any{obj{"name": "web", "port": 8080, "targetPort": 8080}}, "selector": obj{"name": "${NAME}"}}},
		obj{"kind": "Route", "apiVersion": "route.openshift.io/v1", "metadata": obj{"name": "${NAME}", "labels": labels},
			"spec": obj{"host": "${APPLICATION_DOMAIN}", "to": obj{"kind": "Service", "name": "${NAME}"}}},
		obj{"kind": "ImageStream", "apiVersion": "image.openshift.io/v1", "metadata": obj{"name": "${NAME}", "labels": labels}},
		obj{"kind": "BuildConfig", "apiVersion": "build.openshift.io/v1", "metadata": obj{"name": "${NAME}", "labels": labels},
			"spec": obj{
				"source": obj{"type": "Git", "git": obj{"uri": "${SOURCE_REPOSITORY_URL}", "ref": "${SOURCE_REPOSITORY_REF}"}},
				"strategy": obj{"type": "Source", "sourceStrategy": obj{"from": obj{
					"kind": "ImageStreamTag", "namespace": "${NAMESPACE}", "name": s.name + ":${VERSION}"}}},
				"output":   obj{"to": obj{"kind": "ImageStreamTag", "name": "${NAME}:latest"}},
				"triggers": []any{obj{"type": "ImageChange"}, obj{"type": "ConfigChange"}},
			}},
		obj{"kind": "Deployment", "apiVersion": "apps/v1", "metadata": obj{"name": "${NAME}", "labels": labels,
			"annotations": obj{"image.openshift.io/triggers": `[{"from":{"kind":"ImageStreamTag","name":"${NAME}:latest"},"fieldPath":"spec.template.spec.containers[0].image"}]`}},
			"spec": obj{
				"replicas": 1,
				"selector": obj{"matchLabels": obj{"name": "${NAME}"}},
				"template": obj{"metadata": obj{"labels": obj{"name": "${NAME}"}}, "spec": obj{"containers": []any{obj{
					"name": s.lang, "image": " ", "ports": []any{obj{"containerPort": 8080}},
					"resources":      obj{"limits": obj{"memory": "${MEMORY_LIMIT}"}},
					"readinessProbe": obj{"httpGet": obj{"path": "/", "port": 8080}, "initialDelaySeconds": 3, "timeoutSeconds": 3},
				}}}},
			}},
	}
	return obj{
		"kind": "Template", "apiVersion": "template.openshift.io/v1",
		"metadata": obj{"name": name, "annotations": obj{
			"description":                        fmt.Sprintf("An example %s application built from source with no database.", s.display),
			"iconClass":                          s.icon,
			"openshift.io/display-name":          s.display + " example",
			"openshift.io/provider-display-name": provider,
			"tags":                               "quickstart," + s.lang,
		}},
		"message": "The following service(s) have been created in your project: ${NAME}.",
		"labels":  obj{"app": name, "template": name},
		"objects": objects,
		"parameters": []any{
			param("NAME", "Name", "The name assigned to all of the frontend objects defined in this template.", name, false),
			param("NAMESPACE", "Namespace", "The OpenShift Namespace where the ImageStream resides.", "openshift", false),
			param("VERSION", s.display+" version", "Version of the builder image to use.", s.versions[0].tag, false),
			param("MEMORY_LIMIT", "Memory Limit", "Maximum amount of memory the container can use.", "512Mi", false),
			param("SOURCE_REPOSITORY_URL", "Git Repository URL", "The URL of the repository with your application source code.", s.sampleRepo, false),
			obj{"name": "SOURCE_REPOSITORY_REF", "displayName": "Git Reference", "description": "Branch, tag or commit to build; empty for the default branch."},
			obj{"name": "APPLICATION_DOMAIN", "displayName": "Application Hostname", "description": "The exposed hostname of the route; empty for a generated one.", "value": ""},
		},
	}
}

// dbTemplate is a database service, ephemeral or with a persistent volume claim.
func dbTemplate(s stream, persistent bool) obj {
	kind := "ephemeral"
	if persistent {
		kind = "persistent"
	}
	name := s.lang + "-" + kind
	upper := strings.ToUpper(s.lang)
	labels := obj{"template": name}
	volume := obj{"name": "data", "emptyDir": obj{}}
	objects := []any{
		obj{"kind": "Secret", "apiVersion": "v1", "metadata": obj{"name": "${DATABASE_SERVICE_NAME}", "labels": labels},
			"stringData": obj{"database-user": "${DATABASE_USER}", "database-password": "${DATABASE_PASSWORD}", "database-name": "${DATABASE_NAME}"}},
		obj{"kind": "Service", "apiVersion": "v1", "metadata": obj{"name": "${DATABASE_SERVICE_NAME}", "labels": labels},
			"spec": obj{"ports": []any{obj{"name": s.lang, "port": port(s.lang)}}, "selector": obj{"name": "${DATABASE_SERVICE_NAME}"}}},
	}
	if persistent {
		volume = obj{"name": "data", "persistentVolumeClaim": obj{"claimName": "${DATABASE_SERVICE_NAME}"}}
		objects = append(objects, obj{"kind": "PersistentVolumeClaim", "apiVersion": "v1",
			"metadata": obj{"name": "${DATABASE_SERVICE_NAME}", "labels": labels},
			"spec":     obj{"accessModes": []any{"ReadWriteOnce"}, "resources": obj{"requests": obj{"storage": "${VOLUME_CAPACITY}"}}}})
	}
	secretEnv := func(env, key string) obj {
		return obj{"name": env, "valueFrom": obj{"secretKeyRef": obj{"name": "${DATABASE_SERVICE_NAME}", "key": key}}}
	}
	objects = append(objects, obj{"kind": "Deployment", "apiVersion": "apps/v1",
		"metadata": obj{"name": "${DATABASE_SERVICE_NAME}", "labels": labels,
			"annotations": obj{"image.openshift.io/triggers": fmt.Sprintf(`[{"from":{"kind":"ImageStreamTag","name":"%s:${%s_VERSION}","namespace":"${NAMESPACE}"},"fieldPath":"spec.template.spec.containers[0].image"}]`, s.name, upper)}},
		"spec": obj{
			"replicas": 1, "strategy": obj{"type": "Recreate"},
			"selector": obj{"matchLabels": obj{"name": "${DATABASE_SERVICE_NAME}"}},
			"template": obj{"metadata": obj{"labels": obj{"name": "${DATABASE_SERVICE_NAME}"}}, "spec": obj{
				"containers": []any{obj{
					"name": s.lang, "image": " ", "ports": []any{obj{"containerPort": port(s.lang)}},
					"env": []any{
						secretEnv(upper+"_USER", "database-user"),
						secretEnv(upper+"_PASSWORD", "database-password"),
						secretEnv(upper+"_DATABASE", "database-name"),
					},
					"resources":    obj{"limits": obj{"memory": "${MEMORY_LIMIT}"}},
					"volumeMounts": []any{obj{"name": "data", "mountPath": "/var/lib/" + s.lang + "/data"}},
				}},
				"volumes": []any{volume},
			}},
		}})
	params := []any{
		param("MEMORY_LIMIT", "Memory Limit", "Maximum amount of memory the container can use.", "512Mi", false),
		param("NAMESPACE", "Namespace", "The OpenShift Namespace where the ImageStream resides.", "openshift", false),
		param("DATABASE_SERVICE_NAME", "Database Service Name", "The name of the OpenShift Service exposed for the database.", s.lang, false),
		param("DATABASE_USER", s.display+" Connection Username", "Username for the database user.", "user[A-Z0-9]{3}", true),
		param("DATABASE_PASSWORD", s.display+" Connection Password", "Password for the database user.", "[a-zA-Z0-9]{16}", true),
		param("DATABASE_NAME", s.display+" Database Name", "Name of the database accessed.", "sampledb", false),
		param(upper+"_VERSION", "Version of "+s.display+" Image", "Version of the "+s.display+" image to use.", s.versions[0].tag, false),
	}
	if persistent {
		params = append(params, param("VOLUME_CAPACITY", "Volume Capacity", "Volume space available for data, e.g. 512Mi, 2Gi.", "1Gi", false))
	}
	desc := fmt.Sprintf("%s database service, without persistent storage. WARNING: Any data stored will be lost upon pod destruction.", s.display)
	if persistent {
		desc = fmt.Sprintf("%s database service, with persistent storage.", s.display)
	}
	return obj{
		"kind": "Template", "apiVersion": "template.openshift.io/v1",
		"metadata": obj{"name": name, "annotations": obj{
			"description":                        desc,
			"iconClass":                          s.icon,
			"openshift.io/display-name":          fmt.Sprintf("%s (%s)", s.display, strings.ToUpper(kind[:1])+kind[1:]),
			"openshift.io/provider-display-name": provider,
			"tags":                               "database," + s.lang,
		}},
		"message":    "The following service(s) have been created in your project: ${DATABASE_SERVICE_NAME}.",
		"labels":     obj{"template": name},
		"objects":    objects,
		"parameters": params,
	}
}

func port(db string) int {
	return map[string]int{"mysql": 3306, "mariadb": 3306, "postgresql": 5432, "redis": 6379}[db]
}

func write(dir string, o obj) error {
	name := o["metadata"].(obj)["name"].(string)
	data, err := json.MarshalIndent(o, "", "\t")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name+".json"), append(data, '\n'), 0o644)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gencontent OUTDIR")
		os.Exit(2)
	}
	out := os.Args[1]
	if err := os.RemoveAll(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, arch := range architectures {
		for _, s := range streams {
			if contains(s.notOn, arch) {
				continue
			}
			group := filepath.Join(out, arch, s.lang)
			must(write(filepath.Join(group, "imagestreams"), imageStream(s)))
			switch s.kind {
			case "builder":
				must(write(filepath.Join(group, "templates"), appTemplate(s)))
			case "database":
				must(write(filepath.Join(group, "templates"), dbTemplate(s, false)))
				must(write(filepath.Join(group, "templates"), dbTemplate(s, true)))
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "gencontent:", err)
		os.Exit(1)
	}
}
