package devloop

import "testing"

func TestSkipDir(t *testing.T) {
	for _, tc := range []struct {
		rel      string
		hasGoMod bool
		want     bool
	}{
		{".", true, false}, // the module root holds the module's go.mod
		{"api", false, false},
		{"gateway/riepool", false, false},
		{"vendor", false, false},
		{".git", false, true},
		{".cache", false, true},
		{"api/.hidden", false, true},
		{"_old", false, true},
		{"gateway/testdata", false, true},
		{"testdata", false, true},
		{"web/node_modules", false, true},
		{"bin", false, true},
		{"dist", false, true},
		{"cmd/bin", false, false}, // only the Makefile's outputs at the root
		{"infra", true, true},     // its own module, cdk.out inside
		{"tools", true, true},
	} {
		if got := skipDir(tc.rel, tc.hasGoMod); got != tc.want {
			t.Errorf("skipDir(%q, go.mod %v) = %v, want %v", tc.rel, tc.hasGoMod, got, tc.want)
		}
	}
}

func TestRelevant(t *testing.T) {
	embeds := map[string]bool{"sample/movies.json": true}
	for _, tc := range []struct {
		rel  string
		want bool
	}{
		{"api/get.go", true},
		{"movies.go", true},
		{"go.mod", true},
		{"go.sum", true},
		{"go.work", true},
		{"go.work.sum", true},
		{"sample/movies.json", true},
		{"api/get_test.go", false},
		{"fuzz_test.go", false},
		{"api/.#get.go", false},      // an Emacs lock file
		{"api/.get.go.swp", false},   // a Vim swap file
		{"api/get.go~", false},       // a backup
		{"api/4913", false},          // Vim's probe file
		{"api/_generated.go", false}, // go build ignores it
		{"README.md", false},
		{"docs/openapi.json", false},
		{"infra/go.mod", false},
		{"sample/other.json", false},
	} {
		if got := relevant(tc.rel, embeds); got != tc.want {
			t.Errorf("relevant(%q) = %v, want %v", tc.rel, got, tc.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	many := make([]string, 50)
	many[0] = "api/get.go"
	for _, tc := range []struct {
		changed []string
		want    string
	}{
		{nil, "start"},
		{[]string{"api/get.go"}, "api/get.go"},
		{[]string{"api/get.go", "api/list.go"}, "api/get.go and api/list.go"},
		{[]string{"api/get.go", "api/list.go", "go.mod"}, "api/get.go and 2 more"},
		{many, "api/get.go and 49 more"},
	} {
		if got := describe(tc.changed); got != tc.want {
			t.Errorf("describe(%d files) = %q, want %q", len(tc.changed), got, tc.want)
		}
	}
}
