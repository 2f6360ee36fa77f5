//go:build !windows

package main

import (
	"strings"
	"testing"
	"time"
)

// TestTailfixTimeoutEqualsStoreWait: with deliveries tail --timeout equal
// to --store-wait, both end the wait for an unreachable store at once:
// the notice and the hint name both (raising only one of them waits no
// longer). Before, they named --store-wait alone.
func TestTailfixTimeoutEqualsStoreWait(t *testing.T) {
	c := newCrashEnv(t)
	p := startTailOn(c, closedPGURL(t), "--timeout", "400ms", "--store-wait", "400ms")
	if code := p.exitCode(20 * time.Second); code != 3 {
		t.Errorf("tail --timeout 400ms --store-wait 400ms: exit %d, want 3\n%s", code, p.errb.String())
	}
	errs := p.errb.String()
	for _, want := range []string{
		"waiting for the store, retrying for up to 400ms (--store-wait and --timeout)",
		"(gave up after waiting 400ms)",
		"hookctl: hint: --store-wait and --timeout both end the wait for the store (--timeout bounds the whole run, the wait included): to wait longer, raise both",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("tail --timeout 400ms --store-wait 400ms did not say %q:\n%s", want, errs)
		}
	}
}
