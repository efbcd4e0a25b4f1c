// Package e2e holds end-to-end tests and benchmarks that cross packages: the
// full AWS movie sample loaded by the loader into each store and read back
// through the local API Gateway emulator, and the benchmarks that compare the
// gateway with a raw DynamoDB GetItem and with a bare net/http server.
package e2e
