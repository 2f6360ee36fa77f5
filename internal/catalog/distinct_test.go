package catalog

import (
	"testing"
	"time"
)

func TestDistinctTime(t *testing.T) {
	at := time.Date(2026, 12, 6, 5, 0, 0, 123456789, time.UTC)
	a, b, c := DistinctTime(at), DistinctTime(at), DistinctTime(at.Add(-500*time.Nanosecond))
	if !a.Equal(at.Truncate(time.Microsecond)) || b.Sub(a) != time.Microsecond || c.Sub(b) != time.Microsecond {
		t.Errorf("same microsecond thrice: %v %v %v, want one microsecond apart from %v", a, b, c, at.Truncate(time.Microsecond))
	}
	if d := DistinctTime(at.Add(time.Millisecond)); !d.Equal(at.Add(time.Millisecond).Truncate(time.Microsecond)) {
		t.Errorf("a later time moved: %v", d)
	}
	back := at.Add(-time.Hour)
	if d := DistinctTime(back); !d.Equal(back.Truncate(time.Microsecond)) {
		t.Errorf("a clock stepped back an hour is held at %v, want %v", d, back.Truncate(time.Microsecond))
	}
}
