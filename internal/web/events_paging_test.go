package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/store"
)

var (
	eventRowRE = regexp.MustCompile(`data-testid="event-row" data-event-id="([^"]+)"`)
	pagingRE   = regexp.MustCompile(`<a href="([^"]*)" data-testid="events-(older|newer|newest)"`)
)

// eventsPageOf reads one page of the events list: its event IDs in order
// and its paging links (older, newer, newest) by name.
func eventsPageOf(t *testing.T, base, path string) ([]string, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	code, body, _ := send(t, req)
	if code != 200 {
		t.Fatalf("GET %s: %d %s", path, code, body)
	}
	var ids []string
	for _, m := range eventRowRE.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	links := map[string]string{}
	for _, m := range pagingRE.FindAllStringSubmatch(body, -1) {
		links[m[2]] = html.UnescapeString(m[1])
	}
	return ids, links
}

// The events page pages through every event, both ways, with its
// filters: it showed the newest 100 and nothing further back. 260 events,
// 170 of them card.* (several created at the same instant, where the
// list orders by creation), walked with the type filter from the newest
// page through "older" to the oldest, then back through "newer": each
// card event once, in list order, no other type, the same pages both
// ways.
func TestEventsPageIsPaged(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var want []string // the card events, newest first
	for i := range 260 {
		typ := "card.created"
		if i%3 == 2 {
			typ = "kyc.verification.success"
		}
		id := fmt.Sprintf("evt_%04d", i)
		e := &store.Event{ID: id, Type: typ, Provider: "bond", Payload: []byte(`{"i":` + fmt.Sprint(i) + `}`),
			ContentType: "application/json", Source: store.SourceTriggered, CreatedAt: t0.Add(time.Duration(i/4) * time.Millisecond)}
		if err := st.CreateEvent(ctx, e, nil); err != nil {
			t.Fatal(err)
		}
		if typ == "card.created" {
			want = append(want, id)
		}
	}
	slices.Reverse(want)

	var pages [][]string
	var seen []string
	path := "/events?type=card.%2A"
	for {
		ids, links := eventsPageOf(t, srv.URL, path)
		if len(ids) == 0 || len(ids) > 100 {
			t.Fatalf("%s: %d events, want 1 to 100", path, len(ids))
		}
		pages = append(pages, ids)
		seen = append(seen, ids...)
		if len(pages) > 1 && links["newer"] == "" {
			t.Errorf("%s: an older page without a newer link", path)
		}
		older, ok := links["older"]
		if !ok {
			break
		}
		if !strings.Contains(older, "type=card.%2A") {
			t.Fatalf("the older link %s dropped the type filter", older)
		}
		if len(pages) > 10 {
			t.Fatal("more than 10 pages of older links")
		}
		path = older
	}
	if !slices.Equal(seen, want) {
		t.Fatalf("walking older from the newest page showed %d events (pages of %v), want the %d card events once each, newest first",
			len(seen), pageSizes(pages), len(want))
	}
	if len(pages) < 2 {
		t.Fatalf("%d card events on %d page(s)", len(want), len(pages))
	}

	// Back, through "newer", from the oldest page: the same pages.
	for i := len(pages) - 2; i >= 0; i-- {
		_, links := eventsPageOf(t, srv.URL, path)
		newer, ok := links["newer"]
		if !ok {
			t.Fatalf("%s: no newer link (page %d of %d)", path, i+2, len(pages))
		}
		if !strings.Contains(newer, "type=card.%2A") {
			t.Fatalf("the newer link %s dropped the type filter", newer)
		}
		ids, _ := eventsPageOf(t, srv.URL, newer)
		if !slices.Equal(ids, pages[i]) {
			t.Fatalf("newer from page %d shows %d events %v…, want page %d again", i+2, len(ids), ids[:min(3, len(ids))], i+1)
		}
		path = newer
	}
	if _, links := eventsPageOf(t, srv.URL, path); links["newer"] != "" {
		t.Errorf("the newest page reached through newer links to a newer one: %s", links["newer"])
	}

	// An event arriving meanwhile does not shift an older page.
	if err := st.CreateEvent(ctx, &store.Event{ID: "evt_new", Type: "card.created", Provider: "bond", Payload: []byte(`{}`),
		ContentType: "application/json", Source: store.SourceTriggered, CreatedAt: t0.Add(time.Hour)}, nil); err != nil {
		t.Fatal(err)
	}
	ids, links := eventsPageOf(t, srv.URL, "/events?type=card.%2A&before="+pages[0][len(pages[0])-1])
	if !slices.Equal(ids, pages[1]) {
		t.Errorf("the second page changed after a new event: %v…", ids[:min(3, len(ids))])
	}
	if links["newest"] == "" {
		t.Error("an older page has no link to the newest")
	}
	// A cursor naming no event is a 404, not an empty list; one no store
	// can hold is a 400.
	for path, want := range map[string]int{"/events?before=evt_nope": 404, "/events?after=evt_%FF": 400, "/events?before=%00": 400} {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if code, body, _ := send(t, req); code != want {
			t.Errorf("%s: %d %.200s, want %d", path, code, body, want)
		}
	}
}

func pageSizes(pages [][]string) []int {
	var n []int
	for _, p := range pages {
		n = append(n, len(p))
	}
	return n
}

// The events page's paging links in a browser: 130 events, the newest
// 100 on the first page; "older" shows the other 30 with the filter kept
// in the address, "newer" the first page again.
func TestBrowserEventsPaging(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	ctx := newBrowser(t, path)
	t0 := time.Now().Add(-time.Hour).UTC()
	for i := range 130 {
		ev := &store.Event{ID: fmt.Sprintf("evt_b%03d", i), Type: "card.created", Provider: "bond", Payload: []byte(`{}`),
			ContentType: "application/json", Source: store.SourceTriggered, CreatedAt: t0.Add(time.Duration(i) * time.Millisecond)}
		if err := e.st.CreateEvent(context.Background(), ev, nil); err != nil {
			t.Fatal(err)
		}
	}
	rows := `Array.from(document.querySelectorAll('[data-testid="event-row"]')).map(function(r){return r.dataset.eventId})`
	do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/events?source=triggered"), chromedp.WaitVisible(`[data-testid="events-older"]`))
	first := get(t, ctx, chromedp.Evaluate[[]string](rows))
	if len(first) != 100 || first[0] != "evt_b129" {
		t.Fatalf("first page: %d events from %v", len(first), first[:min(1, len(first))])
	}
	// Clicked in the page: the live stream's first page (sent on
	// connect) re-draws the paging, and a node chromedp had found for a
	// Click could be gone by the click ("Could not find node with given
	// id", seen once with the package's tests in parallel).
	do(t, ctx, 10*sec, chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="events-older"]').click()`), chromedp.WaitVisible(`[data-testid="events-newer"]`))
	older := get(t, ctx, chromedp.Evaluate[[]string](rows))
	if len(older) != 30 || older[0] != "evt_b029" || older[29] != "evt_b000" {
		t.Errorf("older page: %d events %v", len(older), older)
	}
	if loc := get(t, ctx, chromedp.Location()); !strings.Contains(loc, "source=triggered") || !strings.Contains(loc, "before=evt_b030") {
		t.Errorf("the older page's address %s", loc)
	}
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="events-older"]').length`)); n != 0 {
		t.Error("the oldest page links to an older one")
	}
	do(t, ctx, 10*sec, chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="events-newer"]').click()`), chromedp.WaitVisible(`[data-testid="events-older"]`))
	if again := get(t, ctx, chromedp.Evaluate[[]string](rows)); !slices.Equal(again, first) {
		t.Errorf("newer from the older page: %d events from %v, want the first page", len(again), again[:min(1, len(again))])
	}
}
