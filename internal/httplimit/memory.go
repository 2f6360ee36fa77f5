package httplimit

import (
	"math"
	"os"
	"runtime/debug"
)

// SoftMemoryLimit sets the Go runtime's soft memory limit to n bytes, so
// that the garbage a flood of bodies leaves behind is collected before
// the process grows, unless GOMEMLIMIT is set or a limit is already in
// place. It is process-wide: call it once, from the command that serves.
// It returns the limit in force.
func SoftMemoryLimit(n int64) int64 {
	cur := debug.SetMemoryLimit(-1)
	if os.Getenv("GOMEMLIMIT") != "" || cur != math.MaxInt64 || n <= 0 {
		return cur
	}
	debug.SetMemoryLimit(n)
	return n
}

// GCPercent sets the garbage collector's target percentage to pct unless
// GOGC is set; process-wide like SoftMemoryLimit, which still caps the
// heap. It returns the setting in force.
func GCPercent(pct int) int {
	if v := os.Getenv("GOGC"); v != "" {
		cur := debug.SetGCPercent(100)
		debug.SetGCPercent(cur)
		return cur
	}
	debug.SetGCPercent(pct)
	return pct
}
