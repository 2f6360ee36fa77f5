package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// colourScheme puts the tab in the system's light or dark mode, as the
// OS setting does (prefers-color-scheme), for the pages it loads next.
func colourScheme(scheme string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
		return chromedp.Void{}, err
	}
}

// schemeJS reads the page in the scheme it is shown in: the page's
// background and its relative luminance, the text under WCAG AA against
// what it is drawn on (as contrastJS, on the page's own background, not
// white: form fields' values too, and a chart bar at 3:1 against the
// page), and the elements painted bright on a dark page (Glare; status
// labels, legend swatches and chart bars are bright on purpose).
const schemeJS = `(function(){
	function parse(c){ var m = c && c.match(/rgba?\(([^)]+)\)/); if (!m) return null; var p = m[1].split(',').map(Number); return {r:p[0], g:p[1], b:p[2], a:p.length > 3 ? p[3] : 1}; }
	function lum(c){ return [c.r, c.g, c.b].map(function(v){ v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }).reduce(function(s, v, i){ return s + v * [0.2126, 0.7152, 0.0722][i]; }, 0); }
	function over(f, b){ return {r: f.r * f.a + b.r * (1 - f.a), g: f.g * f.a + b.g * (1 - f.a), b: f.b * f.a + b.b * (1 - f.a), a: 1}; }
	var page = parse(getComputedStyle(document.body).backgroundColor);
	function bg(el){ var layers = []; for (; el; el = el.parentElement) { var c = parse(getComputedStyle(el).backgroundColor); if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; } } var b = {r:255, g:255, b:255, a:1}; for (var i = layers.length - 1; i >= 0; i--) b = over(layers[i], b); return b; }
	function ratio(a, b){ var x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); }
	function name(el){ return el.tagName.toLowerCase() + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().replace(/\s+/g, '.') : ''); }
	var low = [], glare = [], seen = {};
	function check(el, text, need){
		var cs = getComputedStyle(el), b = bg(el), fg = over(parse(cs.color), b), got = ratio(fg, b), key = name(el) + ' ' + cs.color;
		if (got < need && !seen[key]) { seen[key] = 1; low.push('"' + text.slice(0, 30) + '" (' + name(el) + ') ' + cs.color + ' on ' + JSON.stringify(b) + ': ' + got.toFixed(2) + ':1'); }
	}
	var w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT), n;
	while ((n = w.nextNode())) {
		var el = n.parentElement, text = n.textContent.trim();
		if (!text || !el || el.closest('[disabled], svg, option, select, textarea, input')) continue;
		var r = el.getBoundingClientRect(); if (r.width === 0 || r.height === 0) continue;
		var cs = getComputedStyle(el); if (cs.visibility === 'hidden') continue;
		var size = parseFloat(cs.fontSize), bold = parseInt(cs.fontWeight, 10) >= 700;
		check(el, text, size >= 24 || bold && size >= 18.66 ? 3 : 4.5);
	}
	document.querySelectorAll('input:not([type=hidden]):not([type=checkbox]):not([disabled]), select:not([disabled]), textarea:not([disabled])').forEach(function(el){
		if (el.getBoundingClientRect().width > 0) check(el, el.value || el.placeholder || el.name, 4.5);
	});
	document.querySelectorAll('svg.chart rect').forEach(function(rect){
		var f = parse(getComputedStyle(rect).fill), got = f && ratio(f, page), key = 'rect.' + rect.getAttribute('class');
		if (f && got < 3 && !seen[key]) { seen[key] = 1; low.push('chart bar ' + rect.getAttribute('class') + ' ' + getComputedStyle(rect).fill + ': ' + got.toFixed(2) + ':1 on the page'); }
	});
	document.querySelectorAll('body, body *').forEach(function(el){
		if (el.closest('.status, .sw, svg')) return;
		var c = parse(getComputedStyle(el).backgroundColor), r = el.getBoundingClientRect();
		if (c && c.a > 0.5 && r.width > 0 && r.height > 0 && lum(over(c, page)) > 0.2 && !seen['bg ' + name(el)]) { seen['bg ' + name(el)] = 1; glare.push(name(el) + ' ' + getComputedStyle(el).backgroundColor); }
	});
	return {Background: getComputedStyle(document.body).backgroundColor, Luminance: lum(page), Low: low, Glare: glare};
})()`

type schemeReport struct {
	Background string
	Luminance  float64
	Low, Glare []string
}

// With the system in dark mode the inspector is dark: it stayed a white
// page. On every page (the log, a delivery, an event, the trigger page
// and the others) the background is dark, nothing is painted bright but
// the status labels and the chart, every text (status labels, verdicts
// and form fields included) reads at 4.5:1 on what it is drawn on, and a
// status keeps the CLI's colour (succeeded green, failed red, pending
// yellow, disabled grey).
func TestUidarkBrowserDarkTheme(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	l := seedLayout(t, e)
	ctx := newBrowser(t, path)
	do(t, ctx, 10*sec, colourScheme("dark"))
	for _, p := range l.pages() {
		do(t, ctx, 10*sec, chromedp.Navigate(e.url+p), chromedp.WaitReady(`main`))
		r := get(t, ctx, chromedp.Evaluate[schemeReport](schemeJS))
		// #0f1117 is 0.006; a mid grey (#777) is 0.18.
		if r.Luminance > 0.02 {
			t.Errorf("dark: %s: the page's background is %s (relative luminance %.3f), not dark", p, r.Background, r.Luminance)
		}
		if len(r.Glare) > 0 {
			t.Errorf("dark: %s: painted bright on the dark page: %s", p, strings.Join(r.Glare, ", "))
		}
		if len(r.Low) > 0 {
			t.Errorf("dark: %s: text under WCAG AA contrast:\n\t%s", p, strings.Join(r.Low, "\n\t"))
		}
	}
	yellow := func(h, s float64) bool { return h >= 40 && h <= 60 && s > .5 }
	green := func(h, s float64) bool { return h >= 100 && h <= 170 && s > .5 }
	red := func(h, s float64) bool { return (h <= 15 || h >= 345) && s > .5 }
	grey := func(_, s float64) bool { return s < .25 }
	for _, c := range []struct {
		page, sel, prop, name string
		want                  func(h, s float64) bool
	}{
		{"/", `tr[data-delivery-id="` + l.pending + `"] .status`, "backgroundColor", "yellow", yellow},
		{"/", `tr[data-delivery-id="` + l.ok + `"] .status`, "backgroundColor", "green", green},
		{"/", `tr[data-delivery-id="` + l.failed + `"] .status`, "backgroundColor", "red", red},
		{"/deliveries/" + l.ok, `[data-testid="signature-verdict"]`, "color", "green", green},
		{"/events/" + l.rejected, `.verdict.bad`, "color", "red", red},
		{"/overview", `svg.chart rect.pend`, "fill", "yellow", yellow},
		{"/overview", `.legend .sw.ok`, "backgroundColor", "green", green},
		{"/subscriptions", `tr[data-subscription-id="` + l.off.ID + `"] [data-testid="status"]`, "backgroundColor", "grey", grey},
	} {
		do(t, ctx, 10*sec, chromedp.Navigate(e.url+c.page), chromedp.WaitReady(c.sel))
		col := get(t, ctx, chromedp.Evaluate[string](fmt.Sprintf(`getComputedStyle(document.querySelector(%q))[%q]`, c.sel, c.prop)))
		if h, s := hue(col); !c.want(h, s) {
			t.Errorf("dark: %s: %s is %s (hue %.0f°, saturation %.2f), want %s", c.page, c.sel, col, h, s, c.name)
		}
	}
}

// The light theme is the one the inspector had before it had a dark one:
// the colours its stylesheet gave (pinned here from it) are unchanged,
// and its text still reads at 4.5:1 (schemeJS, on the page's background).
func TestUidarkBrowserLightThemeUnchanged(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	l := seedLayout(t, e)
	ctx := newBrowser(t, path)
	do(t, ctx, 10*sec, colourScheme("light"))
	const (
		fg, white, panel, line = "rgb(29, 35, 48)", "rgb(255, 255, 255)", "rgb(247, 248, 250)", "rgb(201, 206, 216)"
		ok, bad, pend          = "rgb(22, 121, 76)", "rgb(180, 35, 24)", "rgb(184, 138, 0)"
	)
	for _, c := range []struct{ page, sel, prop, want string }{
		{"/", `body`, "backgroundColor", white},
		{"/", `body`, "color", fg},
		{"/", `header.top`, "backgroundColor", panel},
		{"/", `nav a:not([aria-current])`, "color", "rgb(95, 103, 121)"},
		{"/", `a.brand`, "color", fg},
		{"/", `.filters button`, "backgroundColor", white},
		{"/", `.filters button`, "borderTopColor", line},
		{"/", `.filters input[name=type]`, "borderTopColor", line},
		{"/", `.filters input[name=type]`, "backgroundColor", white},
		{"/", `.filters input[name=type]`, "color", "rgb(0, 0, 0)"},
		{"/", `tr[data-delivery-id="` + l.ok + `"] .status`, "backgroundColor", ok},
		{"/", `tr[data-delivery-id="` + l.ok + `"] .status`, "color", white},
		{"/", `tr[data-delivery-id="` + l.failed + `"] .status`, "backgroundColor", bad},
		{"/", `tr[data-delivery-id="` + l.pending + `"] .status`, "backgroundColor", pend},
		{"/", `tr[data-delivery-id="` + l.pending + `"] .status`, "color", fg},
		{"/", `table.deliveries td`, "borderBottomColor", "rgb(227, 230, 236)"},
		{"/deliveries/" + l.ok, `pre`, "backgroundColor", panel},
		{"/deliveries/" + l.ok, `[data-testid="signature-verdict"]`, "color", ok},
		{"/deliveries/" + l.ok, `.tabs button[aria-selected="true"]`, "backgroundColor", "rgb(238, 242, 255)"},
		{"/deliveries/" + l.ok, `main a`, "color", "rgb(59, 91, 219)"},
		{"/events/" + l.rejected, `.verdict.bad`, "color", bad},
		{"/deliveries/no-such-delivery", `.error`, "backgroundColor", "rgb(254, 243, 242)"},
		{"/deliveries/no-such-delivery", `.error`, "borderTopColor", "rgb(254, 205, 202)"},
		{"/deliveries/no-such-delivery", `.error`, "color", bad},
		{"/diff?a=" + l.ok + "&b=" + l.edited, `table.diff tr.changed td`, "backgroundColor", "rgb(255, 250, 235)"},
		{"/overview", `svg.chart rect.pend`, "fill", pend},
		{"/subscriptions", `tr[data-subscription-id="` + l.off.ID + `"] [data-testid="status"]`, "backgroundColor", "rgb(102, 112, 133)"},
	} {
		do(t, ctx, 10*sec, chromedp.Navigate(e.url+c.page), chromedp.WaitReady(c.sel))
		if got := get(t, ctx, chromedp.Evaluate[string](fmt.Sprintf(`getComputedStyle(document.querySelector(%q))[%q]`, c.sel, c.prop))); got != c.want {
			t.Errorf("light: %s: %s %s is %s, was %s", c.page, c.sel, c.prop, got, c.want)
		}
	}
	for _, p := range l.pages() {
		do(t, ctx, 10*sec, chromedp.Navigate(e.url+p), chromedp.WaitReady(`main`))
		if r := get(t, ctx, chromedp.Evaluate[schemeReport](schemeJS)); len(r.Low) > 0 {
			t.Errorf("light: %s: text under WCAG AA contrast:\n\t%s", p, strings.Join(r.Low, "\n\t"))
		}
	}
}
