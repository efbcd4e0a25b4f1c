//go:build !linux

package riepool

import "syscall"

// processAttr returns nil: aws-lambda-rie runs on Linux, and the pool relies
// on Linux process handling there.
func processAttr() *syscall.SysProcAttr { return nil }
