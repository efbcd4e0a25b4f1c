package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// readDoc reads a document of the repository, relative to infra/.
func readDoc(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestOperationsDoc checks the promises the stack makes by pointing to
// docs/OPERATIONS.md: each alarm's description names a section of it, and
// it documents the access log field by field.
func TestOperationsDoc(t *testing.T) {
	doc := readDoc(t, "../"+operationsDoc)
	s := synth(t, createdMode)
	headings := regexp.MustCompile(`(?m)^### (.+)$`).FindAllStringSubmatch(doc, -1)
	for _, r := range s.resources("AWS::CloudWatch::Alarm") {
		id := strings.TrimPrefix(props(r)["AlarmName"].(string), StackName+"-")
		var found bool
		for _, h := range headings {
			for _, name := range strings.Split(h[1], ", ") {
				found = found || name == id
			}
		}
		if !found {
			t.Errorf("alarm %s has no section \"### %s\" in %s", id, id, operationsDoc)
		}
	}
	for field, variable := range accessLogFields {
		if row := "| `" + field + "` | `" + variable + "` |"; !strings.Contains(doc, row) {
			t.Errorf("%s does not document the access log field %s (%s)", operationsDoc, field, variable)
		}
	}
}

// TestSettingsDocumented checks that infra/README.md's settings table names
// every context key the app reads.
func TestSettingsDocumented(t *testing.T) {
	readme := readDoc(t, "README.md")
	keys := []string{
		CtxTableName, CtxImageURI, CtxRemovalPolicy, CtxMemorySize, CtxTimeoutSeconds, CtxThrottleBurst,
		CtxThrottleRate, CtxLogRetentionDays, CtxCORS, CtxLogLevel, CtxAlarmEmail, CtxRouteMetrics,
		CtxAlarm5xxPercent, CtxAlarmLatencyMs, CtxAlarmDurationPercent, CtxAlarmErrors, CtxAlarmThrottles,
		CtxAlarmTableThrottles, CtxAlarmTableErrors,
	}
	for _, k := range keys {
		if !regexp.MustCompile("(?m)^\\| [^\\n]*`" + k + "`").MatchString(readme) {
			t.Errorf("infra/README.md's settings table has no row for %s", k)
		}
	}
}
