package shipped

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The journey's `oc` is this test binary run again with standInEnv set (a shell script
// named oc on the journey's PATH execs it). What kubectl can do, it runs kubectl for
// (envtest's, at standInKubectl); each oc-only command the guide uses has a named Go
// stand-in below. The environment tells the stand-ins what the test set up:
const (
	standInEnv = "JOURNEY_STANDIN"
	// standInKubectl: the kubectl binary.
	standInKubectl = "JOURNEY_KUBECTL"
	// standInImage, standInImageBinary, standInImagePath: the operator image the
	// Deployment runs, the binary it holds, and that binary's path in it (Dockerfile).
	standInImage, standInImageBinary, standInImagePath = "JOURNEY_IMAGE", "JOURNEY_IMAGE_BINARY", "JOURNEY_IMAGE_PATH"
	// standInUpstream: host:port of the plain-HTTP registry that plays the internet's
	// registries (registry.redhat.io, quay.io, ...), by repository path.
	standInUpstream = "JOURNEY_UPSTREAM"
	// standInTrust: the PEM file the workstation's system trust store holds.
	standInTrust = "JOURNEY_WORKSTATION_CA"
	// standInLeaveOut: a file of mirror destinations, one per line, that the mirror
	// stand-in does not copy (images left out on purpose, as if they failed).
	standInLeaveOut = "JOURNEY_LEAVE_OUT"
)

// ocStandIn runs `oc args...` and returns its exit code.
func ocStandIn(args []string) int {
	var err error
	switch {
	case len(args) >= 2 && args[0] == "image" && args[1] == "extract":
		err = ocImageExtract(args[2:])
	case len(args) >= 2 && args[0] == "image" && args[1] == "mirror":
		err = ocImageMirror(args[2:])
	case len(args) >= 2 && args[0] == "registry" && args[1] == "login":
		err = ocRegistryLogin(args[2:])
	case len(args) >= 2 && args[0] == "set" && args[1] == "data":
		err = ocSetData(args[2:])
	case len(args) >= 1 && (args[0] == "get" || args[0] == "patch" || args[0] == "create" || args[0] == "delete" || args[0] == "apply"):
		cmd := exec.Command(os.Getenv(standInKubectl), args...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				return ee.ExitCode()
			}
			fmt.Fprintln(os.Stderr, "oc (kubectl):", err)
			return 1
		}
		return 0
	default:
		err = fmt.Errorf("the journey has no stand-in for oc %s", strings.Join(args, " "))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 1
	}
	return 0
}

// parseInterspersed parses flags that may follow positional arguments, as oc's do.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// ocImageExtract: `oc image extract IMAGE --path SRC:DIR --confirm` copies the file SRC of
// the operator image into DIR; the image holds only the operator's binary.
func ocImageExtract(args []string) error {
	fs := flag.NewFlagSet("oc image extract", flag.ContinueOnError)
	path := fs.String("path", "", "")
	fs.Bool("confirm", false, "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != os.Getenv(standInImage) {
		return fmt.Errorf("image %v not found (the operator image is %s)", pos, os.Getenv(standInImage))
	}
	src, dir, ok := strings.Cut(*path, ":")
	if !ok || src != os.Getenv(standInImagePath) {
		return fmt.Errorf("--path %q: the image has no such file (it has %s)", *path, os.Getenv(standInImagePath))
	}
	data, err := os.ReadFile(os.Getenv(standInImageBinary))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, filepath.Base(src)), data, 0o644)
}

// ocImageMirror: `oc image mirror -a AUTHFILE [--dir DIR | --from-dir DIR] -f MAPPING`
// copies each source=destination line with go-containerregistry. A registry source is
// read from the upstream stand-in; file://P is the tarball DIR/P.tar (--from-dir on the
// source side, --dir on the destination side); a registry destination is written with
// the auth file's credentials for its host, over TLS trusting the workstation's CAs.
func ocImageMirror(args []string) error {
	fs := flag.NewFlagSet("oc image mirror", flag.ContinueOnError)
	authfile := fs.String("a", "", "")
	mapping := fs.String("f", "", "")
	dir := fs.String("dir", "", "")
	fromDir := fs.String("from-dir", "", "")
	if pos, err := parseInterspersed(fs, args); err != nil || len(pos) > 0 || *mapping == "" {
		return fmt.Errorf("usage: oc image mirror -a AUTHFILE [--dir DIR|--from-dir DIR] -f MAPPING (%v %v)", err, pos)
	}
	auths, err := readAuths(*authfile)
	if err != nil {
		return err
	}
	leaveOut := map[string]bool{}
	if f := os.Getenv(standInLeaveOut); f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		for _, l := range strings.Fields(string(data)) {
			leaveOut[l] = true
		}
	}
	pool := x509.NewCertPool()
	if pem, err := os.ReadFile(os.Getenv(standInTrust)); err == nil {
		pool.AppendCertsFromPEM(pem)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}

	f, err := os.Open(*mapping)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	copied := 0
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		src, dst, ok := strings.Cut(line, "=")
		if !ok {
			return fmt.Errorf("mapping line %q is not SRC=DST", line)
		}
		if leaveOut[dst] {
			fmt.Fprintf(os.Stderr, "info: %s left out\n", dst)
			continue
		}
		img, err := readImage(src, *fromDir)
		if err != nil {
			return fmt.Errorf("%s: %w", src, err)
		}
		if err := writeImage(dst, *dir, img, auths, tr); err != nil {
			return fmt.Errorf("%s: %w", dst, err)
		}
		copied++
	}
	fmt.Fprintf(os.Stderr, "info: mirrored %d images\n", copied)
	return sc.Err()
}

func diskPath(dir, ref string) (string, error) {
	if dir == "" {
		return "", fmt.Errorf("%s is on disk, but no --dir or --from-dir was given", ref)
	}
	return filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(ref, "file://"))) + ".tar", nil
}

func readImage(src, fromDir string) (v1.Image, error) {
	if strings.HasPrefix(src, "file://") {
		p, err := diskPath(fromDir, src)
		if err != nil {
			return nil, err
		}
		return tarball.ImageFromPath(p, nil)
	}
	r, err := name.ParseReference(src)
	if err != nil {
		return nil, err
	}
	sep := ":"
	if _, ok := r.(name.Digest); ok {
		sep = "@"
	}
	up, err := name.ParseReference(os.Getenv(standInUpstream)+"/"+r.Context().RepositoryStr()+sep+r.Identifier(), name.Insecure)
	if err != nil {
		return nil, err
	}
	return remote.Image(up)
}

func writeImage(dst, dir string, img v1.Image, auths map[string]authn.AuthConfig, tr http.RoundTripper) error {
	if strings.HasPrefix(dst, "file://") {
		p, err := diskPath(dir, dst)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		tag, err := name.ParseReference("disk.invalid/" + strings.TrimPrefix(dst, "file://"))
		if err != nil {
			return err
		}
		return tarball.WriteToFile(p, tag, img)
	}
	r, err := name.ParseReference(dst)
	if err != nil {
		return err
	}
	a, ok := auths[r.Context().RegistryStr()]
	if !ok {
		return fmt.Errorf("no credentials for %s in the auth file", r.Context().RegistryStr())
	}
	return remote.Write(r, img, remote.WithAuth(authn.FromConfig(a)), remote.WithTransport(tr))
}

type authFile struct {
	Auths map[string]authn.AuthConfig `json:"auths"`
}

func readAuths(path string) (map[string]authn.AuthConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f authFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f.Auths, nil
}

// ocRegistryLogin: `oc registry login --registry HOST --auth-basic USER:PASS --to FILE`
// adds (or replaces) HOST's entry in the auth file FILE, keeping the others.
func ocRegistryLogin(args []string) error {
	fs := flag.NewFlagSet("oc registry login", flag.ContinueOnError)
	reg := fs.String("registry", "", "")
	basic := fs.String("auth-basic", "", "")
	to := fs.String("to", "", "")
	if pos, err := parseInterspersed(fs, args); err != nil || len(pos) > 0 || *reg == "" || *to == "" || !strings.Contains(*basic, ":") {
		return fmt.Errorf("usage: oc registry login --registry HOST --auth-basic USER:PASS --to FILE (%v)", err)
	}
	doc := map[string]any{}
	if data, err := os.ReadFile(*to); err == nil {
		if err := json.Unmarshal(data, &doc); err != nil {
			return fmt.Errorf("%s: %w", *to, err)
		}
	} else if !os.IsNotExist(err) {
		return err
	}
	auths, _ := doc["auths"].(map[string]any)
	if auths == nil {
		auths = map[string]any{}
	}
	auths[*reg] = map[string]any{"auth": base64.StdEncoding.EncodeToString([]byte(*basic))}
	doc["auths"] = auths
	data, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return os.WriteFile(*to, data, 0o600)
}

// ocSetData: `oc set data secret/NAME -n NS --from-file=KEY=FILE` sets the key of the
// Secret to the file's bytes, keeping its other keys and its type.
func ocSetData(args []string) error {
	fs := flag.NewFlagSet("oc set data", flag.ContinueOnError)
	ns := fs.String("n", "", "")
	fromFile := fs.String("from-file", "", "")
	pos, err := parseInterspersed(fs, args)
	if err != nil || len(pos) != 1 || !strings.HasPrefix(pos[0], "secret/") {
		return fmt.Errorf("usage: oc set data secret/NAME -n NS --from-file=KEY=FILE (%v %v)", err, pos)
	}
	key, file, ok := strings.Cut(*fromFile, "=")
	if !ok {
		return fmt.Errorf("--from-file=%s: want KEY=FILE", *fromFile)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(clientcmd.NewDefaultClientConfigLoadingRules(), &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return err
	}
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		return err
	}
	ctx := context.Background()
	s := &corev1.Secret{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: *ns, Name: strings.TrimPrefix(pos[0], "secret/")}, s); err != nil {
		return err
	}
	if s.Data == nil {
		s.Data = map[string][]byte{}
	}
	s.Data[key] = data
	if err := c.Update(ctx, s); err != nil {
		return err
	}
	fmt.Printf("secret/%s data updated\n", s.Name)
	return nil
}
