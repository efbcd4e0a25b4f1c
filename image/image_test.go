package image

import (
	"archive/tar"
	"context"
	"debug/elf"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/validate"
	"github.com/movieskit/movies/image/bootstrap"
	"github.com/movieskit/movies/internal/repo"
)

// maxImageBytes is the budget for the uncompressed image.
const maxImageBytes = 10 << 20

var elfMachine = map[string]elf.Machine{"arm64": elf.EM_AARCH64, "amd64": elf.EM_X86_64}

// binaries caches one test binary per architecture for the whole test run.
var binaries struct {
	sync.Mutex
	dir   string
	paths map[string]string
}

// testBinary returns the path of a static linux binary for arch: the real
// bootstrap (cmd/bootstrap) built with bootstrap.Build.
func testBinary(t testing.TB, arch string) string {
	t.Helper()
	binaries.Lock()
	defer binaries.Unlock()
	if p, ok := binaries.paths[arch]; ok {
		return p
	}
	if binaries.dir == "" {
		// Shared by every test in the package (built once), so not t.TempDir; TestMain removes it.
		d, err := os.MkdirTemp("", "movies-image-test-") //nolint:usetesting // see above
		if err != nil {
			t.Fatal(err)
		}
		binaries.dir, binaries.paths = d, map[string]string{}
	}
	root, err := repo.Root(".")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(binaries.dir, "bootstrap-"+arch)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := bootstrap.Build(ctx, root, arch, out); err != nil {
		t.Fatal(err)
	}
	binaries.paths[arch] = out
	return out
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binaries.dir != "" {
		_ = os.RemoveAll(binaries.dir)
	}
	os.Exit(code)
}

func TestBuild(t *testing.T) {
	for _, arch := range bootstrap.Architectures {
		t.Run(arch, func(t *testing.T) {
			bin := testBinary(t, arch)
			img, err := Build(Options{Arch: arch, Bootstrap: bin})
			if err != nil {
				t.Fatal(err)
			}
			if err := validate.Image(img); err != nil {
				t.Fatalf("validate: %v", err)
			}
			checkConfig(t, img, arch)
			files := extract(t, img)
			checkFile(t, files, BootstrapPath, 0o755)
			checkFile(t, files, CACertsPath, 0o644)
			if m := machineOf(t, files[BootstrapPath].data); m != elfMachine[arch] {
				t.Errorf("bootstrap ELF machine = %v, want %v", m, elfMachine[arch])
			}
			size, err := SizeOf(img)
			if err != nil {
				t.Fatal(err)
			}
			if size.Uncompressed > maxImageBytes || size.Compressed > size.Uncompressed {
				t.Errorf("size = %+v, want uncompressed <= %d and compressed <= uncompressed", size, maxImageBytes)
			}
			t.Logf("%s: compressed %d bytes, uncompressed %d bytes", arch, size.Compressed, size.Uncompressed)
		})
	}
}

func checkConfig(t *testing.T, img v1.Image, arch string) {
	t.Helper()
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Architecture != arch || cfg.OS != "linux" {
		t.Errorf("platform = %s/%s, want linux/%s", cfg.OS, cfg.Architecture, arch)
	}
	if !slices.Equal(cfg.Config.Entrypoint, []string{BootstrapPath}) {
		t.Errorf("entrypoint = %q, want [%s]", cfg.Config.Entrypoint, BootstrapPath)
	}
	if !slices.Equal(cfg.Config.Cmd, []string{"list"}) {
		t.Errorf("cmd = %q, want [list]", cfg.Config.Cmd)
	}
	if !slices.Contains(cfg.Config.Env, "SSL_CERT_FILE="+CACertsPath) {
		t.Errorf("env = %q, want SSL_CERT_FILE", cfg.Config.Env)
	}
	if !cfg.Created.Equal(time.Unix(0, 0)) {
		t.Errorf("created = %v, want Unix 0", cfg.Created.Time)
	}
}

// extracted is one entry of an image's flattened filesystem.
type extracted struct {
	hdr  *tar.Header
	data []byte
}

// extract flattens img with mutate.Extract and returns its entries by absolute path.
func extract(t *testing.T, img v1.Image) map[string]extracted {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	files := map[string]extracted{}
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatalf("extract: %v", err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("extract %s: %v", hdr.Name, err)
		}
		files["/"+strings.TrimSuffix(strings.TrimPrefix(hdr.Name, "/"), "/")] = extracted{hdr: hdr, data: data}
	}
}

func checkFile(t *testing.T, files map[string]extracted, path string, mode int64) {
	t.Helper()
	f, ok := files[path]
	switch {
	case !ok:
		t.Errorf("%s is missing", path)
	case f.hdr.Typeflag != tar.TypeReg || f.hdr.Mode != mode:
		t.Errorf("%s: type %c mode %o, want regular file mode %o", path, f.hdr.Typeflag, f.hdr.Mode, mode)
	case f.hdr.Uid != 0 || f.hdr.Gid != 0 || f.hdr.Uname != "" || f.hdr.Gname != "":
		t.Errorf("%s: owner %d:%d (%q:%q), want 0:0", path, f.hdr.Uid, f.hdr.Gid, f.hdr.Uname, f.hdr.Gname)
	case !f.hdr.ModTime.Equal(time.Unix(0, 0)):
		t.Errorf("%s: mtime %v, want Unix 0", path, f.hdr.ModTime)
	case len(f.data) == 0:
		t.Errorf("%s is empty", path)
	}
}

func machineOf(t *testing.T, data []byte) elf.Machine {
	t.Helper()
	f, err := elf.NewFile(strings.NewReader(string(data)))
	if err != nil {
		t.Fatalf("bootstrap is not an ELF file: %v", err)
	}
	return f.Machine
}

func TestBuildIsReproducible(t *testing.T) {
	bin := testBinary(t, "amd64")
	digest := func(opts Options) v1.Hash {
		t.Helper()
		img, err := Build(opts)
		if err != nil {
			t.Fatal(err)
		}
		d, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	base := Options{Arch: "amd64", Bootstrap: bin}
	first, second := digest(base), digest(base)
	if first != second {
		t.Fatalf("two builds of the same inputs: %s != %s", first, second)
	}
	later := base
	later.Created = time.Unix(1700000000, 0)
	if digest(later) == first {
		t.Error("a different creation time gave the same digest")
	}
	get := base
	get.Cmd = []string{"get"}
	if digest(get) == first {
		t.Error("a different command gave the same digest")
	}
}

func TestBuildRejectsBadOptions(t *testing.T) {
	bin := testBinary(t, "amd64")
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"no arch", Options{Bootstrap: bin}, "architecture"},
		{"unknown arch", Options{Arch: "s390x", Bootstrap: bin}, "architecture"},
		{"no bootstrap", Options{Arch: "amd64"}, "no bootstrap"},
		{"missing bootstrap", Options{Arch: "amd64", Bootstrap: filepath.Join(t.TempDir(), "nope")}, "read bootstrap"},
		{"missing certs", Options{Arch: "amd64", Bootstrap: bin, CACerts: filepath.Join(t.TempDir(), "nope")}, "CA certificates"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestCreatedFromEnv(t *testing.T) {
	tests := []struct {
		value   string
		want    time.Time
		wantErr bool
	}{
		{"", time.Unix(0, 0), false},
		{"0", time.Unix(0, 0), false},
		{"1700000000", time.Unix(1700000000, 0), false},
		{"-1", time.Time{}, true},
		{"soon", time.Time{}, true},
		{"1.5", time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			got, err := CreatedFromEnv(func(k string) string {
				if k == "SOURCE_DATE_EPOCH" {
					return tt.value
				}
				return ""
			})
			if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
				t.Fatalf("CreatedFromEnv(%q) = %v, %v; want %v, error %v", tt.value, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func buildImage(t *testing.T, arch string) (v1.Image, v1.Hash) {
	t.Helper()
	img, err := Build(Options{Arch: arch, Bootstrap: testBinary(t, arch)})
	if err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return img, d
}

func TestWriteTarball(t *testing.T) {
	img, want := buildImage(t, "amd64")
	path := filepath.Join(t.TempDir(), "dist", "movies-amd64.tar")
	if err := WriteTarball(path, "movies:amd64", img); err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag("movies:amd64")
	if err != nil {
		t.Fatal(err)
	}
	back, err := tarball.ImageFromPath(path, &tag)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := back.Digest(); err != nil || got != want {
		t.Fatalf("digest after round trip = %v, %v; want %v", got, err, want)
	}
	if err := WriteTarball(path, "Not A Tag!", img); err == nil {
		t.Error("WriteTarball accepted an invalid tag")
	}
}

func TestWriteOCILayout(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "oci")
	want := map[string]v1.Hash{}
	var imgs []v1.Image
	for _, arch := range bootstrap.Architectures {
		img, d := buildImage(t, arch)
		imgs, want[arch] = append(imgs, img), d
	}
	if err := WriteOCILayout(dir, imgs...); err != nil {
		t.Fatal(err)
	}
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Manifests) != len(bootstrap.Architectures) {
		t.Fatalf("layout holds %d manifests, want %d", len(m.Manifests), len(bootstrap.Architectures))
	}
	for _, desc := range m.Manifests {
		if desc.Platform == nil || desc.Digest != want[desc.Platform.Architecture] {
			t.Errorf("manifest %s platform %v, want one of %v", desc.Digest, desc.Platform, want)
		}
		img, err := idx.Image(desc.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate.Image(img); err != nil {
			t.Errorf("validate %s: %v", desc.Digest, err)
		}
	}
}

func TestPushAndPull(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, arch := range bootstrap.Architectures {
		t.Run(arch, func(t *testing.T) {
			img, want := buildImage(t, arch)
			ref := host + "/movies:" + arch
			if err := Push(ctx, ref, img); err != nil {
				t.Fatal(err)
			}
			r, err := name.ParseReference(ref)
			if err != nil {
				t.Fatal(err)
			}
			desc, err := remote.Get(r, remote.WithContext(ctx))
			if err != nil {
				t.Fatal(err)
			}
			if desc.Digest != want {
				t.Fatalf("pulled digest %s, want %s", desc.Digest, want)
			}
			pulled, err := desc.Image()
			if err != nil {
				t.Fatal(err)
			}
			if err := validate.Image(pulled); err != nil {
				t.Fatalf("validate pulled image: %v", err)
			}
		})
	}
	if err := Push(ctx, "not a reference", nil); err == nil {
		t.Error("Push accepted an invalid reference")
	}
}
