// Package cli holds the subcommands of the cluster-samples-operator binary that talk to
// a user: they parse flags, read files or a cluster, and print; the decisions stay in
// internal/.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/internal/bootstrap"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/imports"
	"github.com/openshift/cluster-samples-operator/internal/mirror"
)

const usage = `Mirroring guidance for disconnected clusters.

Usage:
  cluster-samples-operator mirror images  [source flags]
  cluster-samples-operator mirror mapping --to REGISTRY[:PORT][/PATH] [source flags]
  cluster-samples-operator mirror check   --registry REGISTRY[:PORT][/PATH] [--authfile FILE] [--insecure | --plain-http]
                                          [--timeout 30s] [--deadline 10m]
                                          [-o text|json|yaml] [--fail-on-missing] [--quiet] [source flags]

Source flags (default: the content built into this operator, for this machine's architecture):
  --arch ARCH            x86_64, aarch64 (arm64), ppc64le or s390x
  --assets-dir DIR       a content tree (<dir>/<arch>/<group>/imagestreams/*.json)
  --from-cluster         read the imagestreamtag-to-image ConfigMap (and skippedImagestreams) of a cluster
  --kubeconfig FILE      the cluster for --from-cluster (default $KUBECONFIG)

Check flags:
  --authfile FILE        docker/podman auth file; its auths, credHelpers and credsStore are used
  --insecure             do not verify the mirror's TLS certificate (TLS is still used)
  --plain-http           talk to the mirror over HTTP, without TLS (credentials travel in clear)
  --timeout DURATION     bound of one request: connect, TLS handshake, response (default 30s)
  --deadline DURATION    bound of the whole check (default 10m)
  --concurrency N        requests in flight at once (default 8)
  --quiet                no progress line (it is shown only when standard error is a terminal);
                         the summary line at the end is written either way

Examples:
  # What to mirror, one image per line
  cluster-samples-operator mirror images --from-cluster > images.txt
  # Mirror it: the destinations are exactly what the operator will use
  cluster-samples-operator mirror mapping --to mirror.example.com:5000/samples > mapping.txt
  oc image mirror -f mapping.txt
  # What made it, and the Config change to apply
  cluster-samples-operator mirror check --registry mirror.example.com:5000/samples --authfile ~/.docker/config.json
`

// Mirror is `cluster-samples-operator mirror ARGS...`; it returns the exit code.
func Mirror(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	out := &output{w: stdout}
	code := mirrorCmd(ctx, args, out, stderr)
	if out.err != nil && code == 0 {
		_, _ = fmt.Fprintf(stderr, "cluster-samples-operator mirror: writing the output: %v\n", out.err)
		return 1
	}
	return code
}

func mirrorCmd(ctx context.Context, args []string, stdout *output, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		stdout.print(usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	sub := args[0]
	fs, f := mirrorFlags(sub)
	arch, assets, fromCluster, kubeconfig, opNamespace := &f.arch, &f.assets, &f.fromCluster, &f.kubeconfig, &f.opNamespace
	to, reg, authfile, insecure, plainHTTP := &f.to, &f.registry, &f.authfile, &f.insecure, &f.plainHTTP
	requestTimeout, deadline, output, failOnMissing, concurrency := &f.timeout, &f.deadline, &f.output, &f.failOnMissing, &f.concurrency
	fail := func(code int, format string, a ...any) int {
		_, _ = fmt.Fprintf(stderr, "cluster-samples-operator mirror %s: %s\n", sub, fmt.Sprintf(format, a...))
		return code
	}
	if err := fs.Parse(args[1:]); errors.Is(err, flag.ErrHelp) {
		stdout.print(usage)
		return 0
	} else if err != nil {
		return fail(2, "%v (see --help)", err)
	}
	if fs.NArg() > 0 {
		return fail(2, "unexpected argument %q (see --help)", fs.Arg(0))
	}
	switch sub {
	case "images", "mapping", "check":
	default:
		return fail(2, "unknown subcommand (images, mapping or check; see --help)")
	}
	prog := newProgress(stderr, f.quiet)
	entries, err := load(ctx, *fromCluster, *kubeconfig, *opNamespace, *assets, *arch)
	if err != nil {
		return fail(1, "%v", err)
	}
	switch sub {
	case "images":
		imgs := mirror.Images(entries)
		for _, img := range imgs {
			stdout.printf("%s\n", img)
		}
		prog.finish("%d images for %d image stream tags", len(imgs), len(entries))
	case "mapping":
		if err := mirror.ValidateRegistry(*to); err != nil {
			return fail(2, "--to: %v", err)
		}
		imgs := mirror.Images(entries)
		for _, img := range imgs {
			stdout.printf("%s=%s\n", img, mirror.Destination(img, *to))
		}
		prog.finish("%d images to mirror to %s", len(imgs), *to)
	case "check":
		if err := mirror.ValidateRegistry(*reg); err != nil {
			return fail(2, "--registry: %v", err)
		}
		if *output != "text" && *output != "json" && *output != "yaml" {
			return fail(2, "-o must be text, json or yaml")
		}
		opts := mirror.CheckOptions{Insecure: *insecure, PlainHTTP: *plainHTTP, RequestTimeout: *requestTimeout, Deadline: *deadline,
			Concurrency: *concurrency, Progress: prog.update}
		if *authfile != "" {
			if opts.Keychain, err = mirror.AuthFileKeychain(*authfile); err != nil {
				return fail(1, "%v", err)
			}
		}
		results, err := mirror.Check(ctx, entries, *reg, opts)
		if err != nil {
			prog.clear()
			return fail(1, "%v", err)
		}
		rep := mirror.NewReport(results, *reg)
		prog.finish("checked %d image stream tags on %s: %d present, %d missing", len(results), *reg, len(results)-rep.Missing, rep.Missing)
		if err := printReport(stdout, rep, *output); err != nil {
			return fail(1, "%v", err)
		}
		if *failOnMissing && rep.Missing > 0 {
			return 3
		}
	}
	return 0
}

// mirrorOptions are the flags of the mirror subcommands (usage lists them).
type mirrorOptions struct {
	arch, assets, kubeconfig, opNamespace, to, registry, authfile, output string
	fromCluster, insecure, plainHTTP, failOnMissing, quiet                bool
	timeout, deadline                                                     time.Duration
	concurrency                                                           int
}

func mirrorFlags(sub string) (*flag.FlagSet, *mirrorOptions) {
	o := &mirrorOptions{}
	fs := flag.NewFlagSet("mirror "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.arch, "arch", defaultArch(), "")
	fs.StringVar(&o.assets, "assets-dir", "", "")
	fs.BoolVar(&o.fromCluster, "from-cluster", false, "")
	fs.StringVar(&o.kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "")
	fs.StringVar(&o.opNamespace, "operator-namespace", samplesv1.OperatorNamespace, "")
	fs.StringVar(&o.to, "to", "", "")
	fs.StringVar(&o.registry, "registry", "", "")
	fs.StringVar(&o.authfile, "authfile", "", "")
	fs.BoolVar(&o.insecure, "insecure", false, "")
	fs.BoolVar(&o.plainHTTP, "plain-http", false, "")
	fs.DurationVar(&o.timeout, "timeout", mirror.DefaultRequestTimeout, "")
	fs.DurationVar(&o.deadline, "deadline", mirror.DefaultDeadline, "")
	fs.StringVar(&o.output, "o", "text", "")
	fs.BoolVar(&o.failOnMissing, "fail-on-missing", false, "")
	fs.IntVar(&o.concurrency, "concurrency", 8, "")
	fs.BoolVar(&o.quiet, "quiet", false, "")
	return fs, o
}

// FlagNames lists the flags of a command: "mirror images", "mirror mapping",
// "mirror check" or "status" (the runbooks' test checks the flags they use).
func FlagNames(command string) []string {
	var fs *flag.FlagSet
	switch {
	case command == "status":
		fs, _ = statusFlags()
	case strings.HasPrefix(command, "mirror "):
		fs, _ = mirrorFlags(strings.TrimPrefix(command, "mirror "))
	default:
		return nil
	}
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return names
}

func defaultArch() string { return bootstrap.ArchitectureForGOARCH(runtime.GOARCH) }

func load(ctx context.Context, fromCluster bool, kubeconfig, opNamespace, assets, arch string) ([]mirror.Entry, error) {
	if fromCluster {
		return loadFromCluster(ctx, kubeconfig, opNamespace)
	}
	fsys := content.Embedded()
	if assets != "" {
		fsys = os.DirFS(assets)
	}
	inv, err := content.Load(fsys)
	if err != nil {
		return nil, err
	}
	set, ok := inv.For(arch)
	if !ok {
		return nil, fmt.Errorf("no content for architecture %q (%s)", arch, content.SupportedArchitectures)
	}
	return mirror.FromMap(imports.MirrorMap(set.ImageStreams), nil), nil
}

func loadFromCluster(ctx context.Context, kubeconfig, opNamespace string) ([]mirror.Entry, error) {
	if kubeconfig == "" {
		return nil, errors.New("--from-cluster needs --kubeconfig or KUBECONFIG")
	}
	c, err := kubeClient(kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %v", kubeconfig, err)
	}
	cm := &corev1.ConfigMap{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: opNamespace, Name: samplesv1.MirrorConfigMap}, cm); err != nil {
		return nil, fmt.Errorf("reading ConfigMap %s/%s: %v", opNamespace, samplesv1.MirrorConfigMap, err)
	}
	var skipped []string
	samples := &samplesv1.Config{}
	if err := c.Get(ctx, client.ObjectKey{Name: samplesv1.ConfigName}, samples); err == nil {
		skipped = samples.Spec.SkippedImagestreams
	} else if !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("reading configs.samples.operator.openshift.io/cluster: %v", err)
	}
	return mirror.FromMap(cm.Data, skipped), nil
}

func printReport(w *output, rep mirror.Report, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "yaml":
		b, err := yaml.Marshal(rep)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	for _, s := range rep.Streams {
		w.printf("%s:\n", s.Name)
		if len(s.Present) > 0 {
			w.printf("  present: %s\n", strings.Join(s.Present, ", "))
		}
		if len(s.Missing) > 0 {
			w.printf("  missing: %s\n", strings.Join(s.Missing, ", "))
		}
	}
	w.printf("\n%d image stream tags have no image on %s. Apply:\n%s\n", rep.Missing, rep.SamplesRegistry, rep.Patch)
	return nil
}

// output writes to the command's standard output and keeps the first write error, which
// Mirror reports once at the end (a closed pipe, a full disk).
type output struct {
	w   io.Writer
	err error
}

func (o *output) print(s string) { o.printf("%s", s) }

// Write lets encoders write through o; after the first error it writes nothing more.
func (o *output) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	var n int
	n, o.err = o.w.Write(p)
	return n, o.err
}

func (o *output) printf(format string, a ...any) {
	if o.err == nil {
		_, o.err = fmt.Fprintf(o.w, format, a...)
	}
}
