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

// No page of the inspector scrolls sideways, on a phone (390 px), a small
// laptop (1024 px) or a desktop (1280 px): a wide table scrolls in its
// own box, and long URLs, IDs, header values and hex dumps stay inside
// the page. On a phone the log, the events list, the overview and the
// subscriptions were 900 to 1,400 px wide, a delivery's page 420 to
// 730 px (its target URL and facts); at 1280 px the subscriptions list
// was 1,383 px wide.
func TestBrowserNoPageScrollsSideways(t *testing.T) {
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
		}
	}
}

// The live log at 1024 px keeps its Target column and shows every column:
// its fixed columns took more than the window, the target column got no
// width at all and its heading was drawn over the Status heading.
func TestBrowserLogKeepsTargetColumn(t *testing.T) {
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
