package web_test

import (
	"encoding/json"
	"testing"

	"github.com/chromedp/chromedp"
)

// inspevFormJS measures the page's filter form: the rows its visible
// fields lie on (by their bottom edge: they line up at the bottom), its
// widest overflow past the window, the fields' heights, and in the
// scheme shown whether every field is drawn on the page's background.
const inspevFormJS = `(function(){
	var f = document.querySelector('form.filters'), rows = {}, over = 0, heights = {}, bg = getComputedStyle(document.body).backgroundColor, offBg = [];
	Array.prototype.forEach.call(f.children, function(c){
		if (c.offsetParent === null) return;
		var r = c.getBoundingClientRect();
		rows[Math.round(r.bottom)] = true;
		over = Math.max(over, r.right - innerWidth);
	});
	f.querySelectorAll('input, select, button').forEach(function(c){
		var r = c.getBoundingClientRect();
		heights[Math.round(r.height)] = true;
		over = Math.max(over, r.right - innerWidth);
		if (c.tagName !== 'BUTTON' && getComputedStyle(c).backgroundColor !== bg) offBg.push(c.name + ' ' + getComputedStyle(c).backgroundColor);
	});
	return JSON.stringify({rows: Object.keys(rows).length, over: over, heights: Object.keys(heights).length, scroll: document.documentElement.scrollWidth - innerWidth, offBg: offBg});
})()`

// TestBrowserInspevFilterLayout: the filter form of the log (every field,
// a subscription whose URL is long, filtered so that clear shows) and of
// the events page fits one row at 1280 px and two at 1024, its fields and
// button of one height, in light and dark mode, each field drawn on the
// page's background; at 375 px (a phone) nothing goes past the window.
// Before, the log's form took two rows at 1280 (the subscription select
// as wide as its longest URL), its selects and inputs of different
// heights, the selects grey on the white page.
func TestBrowserInspevFilterLayout(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	seedLayout(t, e)
	ctx := newBrowser(t, path)
	type form struct {
		Rows, Heights int
		Over, Scroll  float64
		OffBg         []string
	}
	for _, scheme := range []string{"light", "dark"} {
		for _, w := range []int64{1280, 1024, 375} {
			for _, p := range []string{"/?type=card.*&from=2h", "/events?type=card.*&from=2h"} {
				do(t, ctx, 10*sec, colourScheme(scheme), chromedp.EmulateViewport(w, 900), chromedp.Navigate(e.url+p), chromedp.WaitVisible(`form.filters`))
				var got form
				if err := json.Unmarshal([]byte(get(t, ctx, chromedp.Evaluate[string](inspevFormJS))), &got); err != nil {
					t.Fatal(err)
				}
				maxRows := map[int64]int{1280: 1, 1024: 2, 375: 99}[w]
				if got.Rows > maxRows || got.Heights != 1 || got.Over > 0.5 || got.Scroll > 0 || len(got.OffBg) > 0 {
					t.Errorf("%s, %d px, %s: %+v; want at most %d row(s), one height, nothing past the window, the fields on the page's background", scheme, w, p, got, maxRows)
				}
			}
		}
	}
}
