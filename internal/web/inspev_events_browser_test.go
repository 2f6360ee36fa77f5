package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserInspevEventsFilters: in headless Chromium, the events page's
// form filters: a verdict chosen loads the page with it in the address
// (and no empty fields), a type pattern given with Enter and a time
// range kept with it, the rows those of the filters; a bad From is said
// where the rows go and its field marked; clear goes back to every event.
// Before, the page had no form.
func TestBrowserInspevEventsFilters(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	_, srv, st := newHandler(t)
	now := time.Now()
	inspevSeedEvents(t, st, 1, now.Add(-3*time.Hour))
	ids := inspevSeedEvents(t, st, 2, now.Add(-5*time.Minute))
	ctx := newBrowser(t, path)
	rowsJS := `Array.from(document.querySelectorAll('[data-testid="event-row"]')).map(function(r){return r.dataset.eventId}).sort().join(',')`
	waitJS := func(cond string) {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); ; {
			c, cancel := context.WithTimeout(ctx, 3*time.Second)
			_, err := chromedp.Run(c, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(3*time.Second)))
			cancel()
			if err == nil {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s: %v (at %s, rows %s)", cond, err, get(t, ctx, chromedp.Evaluate[string](`location.href`)), get(t, ctx, chromedp.Evaluate[string](rowsJS)))
			}
		}
	}
	do(t, ctx, 10*sec, chromedp.Navigate(srv.URL+"/events"), chromedp.WaitVisible(`form.filters select[name="verdict"]`))
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="event-row"]').length`)); n != 36 {
		t.Fatalf("%d events, want 36", n)
	}
	get(t, ctx, chromedp.Evaluate[bool](`(function(){var s=document.querySelector('select[name="verdict"]');s.value='rejected';s.dispatchEvent(new Event('change',{bubbles:true}));return true})()`))
	waitJS(`location.search === '?verdict=rejected' && document.readyState === 'complete' && document.querySelectorAll('[data-testid="event-row"]').length === 12`)
	// A type pattern, given with Enter, and the last hour.
	get(t, ctx, chromedp.Evaluate[bool](`(function(){document.querySelector('input[name="type"]').value='kyc.*';document.querySelector('input[name="from"]').value='1h';
		document.querySelector('form.filters').requestSubmit();return true})()`))
	want := joinSorted(append(append([]string{}, ids["0 kyc.verification.success bond invalid"]...), ids["0 kyc.verification.success stripe invalid"]...))
	waitJS(`location.search === '?type=kyc.*&verdict=rejected&from=1h' && document.readyState === 'complete' && ` + rowsJS + ` === ` + jsString(want) +
		` && document.querySelector('select[name="verdict"]').value === 'rejected' && !document.getElementById('range').hidden`)
	// A bad From: said, marked, no rows.
	get(t, ctx, chromedp.Evaluate[bool](`(function(){var f=document.querySelector('input[name="from"]');f.value='yesterday';f.dispatchEvent(new Event('change',{bubbles:true}));return true})()`))
	waitJS(`document.readyState === 'complete' && (document.querySelector('[data-testid="filter-error"]')||{}).textContent === 'From: invalid time "yesterday": want a duration ago (1h, 7d) or an RFC 3339 date or time (2026-11-30, 2026-11-30T12:00:00Z)' &&
		document.querySelector('input[name="from"]').getAttribute('aria-invalid') === 'true' && ` + rowsJS + ` === ''`)
	do(t, ctx, 10*sec, chromedp.Click(`form.filters a[href="/events"]`))
	waitJS(`location.search === '' && location.pathname === '/events' && document.readyState === 'complete' && document.querySelectorAll('[data-testid="event-row"]').length === 36`)
}

func joinSorted(v []string) string {
	s := append([]string(nil), v...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}
