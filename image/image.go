// Package image builds the movies Lambda container image without Docker: one
// layer holding the static bootstrap binary and the CA certificates, on an
// empty base, with fixed timestamps and owners so that identical inputs give an
// identical digest. It writes the image as a docker-archive tarball or an OCI
// layout, or pushes it to a registry such as Amazon ECR.
//
// Lambda rejects multi-architecture indexes, so there is one image per architecture.
package image

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/movieskit/movies/deploy"
	"github.com/movieskit/movies/image/bootstrap"
)

// Paths and defaults inside the image.
const (
	// BootstrapPath is where the bootstrap binary lives; it is the entrypoint.
	// It is also where the Lambda base images and the RIE look for a custom runtime.
	BootstrapPath = "/var/runtime/bootstrap"
	// CACertsPath is where the CA bundle lives, the first place Go looks on Linux.
	CACertsPath = "/etc/ssl/certs/ca-certificates.crt"
	// DefaultCACerts is the host CA bundle copied into the image by default.
	DefaultCACerts = "/etc/ssl/certs/ca-certificates.crt"
	// DefaultHandler is the default command: the handler the function runs.
	DefaultHandler = deploy.FunctionList
)

// Options describes one image.
type Options struct {
	// Arch is the CPU architecture: arm64 or amd64.
	Arch string
	// Bootstrap is the path to the linux bootstrap binary built for Arch.
	Bootstrap string
	// CACerts is the path to a PEM CA bundle; empty means DefaultCACerts.
	CACerts string
	// Cmd is the image command, the handler name; empty means [DefaultHandler].
	Cmd []string
	// Created is the creation time of the image and the time of every file in it.
	// Use CreatedFromEnv to honour SOURCE_DATE_EPOCH; the zero value means Unix 0.
	Created time.Time
}

// Build returns the Lambda image described by opts. The image has an empty
// base and one layer: BootstrapPath (mode 0755) and CACertsPath (mode 0644).
func Build(opts Options) (v1.Image, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	bootstrap, err := os.ReadFile(opts.Bootstrap)
	if err != nil {
		return nil, fmt.Errorf("image: read bootstrap: %w", err)
	}
	certs, err := os.ReadFile(opts.CACerts)
	if err != nil {
		return nil, fmt.Errorf("image: read CA certificates: %w", err)
	}
	layer, err := newLayer(opts.Created, []file{
		{name: BootstrapPath, mode: 0o755, data: bootstrap},
		{name: CACertsPath, mode: 0o644, data: certs},
	})
	if err != nil {
		return nil, err
	}
	img, err := mutate.Append(empty.Image, mutate.Addendum{
		Layer: layer,
		History: v1.History{
			Created:   v1.Time{Time: opts.Created},
			CreatedBy: "movies image build",
			Comment:   "bootstrap and CA certificates",
		},
	})
	if err != nil {
		return nil, fmt.Errorf("image: append layer: %w", err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("image: read config: %w", err)
	}
	cfg = cfg.DeepCopy()
	cfg.Architecture = opts.Arch
	cfg.OS = "linux"
	cfg.Created = v1.Time{Time: opts.Created}
	cfg.Config.Entrypoint = []string{BootstrapPath}
	cfg.Config.Cmd = opts.Cmd
	cfg.Config.WorkingDir = "/var/task"
	cfg.Config.Env = []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"SSL_CERT_FILE=" + CACertsPath,
	}
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		return nil, fmt.Errorf("image: set config: %w", err)
	}
	return img, nil
}

// withDefaults fills in defaults and checks the options.
func (o Options) withDefaults() (Options, error) {
	if err := bootstrap.CheckArch(o.Arch); err != nil {
		return o, fmt.Errorf("image: %w", err)
	}
	if o.Bootstrap == "" {
		return o, errors.New("image: no bootstrap binary given")
	}
	if o.CACerts == "" {
		o.CACerts = DefaultCACerts
	}
	if len(o.Cmd) == 0 {
		o.Cmd = []string{DefaultHandler}
	}
	if o.Created.IsZero() {
		o.Created = time.Unix(0, 0)
	}
	o.Created = o.Created.UTC().Truncate(time.Second)
	return o, nil
}

// CreatedFromEnv returns the image creation time: SOURCE_DATE_EPOCH (seconds
// since the Unix epoch) when getenv returns it, else Unix 0.
func CreatedFromEnv(getenv func(string) string) (time.Time, error) {
	s := getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	sec, err := strconv.ParseInt(s, 10, 64)
	if err != nil || sec < 0 {
		return time.Time{}, fmt.Errorf("image: SOURCE_DATE_EPOCH must be a non-negative integer number of seconds, got %q", s)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// file is a regular file to put in a layer.
type file struct {
	name string // absolute path in the image
	mode int64
	data []byte
}

// newLayer returns a gzip layer holding files and their parent directories,
// with every time set to mtime and every owner root, in a fixed order.
func newLayer(mtime time.Time, files []file) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	seen := map[string]bool{}
	for _, f := range files {
		name := strings.TrimPrefix(path.Clean(f.name), "/")
		for _, dir := range parents(name) {
			if seen[dir] {
				continue
			}
			seen[dir] = true
			if err := tw.WriteHeader(header(dir+"/", tar.TypeDir, 0o755, 0, mtime)); err != nil {
				return nil, fmt.Errorf("image: write directory %s: %w", dir, err)
			}
		}
		if err := tw.WriteHeader(header(name, tar.TypeReg, f.mode, int64(len(f.data)), mtime)); err != nil {
			return nil, fmt.Errorf("image: write header %s: %w", name, err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, fmt.Errorf("image: write %s: %w", name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("image: close layer: %w", err)
	}
	data := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	})
	if err != nil {
		return nil, fmt.Errorf("image: make layer: %w", err)
	}
	return plainLayer{layer}, nil
}

// plainLayer hides the tarball layer's Descriptor method, whose empty
// annotations map would make the manifest differ from its own parse.
type plainLayer struct{ v1.Layer }

// parents returns the directories above a relative path, outermost first:
// "var/runtime/bootstrap" gives ["var", "var/runtime"].
func parents(name string) []string {
	var dirs []string
	for d := path.Dir(name); d != "." && d != "/"; d = path.Dir(d) {
		dirs = append([]string{d}, dirs...)
	}
	return dirs
}

func header(name string, typ byte, mode, size int64, mtime time.Time) *tar.Header {
	return &tar.Header{
		Typeflag: typ,
		Name:     name,
		Mode:     mode,
		Size:     size,
		ModTime:  mtime,
		Uid:      0,
		Gid:      0,
		Format:   tar.FormatPAX,
	}
}
