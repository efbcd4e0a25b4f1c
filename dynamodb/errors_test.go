package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/movieskit/movies"
)

func TestStoreError(t *testing.T) {
	apiErr := func(code string) error { return &smithy.GenericAPIError{Code: code, Message: "x"} }
	tests := []struct {
		name string
		err  error
		code string
		is   error // must stay reachable with errors.Is, when set
	}{
		{"nil", nil, "", nil},
		{"provisioned throughput", apiErr("ProvisionedThroughputExceededException"), movies.EUNAVAILABLE, nil},
		{"throttling", apiErr("ThrottlingException"), movies.EUNAVAILABLE, nil},
		{"request limit", apiErr("RequestLimitExceeded"), movies.EUNAVAILABLE, nil},
		{"missing table", &types.ResourceNotFoundException{Message: new(string)}, movies.EUNAVAILABLE, nil},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, movies.EUNAVAILABLE, syscall.ECONNREFUSED},
		{"connection reset", &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, movies.EUNAVAILABLE, syscall.ECONNRESET},
		{"timeout", &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}, movies.EUNAVAILABLE, nil},
		{"canceled", fmt.Errorf("op: %w", context.Canceled), movies.EUNAVAILABLE, context.Canceled},
		{"deadline", fmt.Errorf("op: %w", context.DeadlineExceeded), movies.EUNAVAILABLE, context.DeadlineExceeded},
		{"closed under the answer", &smithy.DeserializationError{Err: fmt.Errorf("failed to copy error response body, %w",
			&net.OpError{Op: "read", Net: "tcp", Err: net.ErrClosed})}, movies.EUNAVAILABLE, net.ErrClosed},
		{"answer cut short", &smithy.DeserializationError{Err: io.ErrUnexpectedEOF}, movies.EUNAVAILABLE, io.ErrUnexpectedEOF},
		{"server error", &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 500}},
			Err: apiErr("InternalServerError")}, movies.EUNAVAILABLE, nil},
		{"validation", apiErr("ValidationException"), movies.EINTERNAL, nil},
		{"other", errors.New("boom"), movies.EINTERNAL, nil},
		{"domain error kept", movies.Errorf(movies.EINVALID, "bad"), movies.EINVALID, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := storeError(tt.err)
			if code := movies.ErrorCode(err); code != tt.code {
				t.Fatalf("code = %q, want %q (%v)", code, tt.code, err)
			}
			if tt.err != nil && !errors.Is(err, tt.err) {
				t.Errorf("%v does not wrap the cause", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("%v does not wrap %v", err, tt.is)
			}
			if msg := movies.ErrorMessage(err); tt.code == movies.EUNAVAILABLE && (msg == "" || msg == "x") {
				t.Errorf("message %q is not caller-safe", msg)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempt int
		max     time.Duration
	}{
		{0, backoffBase},
		{1, 2 * backoffBase},
		{3, 8 * backoffBase},
		{7, backoffCap},
		{100, backoffCap},
	}
	for _, tt := range tests {
		for range 200 {
			if d := backoff(tt.attempt); d < 0 || d > tt.max {
				t.Fatalf("backoff(%d) = %v, want 0..%v", tt.attempt, d, tt.max)
			}
		}
	}
}

func TestPutError(t *testing.T) {
	written := make([]movies.Key, 25)
	for i := range written {
		written[i] = movies.Key{Year: 2000, Title: fmt.Sprint(i)}
	}
	err := putError(fmt.Errorf("put: %w", &smithy.GenericAPIError{Code: "ThrottlingException"}), written, 30)
	if code := movies.ErrorCode(err); code != movies.EUNAVAILABLE {
		t.Errorf("code = %q", code)
	}
	if msg, want := movies.ErrorMessage(err), "the movie store is unavailable: wrote 25 of 30 movies"; msg != want {
		t.Errorf("message = %q, want %q", msg, want)
	}
	var pw *PartialWriteError
	if !errors.As(err, &pw) || len(pw.WrittenKeys()) != 25 || pw.Total != 30 {
		t.Errorf("errors.As(%v, *PartialWriteError) = %v, %+v", err, pw != nil, pw)
	}
}
