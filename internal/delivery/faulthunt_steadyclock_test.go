package delivery

import (
	"sync/atomic"
	"testing"
	"time"
)

// SteadyClock follows its clock, forward steps included, but not a step
// back: it goes on from where it was.
func TestFaulthuntSteadyClock(t *testing.T) {
	base := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	var offset atomic.Int64 // what the wall clock reads, from base
	now := SteadyClock(func() time.Time { return base.Add(time.Duration(offset.Load())) })
	if got := now(); !got.Equal(base) {
		t.Fatalf("first reading %s, want %s", got, base)
	}
	offset.Store(int64(time.Hour)) // forward: followed
	if got := now(); !got.Equal(base.Add(time.Hour)) {
		t.Fatalf("after a step forward: %s, want %s", got, base.Add(time.Hour))
	}
	offset.Store(int64(-time.Hour)) // back two hours: not followed
	got := now()
	if got.Before(base.Add(time.Hour)) {
		t.Fatalf("after a step back: %s, went back from %s", got, base.Add(time.Hour))
	}
	// It goes on from there, never back.
	for range 100 {
		next := now()
		if next.Before(got) {
			t.Fatalf("%s after %s", next, got)
		}
		got = next
	}
	// Once the wall clock is past it again, the wall clock.
	offset.Store(int64(3 * time.Hour))
	if got := now(); !got.Equal(base.Add(3 * time.Hour)) {
		t.Fatalf("wall clock ahead again: %s, want %s", got, base.Add(3*time.Hour))
	}
}
