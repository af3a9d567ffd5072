package controllers

import (
	"fmt"
	"io"
	"net/http"
	"testing"

	samplesv1 "github.com/openshift/cluster-samples-operator/api/v1"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

func get(url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// The health port serves /healthz and /readyz (and /readyz/caches), and the Go
// profiles only with --enable-pprof.
func TestHealthPortServesProbesAndProfilesOnlyWhenAsked(t *testing.T) {
	for _, pprof := range []bool{false, true} {
		t.Run(fmt.Sprint("pprof=", pprof), func(t *testing.T) {
			addr := testenv.FreeAddr(t)
			mgr, err := NewManager(env.Config, ManagerOptions{
				OperatorNamespace: samplesv1.OperatorNamespace, MetricsBindAddress: "0",
				HealthProbeBindAddress: addr, Pprof: pprof, SeveralPerProcess: true,
			})
			if err != nil {
				t.Fatal(err)
			}
			testenv.RunManager(t, mgr)
			base := "http://" + addr
			eventually(t, "ready", func() (bool, string) {
				code, body := get(base + "/readyz")
				return code == http.StatusOK, fmt.Sprint(code, body)
			})
			for _, path := range []string{"/healthz", "/readyz/caches"} {
				if code, body := get(base + path); code != http.StatusOK {
					t.Errorf("%s: %d %s", path, code, body)
				}
			}
			code, body := get(base + "/debug/pprof/heap?debug=1")
			if pprof && (code != http.StatusOK || len(body) == 0) {
				t.Errorf("--enable-pprof: heap profile %d", code)
			}
			if !pprof && code != http.StatusNotFound {
				t.Errorf("without --enable-pprof: heap profile %d, want 404", code)
			}
		})
	}
}
