package store

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// EventSQL writes an EventFilter as the inner SELECT of a store's
// ListEvents (the events alone, filtered, ordered and limited; the store
// adds the delivery counts): the filter's logic once, each store giving
// its dialect.
type EventSQL struct {
	Arg func(n int) string // placeholder of the n-th argument (from 1)
	// Header is the first value of stored header k (a ValidHeaderKey) as
	// an expression: the migrations index it for serve's keys.
	Header   func(k string) string
	Time     func(time.Time) any // a created_at value as an argument
	TimeCast string              // after a time placeholder ("::timestamptz")
	// Pattern writes an event pattern's condition on col, appending its
	// arguments to args.
	Pattern func(col, pattern string, args *[]any) string
}

// EventCursor is the position of a cursor event in list order, which the
// store has looked up (Before and After name events by ID).
type EventCursor struct {
	CreatedAt time.Time
	Seq       int64
}

// Query is the SELECT of cols from events e for f, with before and after
// the positions of f.Before and f.After (nil when unset).
func (d EventSQL) Query(cols string, f EventFilter, before, after *EventCursor) (string, []any, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return d.Arg(len(args))
	}
	if f.TypePattern != "" && f.TypePattern != "*" {
		where = append(where, d.Pattern("e.type", f.TypePattern, &args))
	}
	in := func(col string, vs []string) {
		ph := make([]string, len(vs))
		for i, v := range vs {
			ph[i] = arg(v)
		}
		where = append(where, col+" IN ("+strings.Join(ph, ", ")+")")
	}
	if len(f.Types) > 0 {
		in("e.type", f.Types)
	}
	if len(f.Providers) > 0 {
		in("e.provider", f.Providers)
	}
	if f.Verdict != "" {
		c, err := verdictClause(f.Verdict)
		if err != nil {
			return "", nil, err
		}
		where = append(where, c)
	}
	switch f.Source {
	case "":
	case SourceTriggered, SourceReceived, SourceCheck:
		// A literal, so the planner can prove the header indexes'
		// condition (source = 'triggered' AND …) from the query.
		where = append(where, "e.source = '"+f.Source+"'")
	default:
		where = append(where, "e.source = "+arg(f.Source))
	}
	if !f.Since.IsZero() {
		where = append(where, "e.created_at >= "+arg(d.Time(f.Since))+d.TimeCast)
	}
	if !f.Until.IsZero() {
		where = append(where, "e.created_at < "+arg(d.Time(f.Until))+d.TimeCast)
	}
	for _, k := range slices.Sorted(maps.Keys(f.Header)) {
		if !ValidHeaderKey(k) {
			return "", nil, fmt.Errorf("store: invalid header key %q", k)
		}
		where = append(where, d.Header(k)+" = "+arg(f.Header[k]))
	}
	cursor := func(op string, c *EventCursor) string {
		return "(e.created_at, e.seq) " + op + " (" + arg(d.Time(c.CreatedAt)) + d.TimeCast + ", " + arg(c.Seq) + ")"
	}
	if before != nil {
		where = append(where, cursor("<", before))
	}
	if after != nil {
		where = append(where, cursor(">", after))
	}
	q := "SELECT " + cols + " FROM events e"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if f.Oldest {
		q += " ORDER BY e.created_at, e.seq"
	} else {
		q += " ORDER BY e.created_at DESC, e.seq DESC"
	}
	if f.Limit > 0 {
		q += " LIMIT " + arg(f.Limit)
	}
	return q, args, nil
}

// ValidHeaderKey reports whether k can be an EventFilter header key: 1–64
// of A–Z a–z 0–9 and -, as header names are stored (a store rejects other
// keys rather than quote them into SQL).
func ValidHeaderKey(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// verdictClause is EventFilter.Verdict's condition on e.verdict, as
// ParseVerdict reads a verdict: by its exact first bytes (substr, the
// same in both stores; LIKE is case-insensitive in SQLite), an old
// forwarding loop's "invalid: forwarding loop …" being refused.
//
// valid and rejected are, term for term, the conditions of the partial
// indexes events_verdict_valid and events_verdict_rejected (SQLite schema
// 15, PostgreSQL 18): both stores use a partial index only when the query
// states its condition, so invalid and refused, subsets of rejected,
// state rejected too and then narrow it.
func verdictClause(kind string) (string, error) {
	const (
		valid    = "e.verdict = 'valid'"
		rejected = "substr(e.verdict, 1, 7) IN ('invalid', 'refused')"
		refused  = rejected + " AND (substr(e.verdict, 1, 7) = 'refused' OR substr(e.verdict, 1, 24) = 'invalid: forwarding loop')"
		invalid  = rejected + " AND substr(e.verdict, 1, 7) = 'invalid' AND substr(e.verdict, 1, 24) <> 'invalid: forwarding loop'"
	)
	switch kind {
	case VerdictValid:
		return valid, nil
	case VerdictInvalid:
		return invalid, nil
	case VerdictRefused:
		return refused, nil
	case VerdictRejected:
		return rejected, nil
	case VerdictNone:
		return "e.verdict <> 'valid' AND substr(e.verdict, 1, 7) NOT IN ('invalid', 'refused')", nil
	}
	return "", fmt.Errorf("store: unknown verdict filter %q: want one of %s", kind, strings.Join(VerdictFilters(), ", "))
}
