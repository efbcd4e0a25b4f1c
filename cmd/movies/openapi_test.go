package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOpenAPICommand checks that `movies openapi` prints docs/openapi.json
// exactly, and refuses arguments.
func TestOpenAPICommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"openapi"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "docs", "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stdout.Bytes(), want) {
		t.Error("movies openapi differs from docs/openapi.json; regenerate it with: go run ./cmd/movies openapi > docs/openapi.json")
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"openapi", "extra"}, nil, &stdout, &stderr); code != 2 || stdout.Len() != 0 {
		t.Errorf("with an argument: exit %d, stdout %q; want 2 and nothing", code, stdout.String())
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"openapi", "--cors", `{"allowOrigins":[]}`}, nil, &stdout, &stderr); code != 2 || stdout.Len() != 0 {
		t.Errorf("with a bad --cors: exit %d, stdout %q; want 2 and nothing", code, stdout.String())
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"openapi", "--cors", `{"allowOrigins":["*"],"allowMethods":["GET"]}`}, nil, &stdout, &stderr); code != 0 ||
		!bytes.Contains(stdout.Bytes(), []byte(`"options": {`)) || !bytes.Contains(stdout.Bytes(), []byte(`"Access-Control-Allow-Origin"`)) {
		t.Errorf("with --cors: exit %d, no preflight or CORS header in the document", code)
	}
}

// TestLambdaBinaryHasNoOpenAPI checks that neither the document generator
// nor the validator is linked into the Lambda binary.
func TestLambdaBinaryHasNoOpenAPI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "list", "-deps", "../bootstrap").Output()
	if err != nil {
		t.Fatalf("go list -deps ./cmd/bootstrap: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "kin-openapi") || strings.HasSuffix(dep, "/api/openapi") || strings.HasSuffix(dep, "/openapitest") {
			t.Errorf("the Lambda binary depends on %s", dep)
		}
	}
}
