package movies

import (
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"
)

// Error codes. Each code maps to exactly one HTTP status in the api package.
const (
	// ENOTFOUND means the requested movie does not exist.
	ENOTFOUND = "not_found"
	// EINVALID means the caller sent something malformed: a bad key, limit or cursor.
	EINVALID = "invalid"
	// EUNAVAILABLE means the store is unreachable or throttling; the caller may retry.
	EUNAVAILABLE = "unavailable"
	// EINTERNAL means anything else went wrong. Its details are never shown to callers.
	EINTERNAL = "internal"
)

// Error is the domain error. Message is safe to show to an API caller;
// Err is the underlying cause, kept for logs only.
type Error struct {
	Code    string
	Message string
	Err     error
}

// Error implements the error interface. It includes the cause, so it is meant for logs.
func (e *Error) Error() string {
	switch {
	case e.Err != nil && e.Message != "":
		return fmt.Sprintf("movies %s: %s: %v", e.Code, e.Message, e.Err)
	case e.Err != nil:
		return fmt.Sprintf("movies %s: %v", e.Code, e.Err)
	default:
		return fmt.Sprintf("movies %s: %s", e.Code, e.Message)
	}
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a caller-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an *Error with the given code and caller-safe message that wraps cause.
func WrapError(code string, cause error, message string) *Error {
	return &Error{Code: code, Message: message, Err: cause}
}

// ErrorCode returns the code of the first *Error in err's chain,
// EINTERNAL for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-safe message of err. Internal errors and
// errors that are not *Error yield the text of status 500, as API Gateway
// words it, so that no internal detail leaks.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	}
	if errors.As(err, &e) && e.Code != EINTERNAL && e.Message != "" {
		return e.Message
	}
	return http.StatusText(http.StatusInternalServerError)
}

// Shorten returns s cut to at most n bytes, at the start of a character, with
// "…" after it when it was cut: a long value quoted in a message.
func Shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
