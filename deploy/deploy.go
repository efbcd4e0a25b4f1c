// Package deploy states the facts of the AWS deployment that several parts
// of the project read, so that each is written once: the CDK stack (infra/)
// deploys them, `movies cost` prices them, and the bootstrap and `movies
// table` default to them.
package deploy

// Table is the DynamoDB table the stack creates, and the table the bootstrap
// (without TABLE_NAME) and `movies table` (without --table) use.
const Table = "Movies"

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
