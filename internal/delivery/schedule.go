// Package delivery is hookctl's outbox: it writes events and their
// deliveries to the store before anything is sent, and workers claim due
// deliveries, sign and send them, record every attempt, and finish the
// delivery or schedule the next attempt. Delivery is at-least-once.
package delivery

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/textdist"
	"github.com/hookctl/hookctl/internal/ui"
)

// Schedule is a retry schedule: attempt n (1-based) is sent Schedule[n-1]
// after attempt n-1 (the first entry is the delay of the first attempt,
// normally 0). len(Schedule) is the number of attempts.
type Schedule []time.Duration

// DefaultSchedule is used when no schedule or profile is given: 5
// attempts, exponential back-off (jitter is applied when scheduling).
var DefaultSchedule = Schedule{0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}

// Profiles are real providers' retry schedules (PROVIDERS.md). Where a
// provider does not publish exact delays the schedule follows what it
// does publish (number of attempts, back-off shape, overall span).
// Made on first use: parsing them at package init cost every process.
var Profiles = sync.OnceValue(func() map[string]Schedule {
	return map[string]Schedule{
		// Bond: exponential back-off for up to 3 days, ~8 retries.
		"bond": mustParse("0s,1m,5m,30m,2h,6h,12h,24h,24h"),
		// Mono: first retry after 30 s, doubling, capped at 4 h, 25 attempts.
		"mono": monoSchedule(),
		// Mambu: 5 attempts with growing delays, then FAILED.
		"mambu": mustParse("0s,1m,5m,15m,30m"),
		// Svix: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
		"svix": mustParse("0s,5s,5m,30m,2h,5h,10h,10h"),
	}
})

// ProfileNames lists the retry profiles, sorted.
func ProfileNames() []string {
	names := make([]string, 0, len(Profiles()))
	for n := range Profiles() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func monoSchedule() Schedule {
	s := Schedule{0}
	d := 30 * time.Second
	for len(s) < 25 {
		s = append(s, d)
		if d *= 2; d > 4*time.Hour {
			d = 4 * time.Hour
		}
	}
	return s
}

func mustParse(s string) Schedule {
	sch, err := ParseSchedule(s)
	if err != nil {
		panic(err)
	}
	return sch
}

// ParseSchedule parses "0s,5s,5m,30m,2h" (Go durations; a bare number is
// seconds). The schedule needs at least one attempt and at most 100.
func ParseSchedule(s string) (Schedule, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("empty retry schedule")
	}
	parts := strings.Split(s, ",")
	if len(parts) > 100 {
		return nil, fmt.Errorf("retry schedule has %d attempts: at most 100", len(parts))
	}
	sch := make(Schedule, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		d, err := ui.ParseDuration(p)
		if err != nil {
			n, nerr := strconv.ParseFloat(p, 64)
			if nerr != nil {
				if strings.Contains(err.Error(), "too large") {
					return nil, fmt.Errorf("%w in retry schedule", err)
				}
				return nil, fmt.Errorf("invalid delay %q in retry schedule: want a duration such as 0s, 5s, 5m or 2h", p)
			}
			// Bare seconds; past time.Duration's range they wrapped
			// around to a negative delay.
			if math.Abs(n*float64(time.Second)) >= float64(math.MaxInt64) {
				return nil, fmt.Errorf("invalid delay %q in retry schedule: it is too large (at most 2562047h, about 292 years)", p)
			}
			d = time.Duration(n * float64(time.Second))
		}
		if d < 0 {
			return nil, fmt.Errorf("negative delay %q in retry schedule", p)
		}
		sch = append(sch, d)
	}
	return sch, nil
}

// String renders the schedule the way it is stored on a delivery.
func (s Schedule) String() string {
	var b strings.Builder
	for i, d := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(d.String())
	}
	return b.String()
}

// Scale divides every delay by f (f = 1000 runs the schedule 1000× faster).
func (s Schedule) Scale(f float64) Schedule {
	if f <= 0 || f == 1 {
		return s
	}
	out := make(Schedule, len(s))
	for i, d := range s {
		out[i] = time.Duration(float64(d) / f).Round(time.Millisecond)
		if d > 0 && out[i] == 0 {
			out[i] = time.Millisecond
		}
	}
	return out
}

// Total is the sum of the delays: the span from the first attempt to the
// last.
func (s Schedule) Total() time.Duration {
	var t time.Duration
	for _, d := range s {
		t += d
	}
	return t
}

// Max is the longest delay.
func (s Schedule) Max() time.Duration {
	var m time.Duration
	for _, d := range s {
		m = max(m, d)
	}
	return m
}

// ScheduleOptions are the user's retry flags.
type ScheduleOptions struct {
	Schedule  string  // --retry-schedule
	Profile   string  // --retry-profile
	TimeScale float64 // --time-scale (0 or 1 = real time)
	NoRetry   bool    // --no-retry
}

// Resolve turns the flags into a schedule: --no-retry sends once; a
// schedule and a profile are exclusive; the default is DefaultSchedule.
func (o ScheduleOptions) Resolve(def Schedule) (Schedule, error) {
	if o.TimeScale < 0 {
		return nil, fmt.Errorf("invalid --time-scale %v: want a positive factor (1000 = 1000× faster)", o.TimeScale)
	}
	sch := def
	switch {
	case o.NoRetry && o.Schedule != "":
		return nil, fmt.Errorf("--no-retry and --retry-schedule cannot be used together")
	case o.NoRetry && o.Profile != "":
		return nil, fmt.Errorf("--no-retry and --retry-profile cannot be used together")
	case o.NoRetry:
		return Schedule{0}, nil
	case o.Schedule != "" && o.Profile != "":
		return nil, fmt.Errorf("--retry-schedule and --retry-profile cannot be used together")
	case o.Schedule != "":
		s, err := ParseSchedule(o.Schedule)
		if err != nil {
			return nil, err
		}
		sch = s
	case o.Profile != "":
		s, ok := Profiles()[strings.ToLower(o.Profile)]
		if !ok {
			return nil, &UnknownProfileError{Name: o.Profile}
		}
		sch = s
	}
	return sch.Scale(o.TimeScale), nil
}

// Jitter spreads d by ±20 % (Svix-style), so retries of many deliveries
// do not hit a receiver at the same instant. Zero stays zero.
func Jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	f := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * f)
}

// ParseRetryAfter reads a Retry-After header: delay-seconds or an HTTP
// date. ok is false when absent or unreadable.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(365*24*time.Hour/time.Second) {
			n = int64(365 * 24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// UnknownProfileError: a --retry-profile (or retry_profile) that names no
// profile; its hints suggest the closest and list them all.
type UnknownProfileError struct{ Name string }

func (e *UnknownProfileError) Error() string {
	return fmt.Sprintf("unknown retry profile %q: want one of %s", e.Name, strings.Join(ProfileNames(), ", "))
}

// Hints: did you mean, when a profile is close.
func (e *UnknownProfileError) Hints() []string {
	if s := textdist.Closest(e.Name, ProfileNames()); s != "" {
		return []string{fmt.Sprintf("did you mean %q?", s)}
	}
	return nil
}
