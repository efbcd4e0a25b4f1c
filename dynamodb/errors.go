package dynamodb

import (
	"context"
	"errors"
	"net"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
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

// throttlingCodes are the error codes that say DynamoDB is busy: Put retries
// them until its context is done.
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
	var dnsErr *net.DNSError
	return isTransient(err) || errors.As(err, &dnsErr)
}

// isTransient reports whether err is a call that failed in transit, which
// the same call may not meet again: the connection could not be made, was
// reset or closed, or timed out; the answer could not be read; or DynamoDB
// answered with a 5xx or a throttling code. These are the failures the SDK
// itself counts as retryable, and a failed read of an answer's body, which
// the SDK does not retry (a closed connection aside).
func isTransient(err error) bool {
	var de *smithy.DeserializationError
	return errors.As(err, &de) || transient.IsErrorRetryable(err) == aws.TrueTernary
}

// transient is the SDK's own list of retryable failures.
var transient = retry.IsErrorRetryables(retry.DefaultRetryables)

// isThrottling reports whether err is DynamoDB throttling the caller.
func isThrottling(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && throttlingCodes[apiErr.ErrorCode()]
}
