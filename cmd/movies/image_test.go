package main

import (
	"bytes"
	"context"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// fakeBootstrap writes a stand-in bootstrap file; the image builder does not run it.
func fakeBootstrap(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "bootstrap")
	if err := os.WriteFile(p, []byte("\x7fELF not really"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// runImageCmd runs `image ARGS...` and returns its output.
func runImageCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newImageCmd()
	var out bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(io.Discard)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

var digestLine = regexp.MustCompile(`(?m)^amd64\tsha256:[0-9a-f]{64}\t[0-9.]+ MB compressed, [0-9.]+ MB uncompressed\t`)

func TestImageBuildDocker(t *testing.T) {
	dir := t.TempDir()
	out, err := runImageCmd(t, "build", "--arch", "amd64", "--bootstrap", fakeBootstrap(t), "-o", dir)
	if err != nil {
		t.Fatal(err)
	}
	if !digestLine.MatchString(out) {
		t.Errorf("output %q has no digest and size line", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "movies-amd64.tar")); err != nil {
		t.Errorf("tarball: %v", err)
	}
}

func TestImageBuildOCI(t *testing.T) {
	dir := t.TempDir()
	out, err := runImageCmd(t, "build", "--arch", "amd64", "--bootstrap", fakeBootstrap(t), "-o", dir, "--format", "oci")
	if err != nil {
		t.Fatal(err)
	}
	idx, err := layout.ImageIndexFromPath(filepath.Join(dir, "oci"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Manifests) != 1 || !strings.Contains(out, m.Manifests[0].Digest.String()) {
		t.Errorf("layout %v does not hold the printed image %q", m.Manifests, out)
	}
}

func TestImageBuildPush(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	ref := strings.TrimPrefix(srv.URL, "http://") + "/movies:v1"
	out, err := runImageCmd(t, "build", "--arch", "amd64", "--bootstrap", fakeBootstrap(t), "-o", "", "--push", ref)
	if err != nil {
		t.Fatal(err)
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Head(r, remote.WithContext(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, desc.Digest.String()) {
		t.Errorf("pushed %s, printed %q", desc.Digest, out)
	}
}

func TestImageBuildUsageErrors(t *testing.T) {
	bin := fakeBootstrap(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown arch", []string{"--arch", "386"}, `"386" is not supported`},
		{"duplicate arch", []string{"--arch", "amd64,amd64"}, "given twice"},
		{"bad format", []string{"--arch", "amd64", "--bootstrap", bin, "--format", "zip"}, "not docker or oci"},
		{"bootstrap for two archs", []string{"--arch", "amd64,arm64", "--bootstrap", bin}, "exactly one --arch"},
		{"bad push ref", []string{"--arch", "amd64", "--bootstrap", bin, "--push", "Not A Ref"}, "--push"},
		{"push by digest", []string{"--arch", "amd64", "--bootstrap", bin, "--push", "example.com/m@sha256:" + strings.Repeat("a", 64)}, "give a tag"},
		{"nothing to do", []string{"--arch", "amd64", "--bootstrap", bin, "-o", ""}, "nothing to do"},
		{"extra argument", []string{"now"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runImageCmd(t, append([]string{"build", "-o", t.TempDir()}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestImageBuildSourceDateEpoch(t *testing.T) {
	bin := fakeBootstrap(t)
	build := func(epoch string) (string, error) {
		var out bytes.Buffer
		o := imageOptions{archs: []string{"amd64"}, out: t.TempDir(), format: "docker", bootstrap: bin, caCerts: "/etc/ssl/certs/ca-certificates.crt"}
		err := imageBuild(context.Background(), o, func(k string) string {
			if k == "SOURCE_DATE_EPOCH" {
				return epoch
			}
			return ""
		}, &out)
		return out.String(), err
	}
	first, err := build("1700000000")
	if err != nil {
		t.Fatal(err)
	}
	again, err := build("1700000000")
	if err != nil {
		t.Fatal(err)
	}
	other, err := build("")
	if err != nil {
		t.Fatal(err)
	}
	digest := func(s string) string { return strings.Fields(s)[1] }
	if digest(first) != digest(again) || digest(first) == digest(other) {
		t.Errorf("digests: %s, %s (same epoch), %s (no epoch)", digest(first), digest(again), digest(other))
	}
	if _, err := build("yesterday"); exitCode(err) != 2 {
		t.Errorf("bad SOURCE_DATE_EPOCH: err = %v, exit code %d; want 2", err, exitCode(err))
	}
}

func TestPushRef(t *testing.T) {
	tests := []struct {
		ref, arch string
		n         int
		want      string
	}{
		{"example.com/movies:v1", "arm64", 1, "example.com/movies:v1"},
		{"example.com/movies:v1", "arm64", 2, "example.com/movies:v1-arm64"},
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com/movies", "amd64", 2, "123456789012.dkr.ecr.us-east-1.amazonaws.com/movies:latest-amd64"},
	}
	for _, tt := range tests {
		got, err := pushRef(tt.ref, tt.arch, tt.n)
		if err != nil || got != tt.want {
			t.Errorf("pushRef(%q, %s, %d) = %q, %v; want %q", tt.ref, tt.arch, tt.n, got, err, tt.want)
		}
	}
}
