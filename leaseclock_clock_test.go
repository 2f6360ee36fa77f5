package main

import (
	"os"
	"time"

	"github.com/hookctl/hookctl/cmd"
)

// leaseclockClockEnv, read by the test binary only (not by hookctl),
// sets the hookctl process's wall clock that far ahead: a clock that
// stepped forward (NTP, a laptop waking) in that process.
const leaseclockClockEnv = "HOOKCTL_TEST_CLOCK_AHEAD"

func leaseclockTestClock() {
	ahead, err := time.ParseDuration(os.Getenv(leaseclockClockEnv))
	if err != nil || ahead == 0 {
		return
	}
	cmd.Clock = func() time.Time { return time.Now().Add(ahead) }
}
