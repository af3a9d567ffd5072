// Package controllers holds the operator's reconcilers. Each owns one concern and stays
// thin: read the cluster, ask internal/ what to do, write only what differs.
//
// Where each concern lives (every file of the package is listed; a test keeps it so):
//
//	bootstrap (default Config, Managed or Removed)     bootstrap_controller.go
//	waiting for the OpenShift APIs at start            apiwait.go
//	a pass over the Config: gather, evaluate, act      config_controller.go (internal/verdict decides)
//	install and repair of the samples (Managed)        config_managed.go
//	Removed: deleting the samples                      config_removed.go
//	deletion of the Config (finalizer)                 config_deletion.go
//	Config status: conditions, Events                  config_status.go
//	the imagestreamtag-to-image ConfigMaps             config_mirrormap.go
//	the samples-installed record                       config_record.go
//	import failures, error ConfigMaps, retries         imports_controller.go
//	the openshift-samples ClusterOperator              clusteroperator_controller.go
//	metrics read at scrape time                        metrics_sources.go
//	who may scrape /metrics                            metrics_auth.go
//	manager, cache and leader election options         manager.go
//	the REST mapper, its answers kept                  restmapper.go
//	wiring of all of the above, readiness              setup.go
//	defaults of every tunable                          defaults.go
//	the /healthz, /readyz (and pprof) server           healthserver.go
//	requeues: how a write's outcome is treated         requeue.go
//	shared reads, samples as cached; watch filters     lookups.go; watches.go
//
// RBAC markers sit above the reconciler whose calls need them; hack/generate.sh turns
// them into config/rbac/role.yaml.
package controllers
