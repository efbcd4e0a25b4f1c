package devloop

import (
	"path"
	"strconv"
	"strings"
)

// Which files the loop watches. Paths are slash-separated and relative to
// the module root, "." being the root itself.

// skipDir reports whether the watcher leaves out the directory rel, which
// holds a go.mod when hasGoMod is true. It keeps what go build can read from
// this module: not hidden or underscore directories (go ignores them; .git
// and .cache are among them), testdata, node_modules, the build outputs of
// the Makefile (bin, dist) or another module below this one (infra, whose
// cdk.out is inside it).
func skipDir(rel string, hasGoMod bool) bool {
	if rel == "." {
		return false
	}
	base := path.Base(rel)
	switch {
	case strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_"):
		return true
	case base == "testdata" || base == "node_modules":
		return true
	case rel == "bin" || rel == "dist":
		return true
	}
	return hasGoMod
}

// relevant reports whether a change to the file rel can change what go build
// makes of the module: a Go file that is not a test, a file a package embeds
// (embeds holds them), or the module's go.mod, go.sum, go.work or
// go.work.sum. Files whose name starts with "." or "_" are not, as go build
// ignores them: that leaves out the lock and swap files of editors
// (.#get.go, .get.go.swp).
func relevant(rel string, embeds map[string]bool) bool {
	if embeds[rel] {
		return true
	}
	base := path.Base(rel)
	switch {
	case strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_"):
		return false
	case strings.HasSuffix(base, "_test.go"):
		return false
	case strings.HasSuffix(base, ".go"):
		return true
	}
	switch rel {
	case "go.mod", "go.sum", "go.work", "go.work.sum":
		return true
	}
	return false
}

// describe names the changed files of one rebuild for its report line:
// "api/get.go", "api/get.go and api/list.go", "api/get.go and 49 more".
func describe(changed []string) string {
	switch len(changed) {
	case 0:
		return "start"
	case 1:
		return changed[0]
	case 2:
		return changed[0] + " and " + changed[1]
	}
	return changed[0] + " and " + strconv.Itoa(len(changed)-1) + " more"
}
