package gateway

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// errBadPath reports a request path that API Gateway rejects before any
// function runs: it is not valid URL encoding once decoded, or twice.
var errBadPath = errors.New("request path is not valid URL encoding")

// decodePath returns the path API Gateway HTTP API routes on and hands the
// function as rawPath and requestContext.http.path, from the path as sent
// (docs/FIDELITY.md, "Request path"): it is URL-decoded, cut at the first
// decoded '?', and decoded a second time. So "/a%20b" is "/a b",
// "/a%3Fb" is "/a", "/a%252F" is "/a/" and "/a%253Fb" is "/a?b"; a path
// that does not survive either decoding ("/a%zz", "/a%25zz") is errBadPath.
func decodePath(sent string) (string, error) {
	once, err := url.PathUnescape(sent)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", errBadPath, sent, err)
	}
	once, _, _ = strings.Cut(once, "?")
	twice, err := url.PathUnescape(once)
	if err != nil {
		return "", fmt.Errorf("%w: %q decoded once is %q: %w", errBadPath, sent, once, err)
	}
	return twice, nil
}
