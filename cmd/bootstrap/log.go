package main

import (
	"context"
	"io"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Environment variables Lambda sets from the function's logging
// configuration (advanced logging controls): the log format, JSON or Text,
// and, with JSON, the application log level. Lambda sets nothing for the
// system log level, which only filters Lambda's own platform records.
const (
	envLogFormat = "AWS_LAMBDA_LOG_FORMAT"
	envLogLevel  = "AWS_LAMBDA_LOG_LEVEL"
)

// The Lambda levels that slog has no name for: TRACE below DEBUG, FATAL
// above ERROR, four apart as slog's own levels are.
const (
	levelTrace = slog.LevelDebug - 4
	levelFatal = slog.LevelError + 4
)

// levels maps the application log levels Lambda accepts to slog levels.
var levels = map[string]slog.Level{
	"TRACE": levelTrace,
	"DEBUG": slog.LevelDebug,
	"INFO":  slog.LevelInfo,
	"WARN":  slog.LevelWarn,
	"ERROR": slog.LevelError,
	"FATAL": levelFatal,
}

// newLogger returns a logger on w configured as the function's logging
// configuration says (getenv is the environment): records below the
// application log level (AWS_LAMBDA_LOG_LEVEL) are dropped, and each record
// is one JSON object, or a key=value line when the log format
// (AWS_LAMBDA_LOG_FORMAT) is Text. Every record logged with an invocation's
// context carries its AWS request id (awsRequestId).
//
// The JSON records have the top-level "level" key that Lambda's own
// log-level filter reads, with Lambda's level names (TRACE and FATAL too), so
// Lambda and the logger agree on what is dropped.
func newLogger(w io.Writer, getenv func(string) string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: parseLevel(getenv(envLogLevel)), ReplaceAttr: levelNames}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if strings.EqualFold(getenv(envLogFormat), "text") {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(requestIDHandler{h})
}

// parseLevel returns the slog level for a Lambda application log level, in
// any case; unset or unknown is INFO, Lambda's default.
func parseLevel(s string) slog.Level {
	if l, ok := levels[strings.ToUpper(strings.TrimSpace(s))]; ok {
		return l
	}
	return slog.LevelInfo
}

// timeKey is the key of a record's time: Lambda's documented key,
// "timestamp", instead of slog's "time". Lambda files a JSON record without
// a valid RFC 3339 timestamp as INFO, whatever its level
// (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html).
const timeKey = "timestamp"

// levelNames writes the record's time under timeKey, and TRACE and FATAL
// for the levels slog would call DEBUG-4 and ERROR+4, names Lambda would not
// recognise (and would file as INFO).
func levelNames(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 {
		return a
	}
	if a.Key == slog.TimeKey {
		a.Key = timeKey
		return a
	}
	if a.Key != slog.LevelKey {
		return a
	}
	switch a.Value.Any() {
	case levelTrace:
		a.Value = slog.StringValue("TRACE")
	case levelFatal:
		a.Value = slog.StringValue("FATAL")
	}
	return a
}

// awsRequestIDKey is the attribute of Lambda's id of the invocation, the
// requestId of its platform records. It is not requestId: the API logs API
// Gateway's id of the request under that name, the requestId of the access log.
const awsRequestIDKey = "awsRequestId"

// requestIDHandler adds the invocation's AWS request id, taken from the
// Lambda context.
type requestIDHandler struct{ slog.Handler }

// Handle adds the request id, when ctx carries one, and passes the record on.
func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		r = r.Clone()
		r.AddAttrs(slog.String(awsRequestIDKey, lc.AwsRequestID))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the request id handler around the new handler.
func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

// WithGroup keeps the request id handler around the new handler.
func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
