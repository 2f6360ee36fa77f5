package store

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// SubscriptionSQL writes a SubscriptionFilter as a store's SELECT: the
// filter's logic once, each store giving its dialect.
type SubscriptionSQL struct {
	Cols     string                // the columns selected from subscriptions
	Arg      func(n int) string    // placeholder of the n-th argument (from 1)
	Meta     func(k string) string // metadata key k (a ValidMetaKey) as an expression
	Time     func(time.Time) any   // a created_at value as an argument
	TimeCast string                // after a time placeholder ("::timestamptz")
}

// Query is the SELECT for every part of f but Event (which the store
// matches in Go, so a Limit with an Event filter is applied there too).
func (d SubscriptionSQL) Query(f SubscriptionFilter) (string, []any, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return d.Arg(len(args))
	}
	if f.Status != "" {
		where = append(where, "status = "+arg(f.Status))
	}
	if len(f.Providers) > 0 {
		ph := make([]string, len(f.Providers))
		for i, p := range f.Providers {
			ph[i] = arg(p)
		}
		where = append(where, "provider IN ("+strings.Join(ph, ", ")+")")
	}
	for _, k := range slices.Sorted(maps.Keys(f.Meta)) {
		if !ValidMetaKey(k) {
			return "", nil, fmt.Errorf("store: invalid metadata key %q", k)
		}
		if v := f.Meta[k]; v == "" {
			where = append(where, "COALESCE("+d.Meta(k)+", '') = ''")
		} else {
			where = append(where, d.Meta(k)+" = "+arg(v))
		}
	}
	for _, k := range f.MetaSet {
		if !ValidMetaKey(k) {
			return "", nil, fmt.Errorf("store: invalid metadata key %q", k)
		}
		where = append(where, d.Meta(k)+" > ''")
	}
	cursor := func(op string, c *Subscription) string {
		return "(created_at, id) " + op + " (" + arg(d.Time(c.CreatedAt)) + d.TimeCast + ", " + arg(c.ID) + ")"
	}
	if c := f.NewerThan; c != nil {
		where = append(where, cursor(">", c))
	}
	if c := f.OlderThan; c != nil {
		where = append(where, cursor("<", c))
	}
	q := "SELECT " + d.Cols + " FROM subscriptions"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if f.Newest {
		q += " ORDER BY created_at DESC, id DESC"
	} else {
		q += " ORDER BY created_at, id"
	}
	if f.Limit > 0 && f.Event == "" {
		q += " LIMIT " + arg(f.Limit)
	}
	return q, args, nil
}
