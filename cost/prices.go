package cost

import (
	"fmt"
	"math"
)

// Prices are the on-demand list prices, in US dollars, of the services the
// movies API runs on, for one region as of one date. Every field can be
// overridden on its own (copy USEast1 and change a field).
type Prices struct {
	Date   string `json:"date"`   // when the prices were checked, YYYY-MM-DD
	Region string `json:"region"` // AWS region code, e.g. us-east-1

	// Lambda compute, per GB-second of billed duration (first pricing tier).
	LambdaGBSecondARM64 float64 `json:"lambda_gb_second_arm64"`
	LambdaGBSecondX86   float64 `json:"lambda_gb_second_x86_64"`
	// Lambda requests, per million invocations.
	LambdaRequestsPerMillion float64 `json:"lambda_requests_per_million"`
	// API Gateway HTTP API, per million requests (first 300 million a month).
	// HTTP API requests are metered in 512 KB increments.
	HTTPAPIRequestsPerMillion float64 `json:"http_api_requests_per_million"`
	// DynamoDB on-demand (Standard table class), per million read request
	// units and per million write request units.
	DynamoDBReadsPerMillion  float64 `json:"dynamodb_reads_per_million"`
	DynamoDBWritesPerMillion float64 `json:"dynamodb_writes_per_million"`
}

// USEast1 is the price table for US East (N. Virginia).
//
// Checked on 2026-11-25 against the stored copies of the AWS pricing pages
// and announcements available to us that day (the newest dated 2025); no live
// page was fetched, so re-check before quoting a figure to a customer.
//   - Lambda (aws.amazon.com/lambda/pricing): $0.0000166667 per GB-second on
//     x86_64 (first 6 billion GB-s a month), $0.0000133334 on arm64 (first
//     7.5 billion GB-s), $0.20 per million requests, duration rounded up to
//     the nearest 1 ms (since December 2020; 100 ms before).
//   - API Gateway (aws.amazon.com/api-gateway/pricing): HTTP APIs $1.00 per
//     million requests for the first 300 million a month, metered in 512 KB
//     increments (a 513 KB request counts as two).
//   - DynamoDB on-demand (aws.amazon.com/dynamodb/pricing/on-demand): $0.125
//     per million read request units and $0.625 per million write request
//     units. These are the prices after the 50% on-demand throughput price
//     cut effective 1 November 2024 (before: $0.25 and $1.25).
var USEast1 = Prices{
	Date:                      "2026-11-25",
	Region:                    "us-east-1",
	LambdaGBSecondARM64:       0.0000133334,
	LambdaGBSecondX86:         0.0000166667,
	LambdaRequestsPerMillion:  0.20,
	HTTPAPIRequestsPerMillion: 1.00,
	DynamoDBReadsPerMillion:   0.125,
	DynamoDBWritesPerMillion:  0.625,
}

// Monthly volumes above which the first-tier prices in Prices no longer
// apply. The model does not price the cheaper tiers; it adds a note instead.
const (
	httpAPIFirstTierRequests = 300_000_000
	lambdaFirstTierGBSecARM  = 7_500_000_000
	lambdaFirstTierGBSecX86  = 6_000_000_000
)

// GBSecond returns the Lambda compute price per GB-second for arch.
func (p Prices) GBSecond(arch Arch) float64 {
	if arch == X86_64 {
		return p.LambdaGBSecondX86
	}
	return p.LambdaGBSecondARM64
}

// Validate reports whether every price is a finite, non-negative number.
func (p Prices) Validate() error {
	fields := []struct {
		name  string
		value float64
	}{
		{"Lambda arm64 price per GB-second", p.LambdaGBSecondARM64},
		{"Lambda x86_64 price per GB-second", p.LambdaGBSecondX86},
		{"Lambda price per million requests", p.LambdaRequestsPerMillion},
		{"HTTP API price per million requests", p.HTTPAPIRequestsPerMillion},
		{"DynamoDB price per million read request units", p.DynamoDBReadsPerMillion},
		{"DynamoDB price per million write request units", p.DynamoDBWritesPerMillion},
	}
	for _, f := range fields {
		if math.IsNaN(f.value) || math.IsInf(f.value, 0) || f.value < 0 {
			return fmt.Errorf("%s must be a non-negative number, got %v", f.name, f.value)
		}
	}
	return nil
}
