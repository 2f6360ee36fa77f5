package main

import (
	"strings"
	"testing"
	"time"
)

// waitProgressing is wait for a run whose pace depends on the machine: it
// returns how b ended, and fails the test (killing b) only when progress
// (the requests its receivers got, say) stayed the same for stall, or at
// limit. Race-built beside two CPU hogs a trigger of 2000 events took
// over a minute while sending all along, and a fixed bound on the whole
// run failed it; a run that is stuck makes no progress at all.
// status, logged every 10 s and when the test fails, says where the run is.
func (b *bgCmd) waitProgressing(t *testing.T, stall, limit time.Duration, progress func() int, status func() string) error {
	t.Helper()
	start := time.Now()
	last, since := progress(), start
	var longest time.Duration
	logged := start
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-b.done:
			t.Logf("%s ended after %v; the longest pause in its progress: %v", b.name(), time.Since(start).Round(time.Millisecond), longest.Round(time.Millisecond))
			return err
		case <-tick.C:
		}
		now := time.Now()
		if p := progress(); p != last {
			last, since = p, now
		}
		longest = max(longest, now.Sub(since))
		if now.Sub(logged) >= 10*time.Second {
			t.Logf("%s after %v: %s", b.name(), now.Sub(start).Round(time.Second), status())
			logged = now
		}
		if now.Sub(since) > stall || now.Sub(start) > limit {
			b.cmd.Process.Kill()
			<-b.done // the output copied to the end: stderr is ours to read
			why := "made no progress for " + stall.String()
			if now.Sub(since) <= stall {
				why = "did not end within " + limit.String()
			}
			t.Fatalf("%s %s (after %v: %s):\n%s", b.name(), why, now.Sub(start).Round(time.Millisecond), status(), tail(b.stderr.String()))
		}
	}
}

// name is the command and its first argument, for messages.
func (b *bgCmd) name() string {
	return strings.Join(b.cmd.Args[1:min(3, len(b.cmd.Args))], " ")
}
