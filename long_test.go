package main

import (
	"os"
	"testing"
)

// slowFaultTest skips a slow test (several seconds: a hostile-client run, a
// full disk, a killed run, a store changed under a worker) unless
// HOOKCTL_LONG=1, so `go test ./...` stays within a few minutes on a
// 2-core machine. .ci/test runs every one of them (its HOOKCTL_LONG
// lines), so CI never skips them.
func slowFaultTest(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("HOOKCTL_LONG") != "1" {
		t.Skipf("%s: set HOOKCTL_LONG=1 (.ci/test does)", what)
	}
}
