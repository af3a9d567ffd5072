// Command cluster-samples-operator installs and maintains the sample image streams and
// templates in the openshift namespace, driven by configs.samples.operator.openshift.io/cluster.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/go-logr/logr"
	"github.com/operator-framework/operator-lib/proxy"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/cli"
	"github.com/openshift/cluster-samples-operator/controllers"
	"github.com/openshift/cluster-samples-operator/internal/bootstrap"
	"github.com/openshift/cluster-samples-operator/internal/content"
	"github.com/openshift/cluster-samples-operator/internal/verdict"
)

// buildVersion is stamped by `make build` (-ldflags -X main.buildVersion=...); it is the
// release version when neither --release-version nor RELEASE_VERSION says otherwise.
var buildVersion string

// options are the operator's command line; --kubeconfig is registered by controller-runtime.
type options struct {
	assetsDir               string
	contentFlavor           string
	releaseVersion          string
	operatorNamespace       string
	registryProbeAddress    string
	registryProbeTimeout    time.Duration
	importRetryInterval     time.Duration
	metricsBindAddress      string
	metricsSecure           bool
	metricsCertDir          string
	healthProbeBindAddress  string
	pprof                   bool
	leaderElect             bool
	leaderElectionNamespace string
	zap                     zap.Options
}

// commandsUsage heads the operator's --help: the subcommands the binary also runs.
const commandsUsage = `Usage:
  cluster-samples-operator [flags]          run the operator (flags below)
  cluster-samples-operator mirror ...       mirroring guidance for disconnected clusters: images,
                                            mapping, check (cluster-samples-operator mirror --help)
  cluster-samples-operator status [-o json] what state the samples are in and the next step
                                            (cluster-samples-operator status --help)

Flags:
`

func parseFlags(fs *flag.FlagSet, args []string) (*options, error) {
	o := &options{}
	fs.Usage = func() {
		_, _ = fmt.Fprint(fs.Output(), commandsUsage)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.assetsDir, "assets-dir", "", "Load samples content from this directory (<dir>/<arch>/<group>/{imagestreams,templates}/*.json, <arch> optionally ocp-<arch> or okd-<arch>) instead of the built-in content; the image carries the release's samples at /opt/openshift/operator.")
	fs.StringVar(&o.contentFlavor, "content-flavor", content.FlavorOCP, "Which architecture directories of --assets-dir to read when it holds both: ocp (ocp-<arch>) or okd (okd-<arch>).")
	defaultVersion := os.Getenv("RELEASE_VERSION")
	if defaultVersion == "" {
		defaultVersion = buildVersion
	}
	fs.StringVar(&o.releaseVersion, "release-version", defaultVersion, "Release version stamped on samples and reported in status (default: $RELEASE_VERSION, else the build's version).")
	defaultNamespace := os.Getenv("POD_NAMESPACE") // the Deployment sets it from the downward API
	if defaultNamespace == "" {
		defaultNamespace = samplesv1.OperatorNamespace
	}
	fs.StringVar(&o.operatorNamespace, "operator-namespace", defaultNamespace, "Namespace of the operator's ConfigMaps and Lease (default: $POD_NAMESPACE, else "+samplesv1.OperatorNamespace+").")
	fs.StringVar(&o.registryProbeAddress, "registry-probe-address", controllers.DefaultProbeAddress, "host:port probed at bootstrap to decide whether the samples registry is reachable; empty skips the probe.")
	fs.DurationVar(&o.registryProbeTimeout, "registry-probe-timeout", controllers.DefaultProbeTimeout, "Bootstrap as Removed when the samples registry is still unreachable after this long.")
	fs.DurationVar(&o.importRetryInterval, "import-retry-interval", controllers.DefaultImportRetryInterval, "Retry period for failed image stream tag imports.")
	fs.StringVar(&o.metricsBindAddress, "metrics-bind-address", ":60000", "Address of the metrics endpoint; 0 disables it.")
	fs.BoolVar(&o.metricsSecure, "metrics-secure", true, "Serve metrics over HTTPS with Kubernetes authentication and authorization; false serves plain HTTP for local use.")
	fs.StringVar(&o.metricsCertDir, "metrics-cert-dir", "", "Directory with tls.crt and tls.key for the metrics endpoint (default: a generated self-signed certificate).")
	fs.StringVar(&o.healthProbeBindAddress, "health-probe-bind-address", ":8081", "Address of /healthz and /readyz.")
	fs.BoolVar(&o.pprof, "enable-pprof", false, "Serve Go profiles at /debug/pprof/ on the health probe address.")
	fs.BoolVar(&o.leaderElect, "leader-elect", false, "Use Lease-based leader election so that several replicas can run.")
	fs.StringVar(&o.leaderElectionNamespace, "leader-election-namespace", "", "Namespace of the leader election Lease (default: the operator namespace).")
	o.zap.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.leaderElectionNamespace == "" {
		o.leaderElectionNamespace = o.operatorNamespace
	}
	// A stream is retried every interval plus up to a tenth of it; the import alerts
	// count a stream as retried when a retry came within verdict.RetryWindow, so a
	// longer interval would page about retries that are only slow.
	if limit := verdict.RetryWindow * 10 / 11; o.importRetryInterval > limit {
		return nil, fmt.Errorf("--import-retry-interval %s is longer than %s: with its jitter a retry would not come within the %s the import alerts look back (SamplesRetriesMissingOnImagestreamImportFailing would fire)",
			o.importRetryInterval, limit.Truncate(time.Second), verdict.RetryWindow)
	}
	return o, nil
}

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "mirror":
			os.Exit(cli.Mirror(context.Background(), os.Args[2:], os.Stdout, os.Stderr))
		case "status":
			os.Exit(cli.Status(context.Background(), os.Args[2:], os.Stdout, os.Stderr))
		}
	}
	opts, err := parseFlags(flag.CommandLine, os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if opts.pprof {
		// Finer heap samples than the default one per 512 KiB, for attributing a
		// footprint of a few MiB; the cost is only paid when profiling is on.
		runtime.MemProfileRate = 16 << 10
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts.zap)))
	if err := run(opts); err != nil {
		ctrl.Log.Error(err, "operator stopped")
		os.Exit(1)
	}
}

// proxyFromEnv reads HTTPS_PROXY and NO_PROXY as OLM injects them.
func proxyFromEnv() (httpsProxy, noProxy string) {
	for _, v := range proxy.ReadProxyVarsFromEnv() {
		switch v.Name {
		case "HTTPS_PROXY":
			httpsProxy = v.Value
		case "NO_PROXY":
			noProxy = v.Value
		}
	}
	return httpsProxy, noProxy
}

// routeIPv6Only tells from the kernel's route tables whether the pod's only default
// route is IPv6.
func routeIPv6Only() bool {
	r4, err4 := os.Open("/proc/net/route")
	if err4 == nil {
		defer r4.Close()
	}
	r6, err6 := os.Open("/proc/net/ipv6_route")
	if err6 != nil {
		return false
	}
	defer r6.Close()
	if err4 != nil {
		return bootstrap.DefaultRouteIPv6Only(nil, r6)
	}
	return bootstrap.DefaultRouteIPv6Only(r4, r6)
}

func run(opts *options) error {
	log := ctrl.Log.WithName("setup")
	if opts.releaseVersion == "" {
		log.Info("no release version: set RELEASE_VERSION or --release-version; samples are stamped with an empty version")
	}

	src := content.Open(opts.assetsDir, opts.contentFlavor)
	logContent(log, src)

	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("no API server to talk to (set --kubeconfig or KUBECONFIG): %w", err)
	}
	ctx := ctrl.SetupSignalHandler()
	// On a new cluster, or while openshift-apiserver rolls out, the image and template
	// APIs may not be served yet: wait for them instead of exiting into a crash loop.
	if err := controllers.WaitForAPIs(ctx, cfg, opts.healthProbeBindAddress, controllers.DefaultAPIWaitInterval); err != nil {
		return err
	}
	mgr, err := controllers.NewManager(cfg, controllers.ManagerOptions{
		OperatorNamespace:       opts.operatorNamespace,
		MetricsBindAddress:      opts.metricsBindAddress,
		MetricsSecure:           opts.metricsSecure,
		MetricsCertDir:          opts.metricsCertDir,
		HealthProbeBindAddress:  opts.healthProbeBindAddress,
		Pprof:                   opts.pprof,
		LeaderElect:             opts.leaderElect,
		LeaderElectionNamespace: opts.leaderElectionNamespace,
	})
	if err != nil {
		return err
	}

	httpsProxy, noProxy := proxyFromEnv()
	if err := controllers.Setup(mgr, controllers.Options{
		Version:             opts.releaseVersion,
		OperatorNamespace:   opts.operatorNamespace,
		GOARCH:              runtime.GOARCH,
		Content:             src,
		ProbeAddress:        opts.registryProbeAddress,
		ProbeTimeout:        opts.registryProbeTimeout,
		EnvHTTPSProxy:       httpsProxy,
		EnvNoProxy:          noProxy,
		RouteIPv6Only:       routeIPv6Only,
		ImportRetryInterval: opts.importRetryInterval,
		Registerer:          ctrlmetrics.Registry,
	}); err != nil {
		return err
	}

	log.Info("starting the operator", "releaseVersion", opts.releaseVersion, "goarch", runtime.GOARCH)
	return mgr.Start(ctx)
}

// logContent says at start which samples the operator serves, with counts per
// architecture, or why it cannot read them.
func logContent(log logr.Logger, src *content.Source) {
	if src.Fallback != "" {
		log.Error(errors.New(src.Fallback), "serving the built-in samples instead of the samples directory")
	}
	dirs, err := src.Dirs()
	if err != nil {
		log.Error(err, "cannot read the samples content; nothing in the cluster is changed until it is fixed", "source", src.Describe())
		return
	}
	for _, arch := range slices.Sorted(maps.Keys(dirs)) {
		imageStreams, templates := src.Count(dirs[arch])
		log.Info("samples content", "source", src.Describe(), "architecture", arch, "directory", dirs[arch],
			"imagestreams", imageStreams, "templates", templates)
	}
}
