package dynamodb

import (
	"context"
	"errors"
	"net"
	"syscall"

	"github.com/aws/smithy-go"
	"github.com/movieskit/movies"
)

// Caller-safe messages.
const (
	msgUnavailable = "the movie store is unavailable"
	msgCanceled    = "the request was canceled"
	msgTimeout     = "the movie store did not answer in time"
	msgInternal    = "the movie store failed"
)

// unavailableCodes are DynamoDB error codes after which the caller may retry:
// throttling, a missing table, and the service's own unavailability.
var unavailableCodes = map[string]bool{
	"ProvisionedThroughputExceededException": true,
	"ThrottlingException":                    true,
	"RequestLimitExceeded":                   true,
	"ResourceNotFoundException":              true,
	"ServiceUnavailable":                     true,
}

// throttlingCodes are the error codes Put retries with its own backoff.
var throttlingCodes = map[string]bool{
	"ProvisionedThroughputExceededException": true,
	"ThrottlingException":                    true,
	"RequestLimitExceeded":                   true,
}

// storeError converts an SDK error to a domain error whose message is safe to
// show and whose cause is err. It returns nil for nil.
func storeError(err error) error {
	if err == nil {
		return nil
	}
	var e *movies.Error
	if errors.As(err, &e) {
		return err
	}
	switch {
	case errors.Is(err, context.Canceled):
		return movies.WrapError(movies.EUNAVAILABLE, err, msgCanceled)
	case errors.Is(err, context.DeadlineExceeded):
		return movies.WrapError(movies.EUNAVAILABLE, err, msgTimeout)
	case isUnavailable(err):
		return movies.WrapError(movies.EUNAVAILABLE, err, msgUnavailable)
	default:
		return movies.WrapError(movies.EINTERNAL, err, msgInternal)
	}
}

// isUnavailable reports whether err means DynamoDB is unreachable, slow or
// throttling, or the table is missing.
func isUnavailable(err error) bool {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && unavailableCodes[apiErr.ErrorCode()] {
		return true
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ETIMEDOUT) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr)
}

// isThrottling reports whether err is DynamoDB throttling the caller.
func isThrottling(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && throttlingCodes[apiErr.ErrorCode()]
}
