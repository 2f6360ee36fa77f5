package web_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// inspevSeedEvents stores events without deliveries: for each of the
// times, n of every combination of type (card.created,
// kyc.verification.success), provider (bond, stripe) and verdict (valid,
// rejected, not verified), a millisecond apart; it returns their IDs by
// time, type, provider and verdict kind (valid, invalid, none).
func inspevSeedEvents(t *testing.T, st store.Store, n int, times ...time.Time) map[string][]string {
	t.Helper()
	ids := map[string][]string{}
	i := 0
	for ti, at := range times {
		for _, typ := range []string{"card.created", "kyc.verification.success"} {
			for _, prov := range []string{"bond", "stripe"} {
				for _, v := range []string{"valid", "invalid: no matching signature", ""} {
					for range n {
						i++
						e := &store.Event{ID: fmt.Sprintf("evt_inspev_%d_%05d", at.UnixNano(), i), Type: typ, Provider: prov, Payload: []byte(`{}`),
							ContentType: "application/json", Source: store.SourceReceived, Verdict: v, CreatedAt: at.Add(time.Duration(i) * time.Millisecond)}
						if err := st.CreateEvent(context.Background(), e, nil); err != nil {
							t.Fatal(err)
						}
						kind, _ := store.ParseVerdict(v)
						if kind == "" {
							kind = "none"
						}
						key := fmt.Sprintf("%d %s %s %s", ti, typ, prov, kind)
						ids[key] = append(ids[key], e.ID)
					}
				}
			}
		}
	}
	return ids
}

// TestInspevEventsFilters: the events page filters by type pattern,
// provider, verdict and time range (From/To as the log reads them), shows
// the filters in its form, and its paging links keep them (the range as
// the times it stood for): the 55 that match, and no other; each verdict
// alone over the range pages through its 220 events. Before, provider, verdict, from and to were ignored (every
// event of the type was listed) and the page had no form.
func TestInspevEventsFilters(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	inspevEventsFilters(t, srv.URL, st)
}

func inspevEventsFilters(t *testing.T, base string, st store.Store) {
	now := time.Now()
	old, mid, recent := now.Add(-3*time.Hour), now.Add(-90*time.Minute), now.Add(-5*time.Minute)
	inspevSeedEvents(t, st, 2, old, recent)
	ids := inspevSeedEvents(t, st, 55, mid)
	want := append([]string{}, ids["0 card.created bond invalid"]...)
	var seen []string
	next := "/events?type=card.*&provider=bond&verdict=rejected&from=2h&to=1h"
	code, body := insptimeGet(t, base, next)
	if code != 200 {
		t.Fatalf("GET %s: %d", next, code)
	}
	for _, w := range []string{`action="/events" role="search"`, `name="type" list="types" value="card.*"`, `<option selected>bond</option>`,
		`<option value="rejected" selected>`, `name="from" value="2h"`, `name="to" value="1h"`, `data-testid="range">created from `} {
		if !strings.Contains(body, w) {
			t.Errorf("the page does not show %s", w)
		}
	}
	pages := 0
	for ; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("more than 5 pages")
		}
		got, links := eventsPageOf(t, base, next)
		seen = append(seen, got...)
		next = links["older"]
		if next != "" {
			v, _ := url.ParseQuery(strings.TrimPrefix(next, "/events?"))
			if v.Get("type") != "card.*" || v.Get("provider") != "bond" || v.Get("verdict") != "rejected" {
				t.Errorf("the older link %s dropped a filter", next)
			}
			for _, k := range []string{"from", "to"} {
				if _, err := time.Parse(time.RFC3339Nano, v.Get(k)); err != nil {
					t.Errorf("the older link %s: %s is not the time the range stood for: %v", next, k, err)
				}
			}
		}
	}
	slices.Sort(seen)
	slices.Sort(want)
	if pages != 1 || !slices.Equal(seen, want) {
		t.Errorf("%d pages, %d events, want 1 page of the %d matching", pages, len(seen), len(want))
	}
	// Every verdict, each on its own, over the middle range and both
	// types and providers: 220 events on 3 pages.
	for _, kind := range []string{"valid", "invalid", "none"} {
		filter := map[string]string{"valid": "valid", "invalid": "rejected", "none": "none"}[kind]
		var want, seen []string
		for _, typ := range []string{"card.created", "kyc.verification.success"} {
			for _, prov := range []string{"bond", "stripe"} {
				want = append(want, ids[fmt.Sprintf("0 %s %s %s", typ, prov, kind)]...)
			}
		}
		next := "/events?verdict=" + filter + "&from=2h&to=1h"
		for pages := 0; next != "" && pages < 6; pages++ {
			got, links := eventsPageOf(t, base, next)
			seen = append(seen, got...)
			next = links["older"]
		}
		slices.Sort(seen)
		slices.Sort(want)
		if !slices.Equal(seen, want) {
			t.Errorf("verdict %s over the range: %d events, want %d", filter, len(seen), len(want))
		}
	}
}

// TestInspevEventsBadFilters: a filter the events page cannot use is said
// where its rows go (200, never 500 or 400), with the field at fault
// marked and described by the message, and no events listed. Before, a
// type pattern that cannot match listed no events without a word, a NUL
// was a 400 error page, and the others were ignored.
func TestInspevEventsBadFilters(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	inspevEventsBadFilters(t, srv.URL, st)
}

func inspevEventsBadFilters(t *testing.T, base string, st store.Store) {
	inspevSeedEvents(t, st, 1, time.Now().Add(-time.Minute))
	for _, c := range []struct{ path, msg, field string }{
		{"/events?type=card*", `card*`, "type"},
		{"/events?from=yesterday", `From: invalid time &#34;yesterday&#34;`, "from"},
		{"/events?to=14:05", `To: invalid time &#34;14:05&#34;`, "to"},
		{"/events?from=1h&to=2h", `is not after From`, "from"},
		{"/events?verdict=bogus", `unknown verdict &#34;bogus&#34;: use one of valid, rejected, invalid, refused, none`, "verdict"},
		{"/events?provider=nope", `unknown provider &#34;nope&#34;`, "provider"},
		{"/events?source=sent2", `unknown source &#34;sent2&#34;`, "source"},
		{"/events?type=card.%00", `Type holds a NUL`, "type"},
	} {
		code, body := insptimeGet(t, base, c.path)
		if code != 200 || !strings.Contains(body, `id="filter-error" data-testid="filter-error"`) || !strings.Contains(body, c.msg) {
			t.Errorf("GET %s: %d; want 200 with the message %q: %.3000s", c.path, code, c.msg, body)
			continue
		}
		if n := len(eventRowRE.FindAllString(body, -1)); n != 0 {
			t.Errorf("GET %s: %d events listed", c.path, n)
		}
		if !regexp.MustCompile(`name="` + c.field + `"[^>]*aria-invalid="true" aria-describedby="filter-error"`).MatchString(body) {
			t.Errorf("GET %s: field %s not marked", c.path, c.field)
		}
	}
}
