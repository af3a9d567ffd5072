// Command localcluster is what `make run` runs: a local control plane (envtest's
// kube-apiserver and etcd) with OpenShift's CRDs and namespaces, an in-process registry
// and the fake image importer standing in for openshift-apiserver, and the operator
// binary running against it until Ctrl-C.
//
//	localcluster [--dir .local] [--fail-images REGEXP] -- OPERATOR [FLAGS...]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"syscall"
	"time"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/openshift/cluster-samples-operator/internal/credentials"
	"github.com/openshift/cluster-samples-operator/test/fakeimporter"
	"github.com/openshift/cluster-samples-operator/test/testenv"
)

func main() {
	dir := flag.String("dir", ".local", "Directory for the kubeconfig.")
	failImages := flag.String("fail-images", "", "Image references matching this regular expression fail to import; every other image exists.")
	noPullSecret := flag.Bool("no-pull-secret", false, "Do not create openshift-config/pull-secret (shows image streams from registry.redhat.io waiting for credentials).")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: %s [flags] -- OPERATOR [OPERATOR FLAGS...]\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	code, err := run(*dir, *failImages, !*noPullSecret, flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "localcluster:", err)
	}
	os.Exit(code)
}

func run(dir, failImages string, pullSecret bool, operator []string) (int, error) {
	fail, err := regexp.Compile(failImages)
	if err != nil {
		return 2, fmt.Errorf("--fail-images: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// The fake importer's own logs would drown the operator's: errors only.
	logf.SetLogger(zap.New(zap.Level(zapcore.ErrorLevel), zap.WriteTo(os.Stderr)))
	say("starting kube-apiserver and etcd")
	env, err := testenv.Start(testenv.Options{})
	if err != nil {
		return 1, err
	}
	defer func() {
		say("stopping the control plane")
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "localcluster: stopping the control plane:", err)
		}
	}()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 1, err
	}
	kubeconfig, err := filepath.Abs(filepath.Join(dir, "kubeconfig"))
	if err != nil {
		return 1, err
	}
	if err := os.WriteFile(kubeconfig, env.KubeConfig(), 0o600); err != nil {
		return 1, err
	}

	if pullSecret {
		// As on a real cluster: the global pull secret has registry.redhat.io credentials.
		s := &corev1.Secret{Type: corev1.SecretTypeDockerConfigJson,
			Data: map[string][]byte{credentials.SecretKey: []byte(`{"auths":{"registry.redhat.io":{"auth":"bG9jYWw6bG9jYWw="}}}`)}}
		s.Namespace, s.Name = credentials.SecretNamespace, credentials.SecretName
		if err := env.Client.Create(ctx, s); err != nil {
			return 1, fmt.Errorf("creating the pull secret: %w", err)
		}
	}

	reg := fakeimporter.NewRegistry()
	defer reg.Close()
	reg.SetAutoCreate(func(ref string) bool { return failImages == "" || !fail.MatchString(ref) })
	if _, err := fakeimporter.Start(ctx, env.Config, reg); err != nil {
		return 1, err
	}

	assets, _ := testenv.AssetsDir()
	say(fmt.Sprintf(`control plane ready; registry at %s; every image imports%s
  export KUBECONFIG=%s
  %s get configs.samples.operator.openshift.io cluster -o yaml
  (Ctrl-C stops the operator and the control plane)`,
		reg.Host(), failNote(failImages), kubeconfig, filepath.Join(assets, "kubectl")))

	cmd := exec.Command(operator[0], operator[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	// Its own process group, so that Ctrl-C reaches it once, from us, in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return 1, fmt.Errorf("starting the operator %s: %w", operator[0], err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		return exitCode(err), fmt.Errorf("the operator exited: %v", err)
	case <-ctx.Done():
	}
	say("stopping the operator")
	_ = cmd.Process.Signal(syscall.SIGTERM)
	// The exit status after our SIGTERM (or SIGKILL) says nothing new.
	select {
	case <-exited: //nolint:errcheck // exit status after our own signal
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-exited //nolint:errcheck // exit status after our own signal
	}
	return 0, nil
}

func failNote(re string) string {
	if re == "" {
		return ""
	}
	return fmt.Sprintf(" except those matching %q", re)
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() > 0 {
		return ee.ExitCode()
	}
	return 1
}

func say(msg string) { fmt.Fprintf(os.Stderr, "\n==> %s\n\n", msg) }
