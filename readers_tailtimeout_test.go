//go:build !windows

package main

import (
	"strings"
	"testing"
	"time"
)

// TestTailTimeoutBoundsStoreWait: deliveries tail --timeout bounds the
// whole run, the wait for an unreachable store included: with the
// default --store-wait (1m) and --timeout 500ms it waits 500ms, says so
// naming --timeout, and exits 3 with the store's error and a hint to
// raise --timeout. Before, it waited the whole minute first (and the
// hint said to raise --store-wait). A --store-wait shorter than
// --timeout still ends the wait with its own hint.
func TestTailTimeoutBoundsStoreWait(t *testing.T) {
	c := newCrashEnv(t)
	closed := closedPGURL(t)
	p := startTailOn(c, closed, "--timeout", "500ms")
	if code := p.exitCode(20 * time.Second); code != 3 {
		t.Errorf("tail --timeout 500ms: exit %d, want 3\n%s", code, p.errb.String())
	}
	errs := p.errb.String()
	for _, want := range []string{
		"waiting for the store, retrying for up to 500ms (--timeout)",
		"cannot connect to PostgreSQL store",
		"(gave up after waiting 500ms)",
		"hookctl: hint: --timeout bounds the whole run, the wait for the store included: to wait longer, raise --timeout",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("tail --timeout 500ms did not say %q:\n%s", want, errs)
		}
	}
	if strings.Contains(errs, "raise --store-wait") {
		t.Errorf("tail --timeout 500ms says to raise --store-wait:\n%s", errs)
	}

	p = startTailOn(c, closed, "--timeout", "1m", "--store-wait", "300ms")
	if code := p.exitCode(20 * time.Second); code != 3 {
		t.Errorf("tail --timeout 1m --store-wait 300ms: exit %d, want 3\n%s", code, p.errb.String())
	}
	if errs := p.errb.String(); !strings.Contains(errs, "retrying for up to 300ms (--store-wait)") ||
		!strings.Contains(errs, "raise --store-wait") {
		t.Errorf("tail --timeout 1m --store-wait 300ms did not name --store-wait:\n%s", errs)
	}
}
