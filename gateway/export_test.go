package gateway

import "testing"

// For the tests of package gateway_test: fuzz_test.go checks events against
// match, and rie_test.go runs the golden, CORS, event limit and throttle
// tests again with the functions under aws-lambda-rie (riepool imports
// gateway, so a test of package gateway cannot start a pool).

var (
	Match          = match
	OKHandler      = okHandler
	CORSAnswer     = corsAnswer
	CORS           = testCORS
	EventSizeLimit = testEventSizeLimit
	ThrottleShare  = testThrottle
)

// ResponseGolden checks every response case, served with the invoker that
// newInvoker returns for the case's name and payload (the function's answer,
// "" for a handler), against its golden file.
func ResponseGolden(t *testing.T, mode string, newInvoker func(t *testing.T, name, payload string) Invoker) {
	skipOnUpdate(t)
	for _, c := range responseCases() {
		t.Run(mode+"/"+c.name, func(t *testing.T) {
			checkResponseGolden(t, c, newInvoker(t, c.name, c.payload))
		})
	}
}

// EventGolden is eventGolden: what received makes of the function's answer
// to each event case is checked against the case's golden file.
func EventGolden(t *testing.T, mode string, inv Invoker, received func(t *testing.T, answer []byte) []byte) {
	skipOnUpdate(t)
	eventGolden(t, mode, inv, received)
}

// skipOnUpdate skips t under -update: the golden files come from in-process mode.
func skipOnUpdate(t *testing.T) {
	if *update {
		t.Skip("-update writes the golden files from in-process mode")
	}
}
