package controllers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/openshift/cluster-samples-operator/internal/clusteroperator"
	"github.com/openshift/cluster-samples-operator/internal/scheme"
)

// The resources the manager cannot be built without: its caches and clients map the
// samples' kinds at construction, and a kind the API server does not serve stops it
// ("no matches for image.openshift.io/v1").
var requiredAPIs = []struct{ groupVersion, resource string }{
	{"image.openshift.io/v1", "imagestreams"},
	{"image.openshift.io/v1", "imagestreamimports"},
	{"template.openshift.io/v1", "templates"},
}

// DefaultAPIWaitInterval is how often WaitForAPIs looks again.
const DefaultAPIWaitInterval = 2 * time.Second

// missingAPIs lists the required resources discovery does not show. A group version
// discovery cannot answer for is missing; other groups' failures (an aggregated API
// whose backend is down) do not matter, since only these group versions are asked.
func missingAPIs(dc discovery.DiscoveryInterface) []string {
	var missing []string
	served := map[string][]string{}
	for _, r := range requiredAPIs {
		names, asked := served[r.groupVersion]
		if !asked {
			if list, err := dc.ServerResourcesForGroupVersion(r.groupVersion); err == nil {
				for _, res := range list.APIResources {
					names = append(names, res.Name)
				}
			}
			served[r.groupVersion] = names
		}
		if !slices.Contains(names, r.resource) {
			missing = append(missing, r.resource+"."+r.groupVersion)
		}
	}
	return missing
}

// WaitForAPIs returns once the image and template APIs are served, or ctx ends. While
// it waits, it keeps running rather than crash-looping: it answers the health probes
// on healthAddr (/healthz ok, /readyz not ready), says in the log what it waits for,
// and shows it on the openshift-samples ClusterOperator (reason
// clusteroperator.ReasonWaitingForAPIs). It returns at once when nothing is missing.
func WaitForAPIs(ctx context.Context, cfg *rest.Config, healthAddr string, interval time.Duration) error {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return fmt.Errorf("creating a discovery client: %w", err)
	}
	missing := missingAPIs(dc)
	if len(missing) == 0 {
		return nil
	}
	log := ctrl.Log.WithName("setup")
	log.Info("waiting for the image and template APIs to be served before starting; the samples are managed once they are", "missing", missing)
	stop, err := serveWaitingProbes(healthAddr, missing)
	if err != nil {
		return err
	}
	defer stop()
	c, err := client.New(cfg, client.Options{Scheme: scheme.New()})
	if err != nil {
		return err
	}
	reported := []string(nil)
	for {
		if !slices.Equal(reported, missing) {
			if err := reportWaiting(ctx, c, missing); err != nil {
				log.Error(err, "cannot show the wait on the ClusterOperator; waiting all the same")
			} else {
				reported = missing
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
		if missing = missingAPIs(dc); len(missing) == 0 {
			log.Info("the image and template APIs are served; starting")
			return nil
		}
	}
}

// serveWaitingProbes answers the Deployment's probes while the operator waits: alive,
// not ready. stop frees the address for the manager's own probe server.
func serveWaitingProbes(addr string, missing []string) (stop func(), err error) {
	if addr == "" || addr == "0" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening for health probes on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, fmt.Sprintf("waiting for %v to be served", missing), http.StatusServiceUnavailable)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// reportWaiting shows the wait on the ClusterOperator, creating it if need be, and
// writes only what differs. Every replica may do it (no leader is elected yet): they
// write the same.
func reportWaiting(ctx context.Context, c client.Client, missing []string) error {
	co := &configv1.ClusterOperator{}
	err := c.Get(ctx, clusterOperatorKey, co)
	if apierrors.IsNotFound(err) {
		co = &configv1.ClusterOperator{ObjectMeta: metav1.ObjectMeta{Name: clusteroperator.Name}}
		// Create fills co from the server's answer; only another replica's create
		// (AlreadyExists) needs a read.
		if err := c.Create(ctx, co); apierrors.IsAlreadyExists(err) {
			if err := c.Get(ctx, clusterOperatorKey, co); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	orig := co.DeepCopy()
	co.Status.Conditions = clusteroperator.Merge(co.Status.Conditions, clusteroperator.WaitingForAPIs(co.Status.Conditions, missing),
		metav1.NewTime(time.Now().Truncate(time.Second)))
	if equality.Semantic.DeepEqual(orig.Status.Conditions, co.Status.Conditions) {
		return nil
	}
	if err := c.Status().Update(ctx, co); err != nil {
		return errors.Join(fmt.Errorf("writing ClusterOperator %s status", clusteroperator.Name), err)
	}
	return nil
}
