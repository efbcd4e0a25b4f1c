//go:build !linux

package ddblocal

import "os/exec"

func setProcAttrs(cmd *exec.Cmd) {}
