package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/movieskit/movies/deploy"
)

// Context keys read by ConfigFromContext (pass them with `cdk -c key=value`
// or `go run . -c key=value`).
const (
	CtxTableName        = "tableName"
	CtxImageURI         = "imageUri"
	CtxRemovalPolicy    = "removalPolicy"
	CtxMemorySize       = "memorySize"
	CtxTimeoutSeconds   = "timeoutSeconds"
	CtxThrottleBurst    = "throttleBurst"
	CtxThrottleRate     = "throttleRate"
	CtxLogRetentionDays = "logRetentionDays"
	// CtxCORS is the API's CORS configuration, the same JSON text that
	// `movies serve --cors` reads (see deploy.CORS); unset means no CORS.
	CtxCORS = "cors"
	// CtxLogLevel is the functions' application log level (deploy.LogLevels).
	CtxLogLevel = "logLevel"
	// CtxAlarmEmail is an address the alarms notify, through an SNS topic
	// that exists only when it is set.
	CtxAlarmEmail = "alarmEmail"
	// CtxRouteMetrics turns the stage's per-route (detailed) metrics on or off.
	CtxRouteMetrics = "routeMetrics"
)

// Defaults for the tunables (the memory is deploy.MemoryMB, the throttle
// deploy.DefaultThrottle).
const (
	DefaultTimeout          = 10 * time.Second
	DefaultLogRetentionDays = 30
)

// Limits on the tunables. The timeout stays below the 30-second integration
// timeout of HTTP APIs: a longer function would only be cut off by API Gateway.
const (
	minMemoryMB    = 128
	maxMemoryMB    = 10240
	maxTimeout     = 29 * time.Second
	tableNameChars = "[a-zA-Z0-9_.-]"
)

var tableNameRE = regexp.MustCompile(`^` + tableNameChars + `{3,255}$`)

// retentionByDays maps the retention periods CloudWatch Logs accepts, in days,
// to the CDK enum. 0 means never expire.
var retentionByDays = map[int]awslogs.RetentionDays{
	0: awslogs.RetentionDays_INFINITE, 1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS,
	5: awslogs.RetentionDays_FIVE_DAYS, 7: awslogs.RetentionDays_ONE_WEEK, 14: awslogs.RetentionDays_TWO_WEEKS,
	30: awslogs.RetentionDays_ONE_MONTH, 60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS,
	120: awslogs.RetentionDays_FOUR_MONTHS, 150: awslogs.RetentionDays_FIVE_MONTHS, 180: awslogs.RetentionDays_SIX_MONTHS,
	365: awslogs.RetentionDays_ONE_YEAR, 400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS,
	731: awslogs.RetentionDays_TWO_YEARS, 1096: awslogs.RetentionDays_THREE_YEARS, 1827: awslogs.RetentionDays_FIVE_YEARS,
	2192: awslogs.RetentionDays_SIX_YEARS, 2557: awslogs.RetentionDays_SEVEN_YEARS, 2922: awslogs.RetentionDays_EIGHT_YEARS,
	3288: awslogs.RetentionDays_NINE_YEARS, 3653: awslogs.RetentionDays_TEN_YEARS,
}

// Config is the deploy-time configuration of the stack.
type Config struct {
	// TableName, when set, imports an existing table of that name instead of
	// creating the table deploy.Table.
	TableName string
	// Image, when set, is a pre-pushed ECR image used instead of building the
	// repository's Dockerfile as an asset.
	Image *ImageRef
	// Retain keeps the table and the log groups when the stack is deleted.
	Retain bool
	// MemoryMB is the memory of each function.
	MemoryMB int
	// Timeout is the timeout of each function.
	Timeout time.Duration
	// Throttle is the default stage's throttling (context keys throttleRate
	// and throttleBurst), which `movies serve --throttle` emulates.
	Throttle deploy.Throttle
	// LogRetentionDays is how long function and access logs are kept; 0 means forever.
	LogRetentionDays int
	// CORS is the HTTP API's CORS configuration; the zero value is none.
	CORS deploy.CORS
	// LogLevel is the functions' application log level, one of
	// deploy.LogLevels; the system log level is always INFO (see
	// functionLogging).
	LogLevel string
	// AlarmEmail, when set, is subscribed to the SNS topic the alarms notify.
	AlarmEmail string
	// RouteMetrics enables the stage's detailed metrics: requests, errors
	// and latency per route, for the dashboard.
	RouteMetrics bool
	// Alarms holds the alarms' thresholds.
	Alarms AlarmThresholds
}

// DefaultConfig returns the configuration used when no context is given.
func DefaultConfig() Config {
	return Config{
		Retain:           true,
		MemoryMB:         deploy.MemoryMB,
		Timeout:          DefaultTimeout,
		Throttle:         deploy.DefaultThrottle,
		LogRetentionDays: DefaultLogRetentionDays,
		LogLevel:         deploy.LogLevel,
		RouteMetrics:     true,
		Alarms:           DefaultAlarmThresholds(),
	}
}

// ImportsTable reports whether the stack imports an existing table.
func (c Config) ImportsTable() bool { return c.TableName != "" }

// RemovalPolicy returns the removal policy for the table and the log groups.
func (c Config) RemovalPolicy() awscdk.RemovalPolicy {
	if c.Retain {
		return awscdk.RemovalPolicy_RETAIN
	}
	return awscdk.RemovalPolicy_DESTROY
}

// LogRetention returns the CDK retention for LogRetentionDays.
func (c Config) LogRetention() awslogs.RetentionDays { return retentionByDays[c.LogRetentionDays] }

// Validate reports the first setting that is out of range.
func (c Config) Validate() error {
	switch {
	case c.TableName != "" && !tableNameRE.MatchString(c.TableName):
		return fmt.Errorf("%s %q: must be 3–255 characters of %s", CtxTableName, c.TableName, tableNameChars)
	case c.MemoryMB < minMemoryMB || c.MemoryMB > maxMemoryMB:
		return fmt.Errorf("%s %d: must be from %d to %d (MB)", CtxMemorySize, c.MemoryMB, minMemoryMB, maxMemoryMB)
	case c.Timeout < time.Second || c.Timeout > maxTimeout || c.Timeout%time.Second != 0:
		return fmt.Errorf("%s %v: must be whole seconds from 1 to %d", CtxTimeoutSeconds, c.Timeout, int(maxTimeout/time.Second))
	}
	if err := deploy.ValidateBurst(c.Throttle.Burst); err != nil {
		return fmt.Errorf("%s %d: %w", CtxThrottleBurst, c.Throttle.Burst, err)
	}
	if err := deploy.ValidateRate(c.Throttle.Rate); err != nil {
		return fmt.Errorf("%s %v: %w", CtxThrottleRate, c.Throttle.Rate, err)
	}
	if _, ok := retentionByDays[c.LogRetentionDays]; !ok {
		return fmt.Errorf("%s %d: must be one of %v", CtxLogRetentionDays, c.LogRetentionDays, validRetentionDays())
	}
	if !slices.Contains(deploy.LogLevels, c.LogLevel) {
		return fmt.Errorf("%s %q: must be one of %s", CtxLogLevel, c.LogLevel, strings.Join(deploy.LogLevels, ", "))
	}
	if c.AlarmEmail != "" {
		if err := validateEmail(c.AlarmEmail); err != nil {
			return fmt.Errorf("%s %q: %w", CtxAlarmEmail, c.AlarmEmail, err)
		}
	}
	return c.Alarms.Validate()
}

// maxEmailLen is the longest address SMTP allows in a path (RFC 5321).
const maxEmailLen = 254

// validateEmail accepts a bare address such as ops@example.com: no display
// name, no angle brackets.
func validateEmail(s string) error {
	a, err := mail.ParseAddress(s)
	switch {
	case err != nil || a.Address != s:
		return errors.New("must be one e-mail address, like ops@example.com")
	case len(s) > maxEmailLen:
		return fmt.Errorf("must be at most %d characters", maxEmailLen)
	case !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], "."):
		return errors.New("must have a domain name with a dot, like example.com")
	}
	return nil
}

func validRetentionDays() []int {
	days := make([]int, 0, len(retentionByDays))
	for d := range retentionByDays {
		days = append(days, d)
	}
	slices.Sort(days)
	return days
}

// ConfigFromContext builds a Config from CDK context values, as returned by
// Node().TryGetContext: nil for an unset key, a string for `-c key=value`, and
// any JSON value from cdk.json. Unset keys take their defaults.
func ConfigFromContext(get func(key string) any) (Config, error) {
	c := DefaultConfig()
	var err error
	if c.TableName, err = stringValue(get, CtxTableName); err != nil {
		return Config{}, err
	}
	uri, err := stringValue(get, CtxImageURI)
	if err != nil {
		return Config{}, err
	}
	if uri != "" {
		if c.Image, err = ParseImageURI(uri); err != nil {
			return Config{}, fmt.Errorf("%s: %w", CtxImageURI, err)
		}
	}
	policy, err := stringValue(get, CtxRemovalPolicy)
	if err != nil {
		return Config{}, err
	}
	switch strings.ToLower(policy) {
	case "", "retain":
		c.Retain = true
	case "destroy":
		c.Retain = false
	default:
		return Config{}, fmt.Errorf("%s %q: must be retain or destroy", CtxRemovalPolicy, policy)
	}
	if err := intValue(get, CtxMemorySize, &c.MemoryMB); err != nil {
		return Config{}, err
	}
	timeout := int(c.Timeout / time.Second)
	if err := intValue(get, CtxTimeoutSeconds, &timeout); err != nil {
		return Config{}, err
	}
	c.Timeout = time.Duration(timeout) * time.Second
	if err := intValue(get, CtxThrottleBurst, &c.Throttle.Burst); err != nil {
		return Config{}, err
	}
	if err := floatValue(get, CtxThrottleRate, &c.Throttle.Rate); err != nil {
		return Config{}, err
	}
	if err := intValue(get, CtxLogRetentionDays, &c.LogRetentionDays); err != nil {
		return Config{}, err
	}
	if c.CORS, err = corsValue(get); err != nil {
		return Config{}, err
	}
	level, err := stringValue(get, CtxLogLevel)
	if err != nil {
		return Config{}, err
	}
	if level != "" {
		c.LogLevel = strings.ToUpper(level)
	}
	if c.AlarmEmail, err = stringValue(get, CtxAlarmEmail); err != nil {
		return Config{}, err
	}
	if err := boolValue(get, CtxRouteMetrics, &c.RouteMetrics); err != nil {
		return Config{}, err
	}
	if err := c.Alarms.fromContext(get); err != nil {
		return Config{}, err
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// corsValue reads the CORS context value: the JSON text (from -c cors=...)
// or the JSON object itself (from cdk.json).
func corsValue(get func(string) any) (deploy.CORS, error) {
	var text string
	switch v := get(CtxCORS).(type) {
	case nil:
		return deploy.CORS{}, nil
	case string:
		text = v
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return deploy.CORS{}, fmt.Errorf("%s: %w", CtxCORS, err)
		}
		text = string(b)
	}
	c, err := deploy.ParseCORS(text)
	if err != nil {
		return deploy.CORS{}, fmt.Errorf("%s: %w", CtxCORS, err)
	}
	return c, nil
}

func stringValue(get func(string) any, key string) (string, error) {
	switch v := get(key).(type) {
	case nil:
		return "", nil
	case string:
		return strings.TrimSpace(v), nil
	default:
		return "", fmt.Errorf("%s: must be a string, not %T", key, v)
	}
}

// boolValue sets *dst from a boolean or the strings true and false; unset
// leaves *dst.
func boolValue(get func(string) any, key string, dst *bool) error {
	switch v := get(key).(type) {
	case nil:
		return nil
	case bool:
		*dst = v
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%s %q: must be true or false", key, v)
		}
		*dst = b
	default:
		return fmt.Errorf("%s: must be true or false, not %T", key, v)
	}
	return nil
}

// floatValue sets *dst from a number or a numeric string; unset leaves *dst.
func floatValue(get func(string) any, key string, dst *float64) error {
	var f float64
	switch v := get(key).(type) {
	case nil:
		return nil
	case float64:
		f = v
	case int:
		f = float64(v)
	case json.Number:
		n, err := v.Float64()
		if err != nil {
			return fmt.Errorf("%s %q: must be a number", key, v)
		}
		f = n
	case string:
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return fmt.Errorf("%s %q: must be a number", key, v)
		}
		f = n
	default:
		return fmt.Errorf("%s: must be a number, not %T", key, v)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("%s: must be a finite number", key)
	}
	*dst = f
	return nil
}

// intValue sets *dst from an integral number or string; unset leaves *dst.
func intValue(get func(string) any, key string, dst *int) error {
	f := float64(*dst)
	if err := floatValue(get, key, &f); err != nil {
		return err
	}
	if f != math.Trunc(f) || math.Abs(f) > 1<<31 {
		return fmt.Errorf("%s %v: must be an integer", key, f)
	}
	*dst = int(f)
	return nil
}

// ImageRef is a container image in Amazon ECR, the only registry Lambda
// pulls from.
type ImageRef struct {
	Partition  string // aws or aws-cn
	Account    string
	Region     string
	Repository string
	// TagOrDigest is a tag such as "v1" or a digest "sha256:…".
	TagOrDigest string
}

var ecrImageRE = regexp.MustCompile(
	`^(\d{12})\.dkr\.ecr\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(\.cn)?/` + // registry
		`([a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)` + // repository
		`(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})|@(sha256:[a-f0-9]{64}))?$`) // tag or digest

// ParseImageURI parses an ECR image URI such as
// 123456789012.dkr.ecr.eu-west-1.amazonaws.com/movies:v1 or …/movies@sha256:….
// A URI without a tag means the tag latest.
func ParseImageURI(uri string) (*ImageRef, error) {
	m := ecrImageRE.FindStringSubmatch(strings.TrimSpace(uri))
	if m == nil {
		return nil, fmt.Errorf("%q is not an Amazon ECR image URI (ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY[:TAG|@sha256:DIGEST])", uri)
	}
	ref := &ImageRef{Partition: "aws", Account: m[1], Region: m[2], Repository: m[4], TagOrDigest: "latest"}
	if m[3] != "" {
		ref.Partition = "aws-cn"
	}
	switch {
	case m[5] != "":
		ref.TagOrDigest = m[5]
	case m[6] != "":
		ref.TagOrDigest = m[6]
	}
	return ref, nil
}

// RepositoryARN returns the ARN of the image's repository.
func (r *ImageRef) RepositoryARN() string {
	return fmt.Sprintf("arn:%s:ecr:%s:%s:repository/%s", r.Partition, r.Region, r.Account, r.Repository)
}
