package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
)

// layout is a store as a user has it after an afternoon: a receiver that
// answers 200, one with a long URL that answers 500, a delivery waiting
// for a retry, an edited copy, a binary body, a Stripe event with a long
// type, and a request listen rejected with a long reason and header.
type layout struct {
	ok, failed, pending, binary, edited string
	rejected                            string
	broken, off                         *store.Subscription
}

func seedLayout(t *testing.T, e *env) layout {
	t.Helper()
	ctx := context.Background()
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Internal Server Error: database is locked", http.StatusInternalServerError)
	}))
	t.Cleanup(bad.Close)
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	subs := &subscription.Service{Store: e.st, Catalog: cat}
	broken, err := subs.Create(ctx, subscription.CreateInput{URL: bad.URL + "/api/v1/integrations/payments/webhooks/incoming/stripe-events-handler",
		Events: []string{"*"}, Description: "the staging app, answering 500 to everything since the migration"})
	if err != nil {
		t.Fatal(err)
	}
	off, err := subs.Create(ctx, subscription.CreateInput{URL: "http://127.0.0.1:9/webhooks", Events: []string{"loan.*"}, Description: "nobody listening"})
	if err != nil {
		t.Fatal(err)
	}
	if off, _, err = subs.SetStatus(ctx, off.ID, store.StatusDisabled); err != nil {
		t.Fatal(err)
	}
	once := &service.Dispatcher{Store: e.st, Catalog: cat, Schedule: delivery.Schedule{0}}
	var l layout
	l.broken, l.off = broken, off
	pub, err := once.Trigger(ctx, service.TriggerInput{Type: "card.created", Provider: "bond"})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range pub.Deliveries {
		if d.SubscriptionID == e.sub.ID {
			l.ok = d.ID
		} else {
			l.failed = d.ID
		}
	}
	for _, typ := range []string{"stripe:checkout.session.async_payment_succeeded", "mambu:loan.repayment"} {
		if _, err := once.Trigger(ctx, service.TriggerInput{Type: typ}); err != nil {
			t.Fatal(err)
		}
	}
	later := &service.Dispatcher{Store: e.st, Catalog: cat, Schedule: delivery.Schedule{0, time.Hour}}
	pp, err := later.Trigger(ctx, service.TriggerInput{Type: "invoice.paid", Provider: "stripe", Target: service.Target{SubscriptionID: broken.ID}})
	if err != nil {
		t.Fatal(err)
	}
	l.pending = pp.Deliveries[0].ID
	bin := make([]byte, 600)
	for i := range bin {
		bin[i] = byte(i*7 + 3)
	}
	bp, err := once.Publish(ctx, &store.Event{Type: "transactions", Provider: "bond", Payload: bin, ContentType: "application/octet-stream"},
		service.Target{SubscriptionID: broken.ID, Headers: map[string]string{"X-Trace": strings.Repeat("0123456789abcdef", 12)}})
	if err != nil {
		t.Fatal(err)
	}
	l.binary = bp.Deliveries[0].ID
	ep, err := once.Publish(ctx, &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{"event":"card.created","card":{"status":"Frozen"}}`), ContentType: "application/json"},
		service.Target{SubscriptionID: e.sub.ID, Kind: store.KindEdited, OriginID: l.ok})
	if err != nil {
		t.Fatal(err)
	}
	l.edited = ep.Deliveries[0].ID
	rej := &store.Event{ID: "rej_0123456789abcdef01234567", Type: "charge.succeeded", Provider: "stripe", Source: store.SourceReceived,
		Payload: []byte(`{"type":"charge.succeeded"}`), ContentType: "application/json",
		Verdict: "invalid: no matching signature: the signature does not match the body with the secret (wrong secret, or the body was changed after signing)",
		Headers: map[string][]string{"Stripe-Signature": {"t=1796420125,v1=" + strings.Repeat("deadbeef", 8)}, "User-Agent": {"Stripe/1.0 (+https://stripe.com/docs/webhooks)"}}}
	if err := e.st.CreateEvent(ctx, rej, nil); err != nil {
		t.Fatal(err)
	}
	l.rejected = rej.ID
	for _, id := range []string{l.ok, l.failed, l.binary, l.edited} {
		e.waitDelivery(t, id, 1)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := e.st.GetDelivery(ctx, l.pending)
		if err != nil {
			t.Fatal(err)
		}
		if d.AttemptCount >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the pending delivery made no attempt")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return l
}

// pages is every kind of page of the inspector, with that store.
func (l layout) pages() []string {
	return []string{
		"/", "/?type=card*", "/events", "/overview", "/subscriptions", "/subscriptions/" + l.broken.ID + "/edit",
		"/trigger", "/trigger?type=bond:card.created",
		"/deliveries/" + l.ok, "/deliveries/" + l.failed, "/deliveries/" + l.pending, "/deliveries/" + l.binary,
		"/deliveries/" + l.edited, "/deliveries/" + l.ok + "/edit", "/events/" + l.rejected,
		"/diff?a=" + l.ok + "&b=" + l.edited, "/deliveries/no-such-delivery",
	}
}

// overflow names the elements that stick out of the viewport on the
// right, outermost only ("" when none does).
const overflowJS = `(function(){
	var W = document.documentElement.clientWidth, out = [];
	if (document.documentElement.scrollWidth <= W) return "";
	document.querySelectorAll('body *').forEach(function (el) {
		var b = el.getBoundingClientRect(), p = el.parentElement;
		if (b.width === 0 || b.right <= W + 1) return;
		if (p && p.getBoundingClientRect().right > W + 1) return;
		out.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).trim().replace(/\s+/g, '.') : '') + ' (right edge ' + Math.round(b.right) + ')');
	});
	if (!out.length) {
		var w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT), n;
		while ((n = w.nextNode()) && out.length < 6) {
			var r = document.createRange(); r.selectNodeContents(n);
			if (r.getBoundingClientRect().right > W + 1) out.push('text "' + n.textContent.trim().slice(0, 40) + '" in ' + n.parentElement.tagName.toLowerCase() + '.' + n.parentElement.className);
		}
	}
	return 'page ' + document.documentElement.scrollWidth + ' px wide in a ' + W + ' px window: ' + out.slice(0, 6).join(', ');
})()`

// squeezedJS names the table cells whose text a narrow column wraps a few
// letters a line (an ID or a URL as a column of letters).
const squeezedJS = `Array.from(document.querySelectorAll('td')).filter(function(td){
	if (td.querySelector('pre, details, textarea, form')) return false;
	var r = document.createRange(); r.selectNodeContents(td);
	var lines = r.getBoundingClientRect().height / (parseFloat(getComputedStyle(td).lineHeight) || 20);
	return lines > 4 && td.textContent.trim().length / lines < 8;
}).map(function(td){ return td.textContent.trim().slice(0, 40) + ' (' + Math.round(td.getBoundingClientRect().width) + ' px wide)'; }).slice(0, 4)`

// No page of the inspector scrolls sideways, on a phone (390 px), a small
// laptop (1024 px) or a desktop (1280 px): a wide table scrolls in its
// own box (its columns keep a readable width), and long URLs, IDs, header
// values and hex dumps stay inside the page. On a phone the log, the events list, the overview and the
// subscriptions were 900 to 1,400 px wide, a delivery's page 420 to
// 730 px (its target URL and facts); at 1280 px the subscriptions list
// was 1,383 px wide.
func TestBrowserNoPageScrollsSideways(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	l := seedLayout(t, e)
	for _, w := range [][2]int{{390, 844}, {1024, 768}, {1280, 900}} {
		ctx := newBrowser(t, path, chromedp.WindowSize(w[0], w[1]))
		for _, p := range l.pages() {
			do(t, ctx, 10*sec, chromedp.Navigate(e.url+p), chromedp.WaitReady(`main`))
			if msg := get(t, ctx, chromedp.Evaluate[string](overflowJS)); msg != "" {
				t.Errorf("%d px: %s: %s", w[0], p, msg)
			}
			if tall := get(t, ctx, chromedp.Evaluate[[]string](squeezedJS)); len(tall) > 0 {
				t.Errorf("%d px: %s: cells squeezed to a column of letters: %q", w[0], p, tall)
			}
		}
	}
}

// The live log at 1024 px keeps its Target column and shows every column:
// its fixed columns took more than the window, the target column got no
// width at all and its heading was drawn over the Status heading.
func TestBrowserLogKeepsTargetColumn(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	seedLayout(t, e)
	for _, w := range [][2]int{{1024, 768}, {1280, 900}} {
		ctx := newBrowser(t, path, chromedp.WindowSize(w[0], w[1]))
		do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(`[data-testid="delivery-row"]`))
		heads := get(t, ctx, chromedp.Evaluate[[]thBox](`Array.from(document.querySelectorAll('table.deliveries thead th')).map(function(th){
			var r = document.createRange(); r.selectNodeContents(th); var t = r.getBoundingClientRect(), b = th.getBoundingClientRect();
			return {Text: th.textContent, Left: b.left, Right: b.right, TextLeft: t.left, TextRight: t.right};
		})`))
		if hidden := get(t, ctx, chromedp.Evaluate[float64](`(function(){var w=document.querySelector('table.deliveries').parentElement;return w.scrollWidth-w.clientWidth})()`)); w[0] >= 1024 && hidden > 0 {
			t.Errorf("%d px: %.0f px of the log's columns are out of sight (the table scrolls)", w[0], hidden)
		}
		for i, h := range heads {
			if h.Text == "Target" && h.Right-h.Left < 120 {
				t.Errorf("%d px: the Target column is %.0f px wide", w[0], h.Right-h.Left)
			}
			if i > 0 && h.Text != "" && heads[i-1].Text != "" && heads[i-1].TextRight > h.TextLeft {
				t.Errorf("%d px: the headings %q and %q overlap: %+v %+v", w[0], heads[i-1].Text, h.Text, heads[i-1], h)
			}
		}
	}
}

type thBox struct {
	Text                             string
	Left, Right, TextLeft, TextRight float64
}

// A cell of the live log that is cut (an ellipsis) says the whole text
// when pointed at: "stripe:checkout.session.async_payment_succeeded" was
// cut to "stripe:checkout.session.asyn…" with no way to read the rest. A
// cell without text (the diff pick) is not cut at all: its checkbox was
// clipped on the right.
func TestBrowserCutCellsHaveTheirText(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	seedLayout(t, e)
	for _, w := range [][2]int{{1024, 768}, {1280, 900}} {
		ctx := newBrowser(t, path, chromedp.WindowSize(w[0], w[1]))
		do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(`[data-testid="delivery-row"]`))
		cut := get(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#rows td')).filter(function(td){
			return td.scrollWidth > td.clientWidth && (td.textContent.trim() === '' || !td.getAttribute('title') && !td.querySelector('[title]'));
		}).map(function(td){ return td.textContent.trim() || td.innerHTML; })`))
		if len(cut) > 0 {
			t.Errorf("%d px: cut cells without a title that says them: %q", w[0], cut)
		}
	}
}

// rgb parses a computed CSS colour.
func rgb(s string) (r, g, b, a float64, ok bool) {
	a = 1
	if n, _ := fmt.Sscanf(s, "rgba(%g, %g, %g, %g)", &r, &g, &b, &a); n == 4 {
		return r, g, b, a, true
	}
	if n, _ := fmt.Sscanf(s, "rgb(%g, %g, %g)", &r, &g, &b); n == 3 {
		return r, g, b, 1, true
	}
	return 0, 0, 0, 0, false
}

// contrastJS lists the text on the page whose colour on its background is
// under WCAG AA: 4.5:1, or 3:1 for large text (24 px, or 18.66 px bold).
// Text of a disabled control is exempt, as WCAG has it.
const contrastJS = `(function(){
	function parse(c){ var m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null; var p = m[1].split(',').map(Number); return {r:p[0], g:p[1], b:p[2], a:p.length > 3 ? p[3] : 1}; }
	function lum(c){ return [c.r, c.g, c.b].map(function(v){ v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }).reduce(function(s, v, i){ return s + v * [0.2126, 0.7152, 0.0722][i]; }, 0); }
	function over(f, b){ return {r: f.r * f.a + b.r * (1 - f.a), g: f.g * f.a + b.g * (1 - f.a), b: f.b * f.a + b.b * (1 - f.a), a: 1}; }
	function bg(el){ var layers = []; for (; el; el = el.parentElement) { var c = parse(getComputedStyle(el).backgroundColor); if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; } } var b = {r:255, g:255, b:255, a:1}; for (var i = layers.length - 1; i >= 0; i--) b = over(layers[i], b); return b; }
	function ratio(a, b){ var x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); }
	var out = [], seen = {}, w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT), n;
	while ((n = w.nextNode())) {
		var el = n.parentElement, text = n.textContent.trim();
		if (!text || !el || el.closest('[disabled], svg, option, select, textarea, input')) continue;
		var r = el.getBoundingClientRect(); if (r.width === 0 || r.height === 0) continue;
		var cs = getComputedStyle(el); if (cs.visibility === 'hidden') continue;
		var fg = parse(cs.color), b = bg(el); fg = over(fg, b);
		var size = parseFloat(cs.fontSize), bold = parseInt(cs.fontWeight, 10) >= 700;
		var need = size >= 24 || bold && size >= 18.66 ? 3 : 4.5, got = ratio(fg, b);
		var key = el.tagName + '.' + el.className + ' ' + cs.color;
		if (got < need && !seen[key]) { seen[key] = 1; out.push('"' + text.slice(0, 30) + '" (' + el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ') ' + cs.color + ' on ' + JSON.stringify(b) + ': ' + got.toFixed(2) + ':1'); }
	}
	// A chart bar is a graphic: 3:1 against the page.
	document.querySelectorAll('svg.chart rect').forEach(function(rect){
		var f = parse(getComputedStyle(rect).fill), got = f && ratio(f, {r:255, g:255, b:255});
		if (f && got < 3 && !seen['rect.' + rect.getAttribute('class')]) { seen['rect.' + rect.getAttribute('class')] = 1; out.push('chart bar ' + rect.getAttribute('class') + ' ' + getComputedStyle(rect).fill + ': ' + got.toFixed(2) + ':1 on white'); }
	});
	return out;
})()`

// Every text of the inspector reads at WCAG AA contrast: the muted grey of
// the navigation on the header's grey was 4.47:1, and the chart's pending
// bars 2.58:1 on white.
func TestBrowserTextContrast(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	l := seedLayout(t, e)
	ctx := newBrowser(t, path)
	for _, p := range l.pages() {
		do(t, ctx, 10*sec, chromedp.Navigate(e.url+p), chromedp.WaitReady(`main`))
		if low := get(t, ctx, chromedp.Evaluate[[]string](contrastJS)); len(low) > 0 {
			t.Errorf("%s: text under WCAG AA contrast:\n\t%s", p, strings.Join(low, "\n\t"))
		}
	}
}

// hue is a computed colour's hue in degrees and its saturation (0 to 1).
func hue(css string) (h, s float64) {
	r, g, b, _, ok := rgb(css)
	if !ok {
		return -1, 0
	}
	r, g, b = r/255, g/255, b/255
	mx, mn := max(r, g, b), min(r, g, b)
	if mx == mn {
		return 0, 0
	}
	d := mx - mn
	switch mx {
	case r:
		h = 60 * (g - b) / d
	case g:
		h = 60 * ((b-r)/d + 2)
	default:
		h = 60 * ((r-g)/d + 4)
	}
	if h < 0 {
		h += 360
	}
	return h, d / mx
}

// The inspector colours a status as the CLI does: succeeded green, failed
// red, pending yellow, on the log, the events list, a delivery's page and
// the overview's chart and legend. Pending was grey, as a disabled
// subscription is (which stays grey: it is not waiting for anything).
func TestBrowserStatusColoursMatchCLI(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	l := seedLayout(t, e)
	ctx := newBrowser(t, path)
	yellow := func(h, s float64) bool { return h >= 40 && h <= 60 && s > .5 }
	green := func(h, s float64) bool { return h >= 100 && h <= 170 && s > .5 }
	red := func(h, s float64) bool { return (h <= 15 || h >= 345) && s > .5 }
	grey := func(_, s float64) bool { return s < .25 }
	check := func(page, sel, prop, name string, want func(h, s float64) bool) {
		t.Helper()
		do(t, ctx, 10*sec, chromedp.Navigate(e.url+page), chromedp.WaitReady(sel))
		c := get(t, ctx, chromedp.Evaluate[string](fmt.Sprintf(`getComputedStyle(document.querySelector(%q))[%q]`, sel, prop)))
		if h, s := hue(c); !want(h, s) {
			t.Errorf("%s: %s is %s (hue %.0f°, saturation %.2f), want %s", page, sel, c, h, s, name)
		}
	}
	check("/", `tr[data-delivery-id="`+l.pending+`"] .status`, "backgroundColor", "yellow", yellow)
	check("/", `tr[data-delivery-id="`+l.ok+`"] .status`, "backgroundColor", "green", green)
	check("/", `tr[data-delivery-id="`+l.failed+`"] .status`, "backgroundColor", "red", red)
	check("/events", `[data-testid="event-deliveries"] .status.pending`, "backgroundColor", "yellow", yellow)
	check("/deliveries/"+l.pending, `[data-testid="delivery-detail"] .bar .status`, "backgroundColor", "yellow", yellow)
	check("/overview", `svg.chart rect.pend`, "fill", "yellow", yellow)
	check("/overview", `.legend .sw.pend`, "backgroundColor", "yellow", yellow)
	check("/subscriptions", `tr[data-subscription-id="`+l.off.ID+`"] [data-testid="status"]`, "backgroundColor", "grey", grey)
}

// On the subscriptions list at 1280 px a masked secret stays on one line
// by its disclosure marker (it broke after "whsec_Dz6D…"), and a row's
// actions stay on one line.
func TestBrowserSubscriptionRowsKeepTheirLines(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	seedLayout(t, e)
	ctx := newBrowser(t, path)
	do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/subscriptions"), chromedp.WaitVisible(`[data-testid="subscription-row"]`))
	broken := get(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('[data-testid="subscription-row"]')).flatMap(function(tr){
		var out = [], s = tr.querySelector('details.secret summary'), lh = parseFloat(getComputedStyle(s).lineHeight);
		if (s.getBoundingClientRect().height > 1.5 * lh) out.push('secret ' + s.textContent.trim() + ' on ' + Math.round(s.getBoundingClientRect().height / lh) + ' lines');
		var tops = Array.from(tr.querySelectorAll('.row-actions a, .row-actions button')).map(function(b){ return Math.round(b.getBoundingClientRect().top + b.getBoundingClientRect().height / 2); });
		if (Math.max.apply(null, tops) - Math.min.apply(null, tops) > 4) out.push('actions of ' + tr.dataset.subscriptionId + ' on several lines');
		return out;
	})`))
	if len(broken) > 0 {
		t.Errorf("subscription rows broken over lines: %q", broken)
	}
}

// On a phone (390 px) every row of the live log shows its time, type,
// status and target without scrolling: the table was 1,035 px wide and
// the status, attempts and signature were out of sight.
func TestBrowserLogRowsFitAPhone(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	seedLayout(t, e)
	ctx := newBrowser(t, path, chromedp.WindowSize(390, 844))
	do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(`[data-testid="delivery-row"]`))
	out := get(t, ctx, chromedp.Evaluate[[]string](`(function(){
		var W = document.documentElement.clientWidth, out = [];
		document.querySelectorAll('#rows tr').forEach(function(tr){
			[['time', 2], ['type', 4], ['target', 5], ['status', 6], ['signature', 9]].forEach(function(c){
				var td = tr.children[c[1] - 1], b = td.getBoundingClientRect();
				if (b.width === 0 || b.left < 0 || b.right > W) out.push(c[0] + ' of ' + (tr.dataset.deliveryId || tr.dataset.eventId) + ' at ' + Math.round(b.left) + '–' + Math.round(b.right) + ' px');
			});
		});
		return out.slice(0, 6);
	})()`))
	if len(out) > 0 {
		t.Errorf("log cells out of sight on a phone: %q", out)
	}
}

// A table's heading is aligned as its column: the numbers of the live
// log (attempts, latency) and of the overview (attempts, mean, max) are
// right-aligned, their headings were left-aligned, far from them.
func TestBrowserHeadingsAlignWithTheirColumns(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	l := seedLayout(t, e)
	ctx := newBrowser(t, path)
	for _, p := range l.pages() {
		do(t, ctx, 10*sec, chromedp.Navigate(e.url+p), chromedp.WaitReady(`main`))
		off := get(t, ctx, chromedp.Evaluate[[]string](`(function(){
			var out = [];
			document.querySelectorAll('table').forEach(function(table){
				var heads = table.querySelectorAll('thead th'), row = table.querySelector('tbody tr');
				if (!heads.length || !row || row.children.length !== heads.length) return;
				heads.forEach(function(th, i){
					var a = getComputedStyle(th).textAlign, b = getComputedStyle(row.children[i]).textAlign;
					var norm = function(x){ return x === 'start' ? 'left' : x === 'end' ? 'right' : x; };
					if (norm(a) !== norm(b)) out.push((table.className || 'table') + ' "' + th.textContent + '" heading ' + a + ', column ' + b);
				});
			});
			return out;
		})()`))
		if len(off) > 0 {
			t.Errorf("%s: headings not aligned with their columns: %q", p, off)
		}
	}
}

// A header's name and its value read on one line: the name (14 px) sat
// lower than its value (12 px monospace), both aligned at their tops.
func TestBrowserHeaderNamesShareTheirValuesLine(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	l := seedLayout(t, e)
	ctx := newBrowser(t, path)
	for _, p := range []string{"/deliveries/" + l.failed, "/events/" + l.rejected} {
		do(t, ctx, 10*sec, chromedp.Navigate(e.url+p), chromedp.WaitVisible(`table.headers`))
		off := get(t, ctx, chromedp.Evaluate[[]string](`(function(){
			function baseline(cell){ var m = document.createElement('span'); m.style.cssText = 'display:inline-block;width:0;height:0'; cell.insertBefore(m, cell.firstChild); var y = m.getBoundingClientRect().bottom; m.remove(); return y; }
			return Array.from(document.querySelectorAll('table.headers tr')).filter(function(tr){ return tr.offsetParent; }).map(function(tr){
				var d = baseline(tr.children[1]) - baseline(tr.children[0]);
				return Math.abs(d) > 1 ? tr.children[0].textContent + ' ' + d.toFixed(1) + ' px' : '';
			}).filter(Boolean);
		})()`))
		if len(off) > 0 {
			t.Errorf("%s: header names off their values' line: %q", p, off)
		}
	}
}
