package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/hookctl/hookctl/internal/ui"
)

// ParseDuration reads a duration the way people write it, days and weeks
// included (see ui.ParseDuration).
func ParseDuration(s string) (time.Duration, error) { return ui.ParseDuration(s) }

// HumanDurations makes every duration flag of fs read days and weeks (7d,
// 2w) and print its default the way people write it (24h, not 24h0m0s):
// pflag's duration value is wrapped, so commands keep fs.DurationVar.
func HumanDurations(fs *pflag.FlagSet) {
	// Unsorted: sorting every command's flags on every run would cost
	// cold start more than the rest of building the tree.
	sorted := fs.SortFlags
	fs.SortFlags = false
	defer func() { fs.SortFlags = sorted }()
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Value.Type() != "duration" {
			return
		}
		if _, ok := f.Value.(*humanDuration); ok {
			return
		}
		f.Value = &humanDuration{inner: f.Value}
		if d, err := time.ParseDuration(f.DefValue); err == nil {
			f.DefValue = ui.FormatDuration(d)
			if d == 0 {
				// pflag leaves a zero default out of the help, but knows
				// "0s" as zero only for its own duration type: wrapped, every
				// zero duration flag said "(default 0s)", after usages that
				// give the real default ("the provider's timeout").
				f.DefValue = "0"
			}
		}
	})
}

// humanDuration reads with ParseDuration and hands the result to the
// wrapped pflag value in Go's notation.
type humanDuration struct{ inner pflag.Value }

func (h *humanDuration) Set(s string) error {
	d, err := ParseDuration(s)
	if err != nil {
		return err
	}
	return h.inner.Set(d.String())
}
func (h *humanDuration) Type() string { return "duration" }
func (h *humanDuration) String() string {
	d, err := time.ParseDuration(h.inner.String())
	if err != nil {
		return h.inner.String()
	}
	return ui.FormatDuration(d)
}

// Moment is a point in time given as a duration before now (1h, 7d) or as
// an RFC 3339 date or time (2026-11-30, 2026-11-30T12:00:00Z).
type Moment struct {
	Ago time.Duration
	At  time.Time
	set bool
}

// IsZero reports whether the flag was not given.
func (m Moment) IsZero() bool { return !m.set }

// Time resolves the moment against now (the zero time when not given).
func (m Moment) Time(now time.Time) time.Time {
	switch {
	case !m.set:
		return time.Time{}
	case !m.At.IsZero():
		return m.At
	case m.Ago == 0:
		return time.Time{} // --since 0: no limit, as before
	}
	return now.Add(-m.Ago)
}

// Window resolves --since and --until against now. An --until not after
// --since (--since 1h --until 2h: the two swapped) is bad usage, not a
// window that matches nothing.
func Window(since, until Moment, now time.Time) (from, to time.Time, err error) {
	from, to = since.Time(now), until.Time(now)
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return from, to, Usagef("--until (%s) is not after --since (%s): no time is in between",
			to.UTC().Format(time.RFC3339), from.UTC().Format(time.RFC3339)).
			Hint("--since is the earlier time: a larger duration ago (--since 2h --until 1h)")
	}
	return from, to, nil
}

type momentValue Moment

// ParseMoment reads a Moment.
func ParseMoment(s string) (Moment, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		loc := time.Local
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return Moment{At: t, set: true}, nil
		}
	}
	d, err := ParseDuration(s)
	if err != nil || d < 0 {
		return Moment{}, fmt.Errorf("invalid time %q: want a duration ago (1h, 7d) or an RFC 3339 date or time (2026-11-30, 2026-11-30T12:00:00Z)", s)
	}
	return Moment{Ago: d, set: true}, nil
}

func (m *momentValue) Set(s string) error {
	v, err := ParseMoment(s)
	if err != nil {
		return err
	}
	*m = momentValue(v)
	return nil
}
func (m *momentValue) Type() string { return "time" }
func (m *momentValue) String() string {
	switch {
	case !m.set:
		return ""
	case !m.At.IsZero():
		return m.At.Format(time.RFC3339)
	}
	return ui.FormatDuration(m.Ago)
}

// MomentVar defines a --since/--until style flag.
func MomentVar(fs *pflag.FlagSet, p *Moment, name, usage string) {
	fs.Var((*momentValue)(p), name, usage)
}

// CheckNotEmpty refuses a flag given on the command line with an empty
// value (--secret "$UNSET"), where leaving the flag out means "generate
// one": an empty value must not silently mean the default.
func CheckNotEmpty(c interface{ Flags() *pflag.FlagSet }, name string) error {
	f := c.Flags().Lookup(name)
	if f == nil || !f.Changed || strings.TrimSpace(f.Value.String()) != "" {
		return nil
	}
	return Usagef("--%s is empty", name).Hint("leave out --%s and hookctl generates one", name)
}

// NonEmptyFlags is CheckNotEmpty for flags hookctl does not fill in
// itself: it refuses (exit 2) a flag of names given with an empty or
// blank value: --subscription "$SUB" with the variable unset would
// otherwise read as the flag left out — every subscription, every event,
// the delivery's own URL — and a replay --failed --yes or a trigger would
// send to every endpoint instead of the one meant. A flag left out is
// fine.
func NonEmptyFlags(c interface{ Flags() *pflag.FlagSet }, names ...string) error {
	for _, name := range names {
		fl := c.Flags().Lookup(name)
		if fl == nil || !fl.Changed || strings.TrimSpace(fl.Value.String()) != "" {
			continue
		}
		return Usagef("--%s is empty", name).
			Hint("give it a value or leave the flag out (is a shell variable unset?)")
	}
	return nil
}

// NonEmptyAny refuses (exit 2) a filter flag given with an empty or blank
// value where leaving the flag out means "any" (listen's and subscribe's
// --provider, --scheme): --provider "$P" with the variable unset must not
// silently widen to every provider. anyMeans says what leaving the flag
// out does ("any provider"); valid lists the values it takes.
func NonEmptyAny(c interface{ Flags() *pflag.FlagSet }, name, anyMeans string, valid []string) error {
	fl := c.Flags().Lookup(name)
	if fl == nil || !fl.Changed || strings.TrimSpace(fl.Value.String()) != "" {
		return nil
	}
	e := Usagef("--%s is empty", name).
		Hint("leave out --%s for %s (is a shell variable unset?)", name, anyMeans)
	if len(valid) > 0 {
		e = e.Hint("or give one of: %s", strings.Join(valid, ", "))
	}
	return e
}

// RetryUsage is a refused --retry-schedule, --retry-profile, --no-retry
// or --time-scale (delivery.ScheduleOptions.Resolve) as a usage error,
// with its own hints (did you mean, for a profile) and what to give.
func RetryUsage(err error) *ExitError {
	return WithCode(ExitUsage, err).
		Hint("e.g. --retry-schedule 0s,5s,5m,30m,2h (one delay per attempt), --retry-profile bond or --no-retry")
}

// UnbracketHost is a --host value as net.JoinHostPort wants it: an IPv6
// address may be written as in a URL, [::1], and is then ::1.
func UnbracketHost(host string) string {
	if len(host) > 2 && strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		return host[1 : len(host)-1]
	}
	return host
}

// PageLimit is the limit to ask the store for when a listing shows at most
// limit rows (0 = all): one more, so the listing can tell whether more
// matched (Truncated).
func PageLimit(limit int) int {
	if limit <= 0 {
		return 0
	}
	return limit + 1
}

// Truncated reports whether a listing asked with PageLimit(limit) got more
// than limit rows, and keeps the first limit of them.
func Truncated[T any](rows []T, limit int) ([]T, bool) {
	if limit > 0 && len(rows) > limit {
		return rows[:limit], true
	}
	return rows, false
}

// MoreHint tells, on stderr under a table, that the listing stopped at
// its --limit while more rows matched: a default limit of 50 otherwise
// passes for "that is all".
func MoreHint(w io.Writer, limit int, one, many string) {
	what := fmt.Sprintf("%d %s", limit, many)
	if limit == 1 {
		what = one
	}
	fmt.Fprintf(w, "hookctl: hint: showing the newest %s, and more match: --limit 0 shows them all\n", what)
}

// AddStoreWaitFlag adds --store-wait to a long-running command (worker,
// serve, ui, listen, deliveries tail): how long it waits at start for a store server that
// cannot be reached yet, or a SQLite store another process keeps locked
// (see Factory.WaitForStore). The store_wait setting (HOOKCTL_STORE_WAIT)
// fills it.
func AddStoreWaitFlag(fs *pflag.FlagSet, d *time.Duration) {
	fs.DurationVar(d, "store-wait", DefaultStoreWait,
		"at start, wait up to `duration` for a PostgreSQL server that cannot be reached yet, or a SQLite store another process keeps locked (0: do not wait)")
}

// CheckStoreWait refuses a negative --store-wait (exit 2).
func CheckStoreWait(d time.Duration) error {
	if d < 0 {
		return Usagef("invalid --store-wait %s: want a duration such as 1m, or 0 not to wait", d).
			Hint("e.g. --store-wait 1m (the default), or --store-wait 0 to fail at once")
	}
	return nil
}

// TakesPath reports whether fl, a string flag, takes a file, a directory,
// a URL or an address (--store, --config, --secret-file, --fixtures,
// --url, --forward, --addr …), by the name its usage gives the value.
func TakesPath(fl *pflag.Flag) bool {
	if fl.Value.Type() != "string" {
		return false
	}
	// The names a flag's usage gives its value (`file` in "config
	// `file`") when that value is a file, a directory, a URL or an
	// address: a value there that looks like a flag is a value left out.
	switch name, _ := pflag.UnquoteUsage(fl); strings.ToLower(name) {
	case "file", "path", "dir", "url", "target", "addr", "address", "host:port":
		return true
	}
	return false
}

// LooksLikeFlag reports whether s reads as a flag: -x…, --xyz… ("-"
// (stdin), "--" and "-1" do not).
func LooksLikeFlag(s string) bool {
	letter := func(i int) bool {
		return len(s) > i && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z')
	}
	return strings.HasPrefix(s, "--") && letter(2) || strings.HasPrefix(s, "-") && letter(1)
}

// MissingValue is the usage error (exit 2) for a flag taking a path or a
// URL that was given the next flag as its value (--store -o json took
// "-o" for the store, and json for a command): almost always the value
// was left out (a shell variable unset). A path that does start with '-'
// goes after '=' (--store=-o), where it is not refused.
func MissingValue(fl *pflag.Flag, v string) *ExitError {
	what, _ := pflag.UnquoteUsage(fl)
	return Usagef("--%s has no value: the argument after it, %q, is a flag", fl.Name, v).
		Hint("give its %s: --%s <%s> (is a shell variable unset?)", what, fl.Name, what).
		Hint("if %q is really the %s meant, write --%s=%s", v, what, fl.Name, v)
}
