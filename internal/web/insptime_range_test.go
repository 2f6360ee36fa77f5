package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// insptimeSeed stores n deliveries (one event each, type card.created)
// created at each of the times, a millisecond apart, and an event without
// deliveries (received, rejected) at each time; it returns the delivery
// IDs by time and the events' IDs.
func insptimeSeed(t *testing.T, st store.Store, n int, times ...time.Time) (ids map[time.Time][]string, lone []string) {
	t.Helper()
	ctx := context.Background()
	ids = map[time.Time][]string{}
	for _, at := range times {
		for i := range n {
			c := at.Add(time.Duration(i) * time.Millisecond)
			e := &store.Event{ID: fmt.Sprintf("evt_insptime_%d_%03d", at.UnixNano(), i), Type: "card.created", Provider: "bond",
				Payload: []byte(`{}`), ContentType: "application/json", Source: store.SourceTriggered, CreatedAt: c}
			d := &store.Delivery{URL: "http://127.0.0.1:9/x", Status: store.DeliveryFailed, MaxAttempts: 1, AttemptCount: 1,
				CreatedAt: c, UpdatedAt: c}
			if err := st.CreateEvent(ctx, e, []*store.Delivery{d}); err != nil {
				t.Fatal(err)
			}
			ids[at] = append(ids[at], d.ID)
		}
		e := &store.Event{ID: fmt.Sprintf("evt_insptime_lone_%d", at.UnixNano()), Type: "card.created", Provider: "bond", Payload: []byte(`{}`),
			ContentType: "application/json", Source: store.SourceReceived, Verdict: "invalid: no matching signature",
			CreatedAt: at.Add(time.Duration(n) * time.Millisecond)}
		if err := st.CreateEvent(ctx, e, nil); err != nil {
			t.Fatal(err)
		}
		lone = append(lone, e.ID)
	}
	return ids, lone
}

var insptimeRowRE = regexp.MustCompile(`<tr data-testid="(?:delivery|event)-row" data-(?:delivery|event)-id="([^"]+)"`)

func insptimeGet(t *testing.T, base, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	code, body, _ := send(t, req)
	return code, body
}

func insptimeRows(body string) map[string]bool {
	out := map[string]bool{}
	for _, m := range insptimeRowRE.FindAllStringSubmatch(body, -1) {
		out[m[1]] = true
	}
	return out
}

// TestInsptimeLogTimeRange: the log's time range (?from=&to=, as
// deliveries list --since/--until reads them: 2h, 1h, RFC 3339) shows
// the deliveries and the events without deliveries created in it and no
// others, says what it stands for, and a range that ended opens no
// stream (data-notlive, the indicator says so); one with only a start
// streams. Before, from and to were ignored: the log showed every row.
func TestInsptimeLogTimeRange(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	insptimeLogTimeRange(t, srv.URL, st)
}

func insptimeLogTimeRange(t *testing.T, base string, st store.Store) {
	now := time.Now()
	old, mid, recent := now.Add(-3*time.Hour), now.Add(-90*time.Minute), now.Add(-5*time.Minute)
	ids, lone := insptimeSeed(t, st, 3, old, mid, recent)
	want := func(name, path string, in []string, notLive bool) string {
		t.Helper()
		code, body := insptimeGet(t, base, path)
		if code != 200 {
			t.Fatalf("%s: GET %s: %d", name, path, code)
		}
		got := insptimeRows(body)
		wantSet := map[string]bool{}
		for _, id := range in {
			wantSet[id] = true
		}
		for id := range got {
			if !wantSet[id] {
				t.Errorf("%s: row %s is outside the range", name, id)
			}
		}
		for id := range wantSet {
			if !got[id] {
				t.Errorf("%s: row %s of the range is missing", name, id)
			}
		}
		if has := strings.Contains(body, `data-notlive="not live`); has != notLive {
			t.Errorf("%s: not live %v, want %v", name, has, notLive)
		}
		return body
	}
	body := want("2h to 1h", "/?from=2h&to=1h", append(append([]string{}, ids[mid]...), lone[1]), true)
	if !strings.Contains(body, `data-testid="live-indicator" id="live" aria-live="polite">not live: the time range ended`) {
		t.Errorf("2h to 1h: the indicator does not say the page is not live")
	}
	if !strings.Contains(body, `value="2h"`) || !strings.Contains(body, `value="1h"`) {
		t.Errorf("2h to 1h: the form does not keep the range as given")
	}
	if !regexp.MustCompile(`data-testid="range">created from \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z to `).MatchString(body) {
		t.Errorf("2h to 1h: the page does not say what the range stands for")
	}
	want("since 10m", "/?from=10m", append(append([]string{}, ids[recent]...), lone[2]), false)
	want("to 2h", "/?to=2h", append(append([]string{}, ids[old]...), lone[0]), true)
	// RFC 3339 times (UTC) and a date.
	rfc := "/?" + url.Values{"from": {mid.Add(-time.Minute).UTC().Format(time.RFC3339)}, "to": {mid.Add(time.Minute).UTC().Format(time.RFC3339)}}.Encode()
	want("RFC 3339", rfc, append(append([]string{}, ids[mid]...), lone[1]), true)
	tomorrow := now.AddDate(0, 0, 1).Format("2006-01-02")
	want("a date to come", "/?to="+tomorrow, append(append(append(append([]string{}, ids[old]...), ids[mid]...), ids[recent]...), lone...), false)
	// With another filter: a status the range's rows do not have.
	want("status", "/?from=2h&to=1h&status=succeeded", nil, true)
	// Old links: the events' paging cursor until= is not the range.
	want("until cursor", fmt.Sprintf("/?until=%d", now.Add(time.Minute).UnixMicro()),
		append(append(append(append([]string{}, ids[old]...), ids[mid]...), ids[recent]...), lone...), false)
	// The fragment a filter change fetches says it too.
	_, js := insptimeGet(t, base, "/?from=2h&to=1h&fragment=1")
	var frag struct {
		Filter, NotLive, Range string
		RangeBad               string
	}
	if err := json.Unmarshal([]byte(js), &frag); err != nil {
		t.Fatal(err)
	}
	f, _ := url.ParseQuery(frag.Filter)
	if !strings.HasPrefix(frag.NotLive, "not live") || frag.Range == "" || f.Get("from") == "" || f.Get("to") == "" {
		t.Errorf("fragment: %+v", frag)
	}
}

// TestInsptimeLogBadRangeSaysWhy: a range the page cannot read is said
// where the rows go (the CLI's words), with the field at fault marked,
// not a 500 and not the whole log; its page opens no stream.
func TestInsptimeLogBadRangeSaysWhy(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	insptimeSeed(t, st, 2, time.Now().Add(-time.Minute))
	for _, c := range []struct{ path, msg, bad string }{
		{"/?from=yesterday", `From: invalid time &#34;yesterday&#34;: want a duration ago (1h, 7d) or an RFC 3339 date or time`, "from"},
		{"/?to=14:05", `To: invalid time &#34;14:05&#34;`, "to"},
		{"/?from=1h&to=2h", `To (`, "from to"},
		{"/?from=-5m", `From: invalid time &#34;-5m&#34;`, "from"},
		{"/?from=2026-13-40&to=1h", `From: invalid time &#34;2026-13-40&#34;`, "from"},
		{"/?from=1h&to=1h", `is not after From`, "from to"},
		{"/?from=1h&status=x", `unknown status`, ""},
	} {
		code, body := insptimeGet(t, srv.URL, c.path)
		if code != 200 || !strings.Contains(body, `data-testid="filter-error"`) || !strings.Contains(body, c.msg) || len(insptimeRows(body)) != 0 {
			t.Errorf("GET %s: %d, rows %d; want the message %q, no rows", c.path, code, len(insptimeRows(body)), c.msg)
			continue
		}
		for _, f := range []string{"from", "to"} {
			marked := regexp.MustCompile(`name="` + f + `"[^>]*aria-invalid="true"`).MatchString(body)
			if want := strings.Contains(c.bad, f); marked != want {
				t.Errorf("GET %s: field %s marked %v, want %v", c.path, f, marked, want)
			}
		}
		if c.bad != "" && !strings.Contains(body, `data-notlive="not live: the time range cannot be read"`) {
			t.Errorf("GET %s: the page would stream", c.path)
		}
	}
}

// TestInsptimeLogPagingKeepsRange: the older pages of a range keep it
// (as the times it stood for), and end with it: 60 deliveries in the
// range, 3 on either side, are 50 then 10 (and the event), none of the
// others.
func TestInsptimeLogPagingKeepsRange(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	insptimeLogPagingKeepsRange(t, srv.URL, st)
}

func insptimeLogPagingKeepsRange(t *testing.T, base string, st store.Store) {
	now := time.Now()
	old, mid, recent := now.Add(-3*time.Hour), now.Add(-90*time.Minute), now.Add(-5*time.Minute)
	insptimeSeed(t, st, 3, old, recent)
	ids, lone := insptimeSeed(t, st, 60, mid)
	older := regexp.MustCompile(`href="(/\?[^"]*before=\d+[^"]*)" data-testid="older"`)
	seen := map[string]int{}
	next := "/?from=2h&to=1h"
	pages := 0
	for ; next != "" && pages < 10; pages++ {
		code, body := insptimeGet(t, base, next)
		if code != 200 {
			t.Fatalf("GET %s: %d", next, code)
		}
		for id := range insptimeRows(body) {
			seen[id]++
		}
		next = ""
		if m := older.FindStringSubmatch(body); m != nil {
			next = html.UnescapeString(m[1])
			v, _ := url.ParseQuery(strings.TrimPrefix(next, "/?"))
			if _, err := time.Parse(time.RFC3339Nano, v.Get("from")); err != nil {
				t.Errorf("older link %s: from is not the range's start: %v", next, err)
			}
			if _, err := time.Parse(time.RFC3339Nano, v.Get("to")); err != nil {
				t.Errorf("older link %s: to is not the range's end: %v", next, err)
			}
		}
	}
	if pages != 2 {
		t.Errorf("%d pages, want 2", pages)
	}
	for _, id := range append(ids[mid], lone...) {
		if seen[id] != 1 {
			t.Errorf("row %s shown %d times, want once", id, seen[id])
		}
	}
	if len(seen) != 61 {
		t.Errorf("%d rows over the pages, want the range's 60 deliveries and its event", len(seen))
	}
}

// TestInsptimeLiveStopsAtRangeEnd: a live stream (as a script opens
// one: the page of a range that ended opens one only for its pending
// rows) from a cursor below two new deliveries sends them when its
// range's end is to come, and none when its range ended: it says so in
// its hello and ends (event: done) with no rows (inspev: before, its
// first batch moved its cursor past them with no rows, and it went on).
func TestInsptimeLiveStopsAtRangeEnd(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	first, _ := insptimeSeed(t, st, 1, time.Now().Add(-time.Hour))
	fresh, _ := insptimeSeed(t, st, 2, time.Now())
	var cursor int64
	for _, v := range first {
		d, err := st.GetDelivery(context.Background(), v[0])
		if err != nil {
			t.Fatal(err)
		}
		cursor = d.Seq
	}
	var newIDs []string
	var top int64
	for _, v := range fresh {
		for _, id := range v {
			d, err := st.GetDelivery(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			newIDs, top = append(newIDs, id), max(top, d.Seq)
		}
	}
	// batch reads the stream's first rows batch.
	batch := func(from, to time.Time) (rows string, gotTop int64, done bool) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q := url.Values{"from": {from.UTC().Format(time.RFC3339Nano)}, "to": {to.UTC().Format(time.RFC3339Nano)},
			"after": {fmt.Sprint(cursor)}, "shown": {"1"}}
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/live?"+q.Encode(), nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var buf strings.Builder
		b := make([]byte, 1<<16)
		for {
			n, err := resp.Body.Read(b)
			buf.Write(b[:n])
			if i := strings.Index(buf.String(), "event: rows\ndata: "); i >= 0 {
				if line, _, ok := strings.Cut(buf.String()[i+len("event: rows\ndata: "):], "\n"); ok {
					var lb struct {
						Rows string
						Top  int64
					}
					if err := json.Unmarshal([]byte(line), &lb); err != nil {
						t.Fatal(err)
					}
					return lb.Rows, lb.Top, false
				}
			}
			if strings.Contains(buf.String(), "event: done\n") {
				if !strings.Contains(buf.String(), `"ended":"not live: the time range ended at `) {
					t.Errorf("a stream that ended does not say so in its hello: %s", buf.String())
				}
				return "", 0, true
			}
			if err != nil {
				t.Fatalf("no rows batch: %v: %s", err, buf.String())
			}
		}
	}
	rows, got, _ := batch(time.Now().Add(-2*time.Hour), time.Now().Add(time.Hour))
	for _, id := range newIDs {
		if !strings.Contains(rows, id) {
			t.Errorf("a range to come: the stream did not send delivery %s (top %d)", id, got)
		}
	}
	rows, _, done := batch(time.Now().Add(-2*time.Hour), time.Now().Add(-30*time.Minute))
	if rows != "" || !done {
		t.Errorf("a range that ended: the stream sent rows %q (done %v), want none and done", rows, done)
	}
}

// TestInsptimeLogRangeEndFindsOlderEvents: a range with an end and no
// start whose deliveries do not fill a page shows the events without
// deliveries before its end even when more than the page's event window
// (5,000) came after it: the window is the newest events before the end.
// Before, it was the newest 5,000 of all, all after the end: the event
// in the range was not shown.
func TestInsptimeLogRangeEndFindsOlderEvents(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	_, lone := insptimeSeed(t, st, 1, time.Now().Add(-3*time.Hour))
	bc, ok := st.(store.BatchCreator)
	if !ok {
		t.Fatalf("%T is not a store.BatchCreator", st)
	}
	now := time.Now()
	var evs []*store.Event
	for i := range 5200 {
		evs = append(evs, &store.Event{ID: fmt.Sprintf("evt_insptime_after_%04d", i), Type: "card.created", Provider: "bond", Payload: []byte(`{}`),
			ContentType: "application/json", Source: store.SourceReceived, Verdict: "valid", CreatedAt: now.Add(time.Duration(i) * time.Microsecond)})
	}
	if err := bc.CreateEvents(context.Background(), evs, make([][]*store.Delivery, len(evs))); err != nil {
		t.Fatal(err)
	}
	code, body := insptimeGet(t, srv.URL, "/?to=2h")
	rows := insptimeRows(body)
	if code != 200 || !rows[lone[0]] {
		t.Errorf("/?to=2h: %d, %d rows; the event before the range's end is missing", code, len(rows))
	}
	for id := range rows {
		if strings.HasPrefix(id, "evt_insptime_after_") {
			t.Errorf("/?to=2h shows %s, created after the range's end", id)
			break
		}
	}
	// Nothing before the end: no rows, no error.
	code, body = insptimeGet(t, srv.URL, "/?to=5h")
	if code != 200 || len(insptimeRows(body)) != 0 || strings.Contains(body, `data-testid="filter-error"`) {
		t.Errorf("/?to=5h: %d, %d rows", code, len(insptimeRows(body)))
	}
}
