package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
)

// pwn is markup a sender, an app or an API client can put in anything the
// inspector shows. Escaped, it is text on the page; parsed, it makes an
// element (hookctl-pwn, img) — caught below even where the CSP would
// block the script — and sets window.__pwned.
const pwn = `<hookctl-pwn></hookctl-pwn><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>"'>`

// inert checks the current page: no element made of stored content, no
// script but the page's own, none ran.
const inert = `(function(){
  var bad = document.querySelectorAll('hookctl-pwn, img, iframe, [onerror], [onload]').length;
  var scripts = Array.from(document.scripts).filter(function(s){ return s.getAttribute('src') !== '/static/app.js' }).length;
  return bad + ' ' + scripts + ' ' + String(window.__pwned);
})()`

// Stored content from every hostile source the inspector shows — a
// received event's type, headers, body and verdict reason; a delivery's
// URL, its app's answer (body and headers) and last error; a
// subscription's URL, events and description; the URL itself — stays
// text on every page, in the live log's streamed rows too, and is shown.
func TestBrowserHostileContentStaysInert(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	ctx := newBrowser(t, path)
	bg := context.Background()

	// The log is open before the hostile rows exist: they stream in.
	do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(`[data-testid="live-indicator"].on`))

	rcv := &store.Event{ID: "evt_hostile", Type: "card." + pwn, Provider: "bond", Source: store.SourceReceived,
		Payload: []byte("<html>" + pwn + "</html>"), ContentType: "text/html", Verdict: "invalid: " + pwn,
		Headers: map[string][]string{"X-" + pwn: {pwn}, "Webhook-Id": {pwn}}}
	if err := e.st.CreateEvent(bg, rcv, nil); err != nil {
		t.Fatal(err)
	}
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("X-Evil", pwn)
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(pwn))
	}))
	defer evil.Close()
	var note bytes.Buffer // the markup as is, not \u003c-escaped
	enc := json.NewEncoder(&note)
	enc.SetEscapeHTML(false)
	enc.Encode(map[string]string{"note": pwn})
	pub, err := e.disp.Publish(bg, &store.Event{Type: "card.created", Provider: "bond", Payload: bytes.TrimSpace(note.Bytes()), ContentType: "application/json"},
		service.Target{URL: evil.URL + "/hook?q=" + url.QueryEscape(pwn) + "&raw=" + pwn, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
			Headers: map[string]string{"X-Note": pwn}, Schedule: []time.Duration{0}})
	if err != nil {
		t.Fatal(err)
	}
	did := pub.Deliveries[0].ID
	if d := e.waitDelivery(t, did, 1); d.Status != store.DeliveryFailed {
		t.Fatalf("the hostile app's delivery is %s, want failed", d.Status)
	}
	sub := &store.Subscription{CallbackURL: "http://127.0.0.1:9/" + pwn, Events: []string{pwn}, Description: pwn,
		Status: store.StatusDisabled, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "auto"}
	if err := e.st.CreateSubscription(bg, sub); err != nil {
		t.Fatal(err)
	}

	// The live log: both rows arrive through the stream.
	do(t, ctx, 5*sec, chromedp.WaitVisible(`tr[data-event-id="evt_hostile"]`), chromedp.WaitVisible(`tr[data-delivery-id="`+did+`"][data-status="failed"]`))
	check := func(page string, shown bool) {
		t.Helper()
		if got := get(t, ctx, chromedp.Evaluate[string](inert)); got != "0 0 undefined" {
			t.Errorf("%s: stored markup became elements or ran (elements, foreign scripts, __pwned = %s)", page, got)
		}
		if shown {
			if txt := get(t, ctx, chromedp.Evaluate[string](`document.body.innerText`)); !strings.Contains(txt, "<hookctl-pwn>") {
				t.Errorf("%s: the hostile text is not shown as text", page)
			}
		}
	}
	check("live log (streamed rows)", true)

	type page struct {
		path  string
		shown bool // the hostile text must be visible
	}
	pages := []page{
		{"/", true},
		{"/?type=" + url.QueryEscape(pwn) + "&q=" + url.QueryEscape(pwn), false},
		{"/events", true},
		{"/events/evt_hostile", true},
		{"/deliveries/" + did, true},
		{"/deliveries/" + did + "/edit", false}, // in a textarea's value
		{"/diff?a=" + did + "&b=" + url.QueryEscape(pwn), false},
		{"/subscriptions", true},
		{"/overview", true},
		{"/trigger?type=" + url.QueryEscape(pwn), false},
		{"/deliveries/" + url.PathEscape(pwn), true}, // the not-found page names it
	}
	for _, p := range pages {
		do(t, ctx, 10*sec, chromedp.Navigate(e.url+p.path), chromedp.WaitReady(`body`))
		check(p.path, p.shown)
	}
	// Every answer says what it is and may not be sniffed as something
	// else; every HTML page carries the CSP that blocks inline script.
	assets := []page{{"/static/app.js", false}, {"/static/app.css", false}, {"/events/evt_hostile/body", false},
		{"/deliveries/" + did + "/body", false}, {"/?fragment=1", false}}
	for _, p := range append(pages, assets...) {
		resp, err := http.Get(e.url + p.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		ct := h.Get("Content-Type")
		if ct == "" || h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("%s: Content-Type %q, X-Content-Type-Options %q, CSP %q", p.path, ct, h.Get("X-Content-Type-Options"), h.Get("Content-Security-Policy"))
		}
		if strings.HasSuffix(p.path, "/body") && (ct != "application/octet-stream" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment")) {
			t.Errorf("%s: a stored body served as %q (%q), want an attachment", p.path, ct, h.Get("Content-Disposition"))
		}
	}

	// The edit page keeps the hostile body as the text it is.
	do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/deliveries/"+did+"/edit"), chromedp.WaitVisible(`[data-testid="edit-body"]`))
	if v := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="edit-body"]').value`)); !strings.Contains(v, "<hookctl-pwn>") {
		t.Errorf("edit body %q does not hold the hostile text", v)
	}
}

// hookctl serve against a page on another site, in a real browser whose
// resolver maps evil.example to 127.0.0.1 (what DNS rebinding achieves):
// the page cannot read the APIs from its rebound origin, nor make the
// server deliver with a cross-site form post (text/plain, no preflight).
func TestBrowserServeRefusesOtherSites(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := servetest.Start(t, nil)
	if _, err := (&subscription.Service{Store: e.Store}).Create(context.Background(), subscription.CreateInput{URL: e.Recv.URL + "/hook", Events: []string{"card.*"}}); err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t, path, chromedp.Flag("host-resolver-rules", "MAP evil.example 127.0.0.1"))
	port := e.URL[strings.LastIndex(e.URL, ":")+1:]

	// Rebinding: a document of http://evil.example:PORT reads and posts
	// same-origin, with any header it likes.
	do(t, ctx, 10*sec, chromedp.Navigate("http://evil.example:"+port+"/_hookctl/health"), chromedp.WaitReady(`body`))
	const probe = `(async function(){
	  var r1 = await fetch('/_hookctl/events');
	  var r2 = await fetch('/v1/webhook_endpoints', {headers: {Authorization: 'Bearer sk_test_made_up'}});
	  var r3 = await fetch('/_hookctl/trigger', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{"type":"card.created"}'});
	  return r1.status + ' ' + r2.status + ' ' + r3.status + ' ' + (await r1.text());
	})()`
	got := get(t, ctx, chromedp.Evaluate[string](probe, chromedp.EvalAwaitPromise))
	if !strings.HasPrefix(got, "421 421 421 ") || !strings.Contains(got, "not this machine") {
		t.Errorf("a rebound page read or drove the APIs: %s", got)
	}

	// Cross-site: a form on evil.example posts {"type":"card.created",
	// "data":{"forged":"="}} as text/plain (name=value) to the server's own
	// address: a payload of its choosing, signed with the subscription's
	// secret, delivered to the developer's app.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, `<!doctype html><form id=f method=post enctype="text/plain" action="`+e.URL+`/_hookctl/trigger">`+
			`<input name='{"type":"card.created","data":{"forged":"' value='"}}'></form><script>document.getElementById('f').submit()</script>`)
	}))
	defer evil.Close()
	evilURL := "http://evil.example:" + evil.URL[strings.LastIndex(evil.URL, ":")+1:] + "/"
	do(t, ctx, 10*sec, chromedp.Navigate(evilURL))
	get(t, ctx, chromedp.Poll[bool](`location.href.indexOf('/_hookctl/trigger') > 0 && document.readyState === 'complete'`, chromedp.WithPollingTimeout(5*time.Second)))
	if txt := get(t, ctx, chromedp.Text(`body`)); !strings.Contains(txt, "cross-origin request from a web browser") {
		t.Errorf("the cross-site form post was answered %q", txt)
	}
	e.Recv.None(t, 500*time.Millisecond)
	if evs, err := e.Store.ListEvents(context.Background(), store.EventFilter{}); err != nil || len(evs) != 0 {
		t.Errorf("pages of another site stored %d events (%v)", len(evs), err)
	}
}
