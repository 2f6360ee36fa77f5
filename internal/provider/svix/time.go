package svix

import (
	"time"
)

// Time is a timestamp as the Svix API writes it: RFC 3339 in UTC with a
// "Z", at the microsecond Svix keeps (PostgreSQL's), its fraction written
// as Svix's server (Rust's chrono, SecondsFormat::AutoSi) writes it: none
// when it is zero, else 3 digits when they say it all, else 6. Every
// object of the Svix API (application, endpoint, event type, message,
// attempt, the recover task) uses it, so one client sees one format:
// before, an application's or an event type's times had 9 digits (the
// clock's) while endpoints and messages had up to 6 (the store's), with
// trailing zeros dropped. It reads any RFC 3339 time (time.Time's).
type Time struct{ time.Time }

// svixTime is t as a Svix timestamp (UTC, to the microsecond).
func svixTime(t time.Time) Time { return Time{t.UTC().Truncate(time.Microsecond)} }

// svixTimePtr is svixTime of *t, nil for nil.
func svixTimePtr(t *time.Time) *Time {
	if t == nil {
		return nil
	}
	st := svixTime(*t)
	return &st
}

// MarshalJSON writes the time in Svix's format.
func (t Time) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.String() + `"`), nil
}

// String is the time in Svix's format.
func (t Time) String() string {
	u := t.UTC().Truncate(time.Microsecond)
	layout := "2006-01-02T15:04:05.000000Z"
	switch ns := u.Nanosecond(); {
	case ns == 0:
		layout = "2006-01-02T15:04:05Z"
	case ns%int(time.Millisecond) == 0:
		layout = "2006-01-02T15:04:05.000Z"
	}
	return u.Format(layout)
}
