// Package rietest runs the function image's bootstrap under the real AWS Lambda
// Runtime Interface Emulator (RIE) against DynamoDB Local: the sample's local
// test flow, without Docker. It holds the harness (build the image, take the
// bootstrap out of it, start and stop RIE, invoke) used by its tests and benchmarks.
//
// It needs Linux (process groups, /proc), the RIE binary and DynamoDB Local;
// tests skip with a hint when those are missing.
package rietest
