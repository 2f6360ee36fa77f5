package delivery

import (
	"sync"
	"time"
)

// SteadyClock is now made steady against its steps back: it never returns
// less than the last time it returned plus the time elapsed since, on the
// monotonic clock. A wall clock set back (an NTP correction, an operator,
// a VM resumed) would otherwise put every retry the run scheduled before
// the step that far in the future: set back an hour, `trigger` printed
// "retry in 3s" and waited an hour (for ever with --wait 0) to send it.
// A step forward (a laptop waking, the clock corrected ahead) is followed
// as it is. Only the engine's scheduling clock (claims, leases, retry
// times) is steadied: requests are signed with the wall clock, as the
// receiver checks them.
func SteadyClock(now func() time.Time) func() time.Time {
	var (
		mu   sync.Mutex
		last time.Time // the last time returned (wall clock reading only)
		at   time.Time // time.Now() when it was returned (monotonic)
	)
	return func() time.Time {
		t := now().Round(0)
		mu.Lock()
		defer mu.Unlock()
		if !at.IsZero() {
			if s := last.Add(time.Since(at)); s.After(t) {
				t = s
			}
		}
		last, at = t, time.Now()
		return t
	}
}
