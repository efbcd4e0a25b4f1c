package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Machine describes where and when the benchmarks ran.
type Machine struct {
	Date      string `json:"date"` // UTC
	Commit    string `json:"commit"`
	CPUs      int    `json:"cpus"` // as nproc reports: the CPUs this process may use
	CPUModel  string `json:"cpu_model"`
	GoVersion string `json:"go_version"`
	GOOS      string `json:"goos"`
	GOARCH    string `json:"goarch"`
	LoadAvg   string `json:"load_average"` // 1, 5 and 15 minutes, at start
}

// describeMachine collects Machine; what it cannot find is "unknown".
func describeMachine(ctx context.Context, goBin, root string) Machine {
	return Machine{
		Date:      time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		Commit:    command(ctx, root, "git", "rev-parse", "--short", "HEAD"),
		CPUs:      runtime.NumCPU(),
		CPUModel:  cpuModel(),
		GoVersion: command(ctx, root, goBin, "env", "GOVERSION"),
		GOOS:      runtime.GOOS,
		GOARCH:    runtime.GOARCH,
		LoadAvg:   loadAverage(),
	}
}

// command runs name with args in dir and returns its trimmed output, or "unknown".
func command(ctx context.Context, dir, name string, args ...string) string {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if s := strings.TrimSpace(string(out)); err == nil && s != "" {
		return s
	}
	return "unknown"
}

// cpuModel returns the first "model name" of /proc/cpuinfo, or "unknown".
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// loadAverage returns the three load averages of /proc/loadavg, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}
