package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoCredentialChain checks that the bootstrap links none of the standard
// AWS configuration and its credential chain (see awsConfig).
func TestNoCredentialChain(t *testing.T) {
	goCmd := "go"
	if root := os.Getenv("GOROOT"); root != "" {
		goCmd = filepath.Join(root, "bin", "go")
	}
	out, err := exec.CommandContext(t.Context(), goCmd, "list", "-deps", ".").Output() //nolint:gosec // G204: the go toolchain on this package
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	for _, banned := range []string{
		"github.com/aws/aws-sdk-go-v2/config",
		"github.com/aws/aws-sdk-go-v2/service/sts",
		"github.com/aws/aws-sdk-go-v2/service/sso",
		"github.com/aws/aws-sdk-go-v2/service/ssooidc",
		"github.com/aws/aws-sdk-go-v2/feature/ec2/imds",
	} {
		for _, d := range deps {
			if d == banned {
				t.Errorf("the bootstrap depends on %s", banned)
			}
		}
	}
}

func TestAWSConfig(t *testing.T) {
	lambdaEnv := map[string]string{
		"AWS_REGION":            "eu-west-1",
		"AWS_ACCESS_KEY_ID":     "AKID",
		"AWS_SECRET_ACCESS_KEY": "SECRET",
		"AWS_SESSION_TOKEN":     "TOKEN",
	}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range lambdaEnv {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name         string
		env          map[string]string
		wantRegion   string
		wantEndpoint string
		wantErr      string
	}{
		{"lambda", lambdaEnv, "eu-west-1", "", ""},
		{"default region", with("AWS_REGION", "", "AWS_DEFAULT_REGION", "us-west-2"), "us-west-2", "", ""},
		{"dynamodb endpoint", with("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000", "AWS_ENDPOINT_URL", "http://other"), "eu-west-1", "http://127.0.0.1:8000", ""},
		{"global endpoint", with("AWS_ENDPOINT_URL", "http://127.0.0.1:9000"), "eu-west-1", "http://127.0.0.1:9000", ""},
		{"endpoints ignored", with("AWS_ENDPOINT_URL_DYNAMODB", "http://x", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"), "eu-west-1", "", ""},
		{"no region", with("AWS_REGION", ""), "", "", "AWS_REGION is not set"},
		{"no key", with("AWS_ACCESS_KEY_ID", ""), "", "", "no AWS credentials"},
		{"no secret", with("AWS_SECRET_ACCESS_KEY", ""), "", "", "no AWS credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := awsConfig(env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Region != tt.wantRegion {
				t.Errorf("region = %q, want %q", cfg.Region, tt.wantRegion)
			}
			var ep string
			if cfg.BaseEndpoint != nil {
				ep = *cfg.BaseEndpoint
			}
			if ep != tt.wantEndpoint {
				t.Errorf("endpoint = %q, want %q", ep, tt.wantEndpoint)
			}
			creds, err := cfg.Credentials.Retrieve(context.Background())
			if err != nil || creds.AccessKeyID != "AKID" || creds.SecretAccessKey != "SECRET" || creds.SessionToken != "TOKEN" {
				t.Errorf("credentials = %+v, %v; want the environment's", creds, err)
			}
		})
	}
}
