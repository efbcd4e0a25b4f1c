// Package reliability holds the cross-package robustness tests of the movie
// catalogue; it has no code of its own. The tests run the real parts together
// (gateway, api handlers, the embedded and DynamoDB stores, the RIE process
// pool and the loader) and check how they behave when things go wrong:
//
//   - fuzz targets for both handlers on the embedded store, directly and
//     through the gateway (route matching has its own, in package gateway);
//   - fault tests: DynamoDB Local stopped and restarted under a served API, a
//     Lambda emulator or runtime process killed mid-request, a load killed
//     mid-run and rerun;
//   - a bounded loopback load test on both stores that also checks for
//     goroutine and file-descriptor leaks.
//
// docs/RELIABILITY.md describes what is covered, the figures measured and the
// known limits.
package reliability
