// Package deploy states the facts of the AWS deployment that several parts
// of the project read, so that each is written once: the CDK stack (infra/)
// deploys them, `movies cost` prices them, the bootstrap and `movies
// table` default to them, and `movies serve` emulates them. They are the
// HTTP API's routes table and the signature of the functions behind it
// (routes.go), its CORS configuration (cors.go), the stage throttle, the
// table, the functions' memory, log levels and payload limit. Package api implements the
// functions; the local gateway depends on this package, not on api, so an
// edit to a function does not rebuild the emulator.
package deploy

import "fmt"

// Table is the DynamoDB table the stack creates, and the table the bootstrap
// (without TABLE_NAME) and `movies table` (without --table) use.
const Table = "Movies"

// MaxPayloadBytes is Lambda's payload limit for a synchronous invocation,
// the request (the event) and the response alike: "6 MB each for request
// and response" (AWS Lambda developer guide, "Lambda quotas"). A list page
// is cut so that its response fits; the local gateway refuses or fails what
// does not (gateway.CheckPayloadSize).
const MaxPayloadBytes = 6 << 20

// MemoryMB is the memory of each Lambda function, in MB: what the stack
// deploys without a memorySize setting and what `movies cost` prices without
// --memory.
const MemoryMB = 256

// LogLevels are the application log levels of a Lambda function's logging
// configuration, from most to least detail: what the stack's logLevel
// setting accepts and what the bootstrap reads from AWS_LAMBDA_LOG_LEVEL.
var LogLevels = []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}

// LogLevel is the application log level the stack deploys without a logLevel
// setting, and Lambda's own default.
const LogLevel = "INFO"

// Throttle is the throttling of the HTTP API's $default stage, a token bucket
// per route (API Gateway's default route settings): Burst tokens at most,
// refilled at Rate tokens a second, one token a request; a request that finds
// the bucket empty gets 429. The stack deploys it (context keys throttleRate
// and throttleBurst) and `movies serve --throttle` emulates the same values.
type Throttle struct {
	// Rate is the steady-state rate, in requests per second.
	Rate float64
	// Burst is the bucket's size, in requests.
	Burst int
}

// DefaultThrottle is the throttle the stack deploys without throttleRate and
// throttleBurst settings.
var DefaultThrottle = Throttle{Rate: 50, Burst: 100}

// MaxThrottle bounds both throttle settings: far above the account's own
// limit (10,000 requests a second by default), only against typos.
const MaxThrottle = 1_000_000

// ValidateRate reports a throttle rate out of range: it must be more than 0
// and at most MaxThrottle requests per second.
func ValidateRate(rate float64) error {
	if !(rate > 0) || rate > MaxThrottle { // !(>) also refuses NaN
		return fmt.Errorf("must be more than 0 and at most %d (requests per second)", MaxThrottle)
	}
	return nil
}

// ValidateBurst reports a throttle burst out of range: it must be from 1 to
// MaxThrottle requests.
func ValidateBurst(burst int) error {
	if burst < 1 || burst > MaxThrottle {
		return fmt.Errorf("must be from 1 to %d (requests)", MaxThrottle)
	}
	return nil
}
