package catalog

import (
	"sync"
	"time"
)

var distinct struct {
	sync.Mutex
	last time.Time
}

// DistinctTime returns t to the microsecond (the finest an event body
// shows), moved to just after the last time it returned when it is not
// later: the times of the fresh events one process builds are distinct.
// A receiver that recognises a Bond event by its name and occurred_at
// (Bond sends no id; check's hint says so) took two events built in the
// same microsecond by `trigger --count` for one sent twice and dropped
// the second (52 of 2,000 in one run). For events meant to be fresh
// (trigger, the inspector's and serve's triggers, check's probes); a
// time chosen on purpose (check's stale and out-of-order probes) is used
// as given. A clock stepped back by more than a second (NTP, a test
// clock, serve's clock moved) is followed, not held at the old time.
func DistinctTime(t time.Time) time.Time {
	t = t.Truncate(time.Microsecond)
	distinct.Lock()
	defer distinct.Unlock()
	if !t.After(distinct.last) && distinct.last.Sub(t) < time.Second {
		t = distinct.last.Add(time.Microsecond)
	}
	distinct.last = t
	return t
}
