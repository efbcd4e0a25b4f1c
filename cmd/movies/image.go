//go:build !serveonly

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/movieskit/movies/image"
	"github.com/movieskit/movies/image/bootstrap"
	"github.com/spf13/cobra"
)

// imageOptions are the flags of `movies image build`.
type imageOptions struct {
	archs     []string
	out       string
	format    string
	push      string
	bootstrap string
	caCerts   string
	timeout   time.Duration
}

// newImageCmd returns `movies image` with its subcommand build.
func newImageCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "image build",
		Short: "Build the Lambda container image without Docker",
	}
	o := imageOptions{}
	build := &cobra.Command{
		Use:   "build [--arch arm64,amd64] [-o dist/] [--format docker|oci] [--push REF] [--bootstrap PATH]",
		Short: "Build one reproducible Lambda image per architecture",
		Long: `Build the function image: an empty base with the static bootstrap binary
(compiled here with go, or given with --bootstrap) and the CA certificates.
Identical inputs give an identical digest; SOURCE_DATE_EPOCH sets the timestamps.

--format docker writes DIR/movies-ARCH.tar (for docker load, tagged movies:ARCH);
--format oci writes an OCI layout in DIR/oci holding every architecture.
--push REF pushes with the docker credential helpers (as ECR needs); with more
than one architecture each is pushed to REF's tag suffixed with -ARCH, because
Lambda does not accept multi-architecture indexes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), o.timeout)
			defer cancel()
			return imageBuild(ctx, o, os.Getenv, cmd.OutOrStdout())
		},
	}
	f := build.Flags()
	f.StringSliceVar(&o.archs, "arch", bootstrap.Architectures, "architectures to build, comma-separated: arm64, amd64")
	f.StringVarP(&o.out, "output", "o", "dist", "output directory (empty: write nothing)")
	f.StringVar(&o.format, "format", "docker", "output format: docker (docker-archive tarball) or oci (OCI layout)")
	f.StringVar(&o.push, "push", "", "registry reference to push to, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/movies:v1")
	f.StringVar(&o.bootstrap, "bootstrap", "", "prebuilt linux bootstrap binary to use instead of compiling (one --arch only)")
	f.StringVar(&o.caCerts, "ca-certs", image.DefaultCACerts, "PEM CA bundle to put in the image")
	f.DurationVar(&o.timeout, "timeout", 15*time.Minute, "how long compiling, writing and pushing may take")
	cmd.AddCommand(build)
	return cmd
}

// checkImageOptions reports bad flag combinations.
func checkImageOptions(o imageOptions) error {
	if len(o.archs) == 0 {
		return errors.New("--arch: give at least one architecture")
	}
	seen := map[string]bool{}
	for _, a := range o.archs {
		if err := bootstrap.CheckArch(a); err != nil {
			return fmt.Errorf("--arch: %w", err)
		}
		if seen[a] {
			return fmt.Errorf("--arch: %s is given twice", a)
		}
		seen[a] = true
	}
	if o.format != "docker" && o.format != "oci" {
		return fmt.Errorf("--format: %q is not docker or oci", o.format)
	}
	if o.bootstrap != "" && len(o.archs) != 1 {
		return errors.New("--bootstrap: a prebuilt binary is for one architecture; pass exactly one --arch")
	}
	if o.push != "" {
		if _, err := pushRef(o.push, o.archs[0], len(o.archs)); err != nil {
			return err
		}
	}
	if o.out == "" && o.push == "" {
		return errors.New("nothing to do: give -o DIR, --push REF or both")
	}
	return nil
}

// pushRef returns where to push the image for arch: ref itself when only one
// architecture is built, else ref's tag suffixed with -arch.
func pushRef(ref, arch string, n int) (string, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return "", fmt.Errorf("--push: %w", err)
	}
	tag, ok := r.(name.Tag)
	if !ok {
		return "", fmt.Errorf("--push: %q names a digest; give a tag", ref)
	}
	if n == 1 {
		return tag.String(), nil
	}
	return tag.Context().Tag(tag.TagStr() + "-" + arch).String(), nil
}

// imageBuild builds, writes and pushes one image per architecture and prints
// the digest and size of each.
func imageBuild(ctx context.Context, o imageOptions, getenv func(string) string, stdout io.Writer) error {
	if err := checkImageOptions(o); err != nil {
		return withExitCode(2, err)
	}
	created, err := image.CreatedFromEnv(getenv)
	if err != nil {
		return withExitCode(2, err)
	}
	tmp, err := os.MkdirTemp("", "movies-image-")
	if err != nil {
		return fmt.Errorf("temporary directory: %w", err)
	}
	defer func() { _ = os.RemoveAll(tmp) }() // best effort: a leftover temporary directory is harmless
	var imgs []v1.Image
	for _, arch := range o.archs {
		img, err := buildArch(ctx, o, arch, created, tmp)
		if err != nil {
			return err
		}
		imgs = append(imgs, img)
		where, err := deliver(ctx, o, arch, img)
		if err != nil {
			return err
		}
		if err := printImage(stdout, arch, img, where); err != nil {
			return err
		}
	}
	if o.out != "" && o.format == "oci" {
		dir := filepath.Join(o.out, "oci")
		if err := image.WriteOCILayout(dir, imgs...); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "OCI layout: %s\n", dir)
	}
	return nil
}

// buildArch compiles the bootstrap for arch (unless --bootstrap is given) and builds its image.
func buildArch(ctx context.Context, o imageOptions, arch string, created time.Time, tmp string) (v1.Image, error) {
	bin := o.bootstrap
	if bin == "" {
		bin = filepath.Join(tmp, "bootstrap-"+arch)
		if err := bootstrap.Build(ctx, ".", arch, bin); err != nil {
			return nil, fmt.Errorf("%w (run inside the repository or pass --bootstrap)", err)
		}
	}
	return image.Build(image.Options{Arch: arch, Bootstrap: bin, CACerts: o.caCerts, Created: created})
}

// deliver writes the docker tarball and pushes, as the options ask, and
// returns where the image went.
func deliver(ctx context.Context, o imageOptions, arch string, img v1.Image) ([]string, error) {
	var where []string
	if o.out != "" && o.format == "docker" {
		path := filepath.Join(o.out, "movies-"+arch+".tar")
		if err := image.WriteTarball(path, "movies:"+arch, img); err != nil {
			return nil, err
		}
		where = append(where, path)
	}
	if o.push != "" {
		ref, err := pushRef(o.push, arch, len(o.archs))
		if err != nil {
			return nil, err
		}
		if err := image.Push(ctx, ref, img); err != nil {
			return nil, err
		}
		where = append(where, ref)
	}
	return where, nil
}

// printImage prints one line: architecture, digest, sizes and destinations.
func printImage(w io.Writer, arch string, img v1.Image, where []string) error {
	d, err := img.Digest()
	if err != nil {
		return fmt.Errorf("image digest: %w", err)
	}
	size, err := image.SizeOf(img)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\t%s\t%s compressed, %s uncompressed\t%s\n",
		arch, d, megabytes(size.Compressed), megabytes(size.Uncompressed), strings.Join(where, " "))
	return err
}

func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
