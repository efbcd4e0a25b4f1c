package cost

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMeasurementsApply(t *testing.T) {
	// Logs of get: 3 invocations, one cold start of 96.4 ms init, at 128 MB.
	logs := "REPORT RequestId: 1\tInit Duration: 96.40 ms\tDuration: 2.60 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\t\n" +
		"REPORT RequestId: 2\tDuration: 1.10 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\t\n" +
		"REPORT RequestId: 3\tDuration: 0.90 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\t\n"
	path := filepath.Join(t.TempDir(), "get.log")
	if err := os.WriteFile(path, []byte(logs), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := ReadLogFiles([]string{"get=" + path})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m["list"]; ok || m["get"].Invocations != 3 {
		t.Fatalf("measurements = %+v, want get only, 3 invocations", m)
	}
	assumed := Function{DurationMs: 8, InitMs: 200, ColdStartShare: 0.001}
	tests := []struct {
		name             string
		explicit         Explicit
		wantInit, wantCS float64
	}{
		{"measured timings win", Explicit{}, 96.4, 1.0 / 3},
		{"explicit init wins", Explicit{InitMs: true}, 200, 1.0 / 3},
		{"explicit cold-start share wins", Explicit{ColdStartShare: true}, 96.4, 0.001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := DefaultWorkload()
			w.Get, w.List = assumed, assumed
			m.Apply(&w, tt.explicit)
			if w.List != assumed {
				t.Errorf("list without logs changed: %+v", w.List)
			}
			if w.Get.Measured == nil || !near(w.Get.DurationMs, 1.5333333333) || !near(w.Get.InitMs, tt.wantInit) ||
				!near(w.Get.ColdStartShare, tt.wantCS) {
				t.Errorf("get = %+v, want measured 1.53 ms, init %v, cold-start share %v", w.Get, tt.wantInit, tt.wantCS)
			}
		})
	}
	if notes := m.MemoryNotes(256); len(notes) != 1 || !strings.Contains(notes[0], "measured at 128 MB and are priced at 256 MB") {
		t.Errorf("MemoryNotes(256) = %q", notes)
	}
	if notes := m.MemoryNotes(128); len(notes) != 0 {
		t.Errorf("MemoryNotes(128) = %q, want none", notes)
	}
}
