package image

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// WriteOCILayout writes imgs to an OCI image layout in dir, creating it if
// needed. Each image is added to the layout's index with its platform, so one
// layout can hold the arm64 and the amd64 image; the index itself is never pushed.
func WriteOCILayout(dir string, imgs ...v1.Image) error {
	p, err := layout.FromPath(dir)
	if err != nil {
		p, err = layout.Write(dir, empty.Index)
		if err != nil {
			return fmt.Errorf("image: create OCI layout %s: %w", dir, err)
		}
	}
	for _, img := range imgs {
		cfg, err := img.ConfigFile()
		if err != nil {
			return fmt.Errorf("image: read config: %w", err)
		}
		platform := v1.Platform{OS: cfg.OS, Architecture: cfg.Architecture}
		if err := p.AppendImage(img, layout.WithPlatform(platform)); err != nil {
			return fmt.Errorf("image: write %s image to OCI layout %s: %w", cfg.Architecture, dir, err)
		}
	}
	return nil
}

// WriteTarball writes img as a docker-archive tarball at path, tagged ref
// (for example "movies:arm64"), ready for `docker load`.
func WriteTarball(path, ref string, img v1.Image) error {
	tag, err := name.NewTag(ref)
	if err != nil {
		return fmt.Errorf("image: tag %q: %w", ref, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil { //nolint:gosec // G301: build output, readable like any build output
		return fmt.Errorf("image: create directory for %s: %w", path, err)
	}
	if err := tarball.WriteToFile(path, tag, img); err != nil {
		return fmt.Errorf("image: write tarball %s: %w", path, err)
	}
	return nil
}

// Push writes img to the registry at ref, authenticating with the standard
// docker credential helpers and config (authn.DefaultKeychain), as Amazon ECR needs.
func Push(ctx context.Context, ref string, img v1.Image) error {
	r, err := name.ParseReference(ref)
	if err != nil {
		return fmt.Errorf("image: reference %q: %w", ref, err)
	}
	if err := remote.Write(r, img, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
		return fmt.Errorf("image: push %s: %w", ref, err)
	}
	return nil
}

// Size describes how big an image is.
type Size struct {
	// Compressed is what a registry stores and Lambda pulls: manifest, config and gzip layers.
	Compressed int64
	// Uncompressed is the size of the unpacked layers plus manifest and config;
	// Lambda limits it to 10 GB.
	Uncompressed int64
}

// SizeOf measures img.
func SizeOf(img v1.Image) (Size, error) {
	m, err := img.RawManifest()
	if err != nil {
		return Size{}, fmt.Errorf("image: read manifest: %w", err)
	}
	c, err := img.RawConfigFile()
	if err != nil {
		return Size{}, fmt.Errorf("image: read config: %w", err)
	}
	layers, err := img.Layers()
	if err != nil {
		return Size{}, fmt.Errorf("image: read layers: %w", err)
	}
	s := Size{Compressed: int64(len(m) + len(c)), Uncompressed: int64(len(m) + len(c))}
	for _, l := range layers {
		n, err := l.Size()
		if err != nil {
			return Size{}, fmt.Errorf("image: layer size: %w", err)
		}
		u, err := uncompressedSize(l)
		if err != nil {
			return Size{}, err
		}
		s.Compressed += n
		s.Uncompressed += u
	}
	return s, nil
}

func uncompressedSize(l v1.Layer) (int64, error) {
	rc, err := l.Uncompressed()
	if err != nil {
		return 0, fmt.Errorf("image: open layer: %w", err)
	}
	defer rc.Close()
	n, err := io.Copy(io.Discard, rc)
	if err != nil {
		return 0, fmt.Errorf("image: read layer: %w", err)
	}
	return n, nil
}
