package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
)

// A latency between one second and a minute is shown in seconds: the
// log's latency column fits "1.53 s" and cut "1532.4 ms" to "1532.4 …".
func TestLatencyInSeconds(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	ctx := context.Background()
	d := &service.Dispatcher{Store: st}
	pub, err := d.Publish(ctx, &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json"},
		service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Schedule: []time.Duration{0}})
	if err != nil {
		t.Fatal(err)
	}
	id := pub.Deliveries[0].ID
	due, err := st.ClaimDue(ctx, "test", time.Now().Add(time.Hour), time.Minute, 10, "")
	if err != nil || len(due) != 1 {
		t.Fatalf("claim: %v, %d due", err, len(due))
	}
	a := &store.Attempt{DeliveryID: id, Number: 1, StartedAt: time.Now(), Duration: 1532*time.Millisecond + 400*time.Microsecond,
		RequestURL: due[0].URL, RequestMethod: "POST", ResponseStatus: 504}
	if err := st.RecordAttempt(ctx, "test", a, store.DeliveryUpdate{Status: store.DeliveryFailed, LastStatus: 504}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/", "/deliveries/" + id} {
		req, _ := http.NewRequest("GET", srv.URL+p, nil)
		code, body, _ := send(t, req)
		if code != 200 {
			t.Fatalf("GET %s: %d", p, code)
		}
		if !strings.Contains(body, "1.53 s") || strings.Contains(body, "1532") {
			t.Errorf("GET %s: the 1.532 s attempt is not shown as 1.53 s", p)
		}
	}
}

// An event listen could not read (no type, no provider) shows
// "(unknown type)" in the log, the events list and its page, not ":".
func TestUnknownTypeShown(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	ev := &store.Event{ID: "rej_untyped", Source: store.SourceReceived, Payload: []byte{0, 1, 2, 0xff}, ContentType: "application/octet-stream",
		Verdict: "invalid: no signature header of a known scheme"}
	if err := st.CreateEvent(context.Background(), ev, nil); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/", "/events", "/events/rej_untyped"} {
		req, _ := http.NewRequest("GET", srv.URL+p, nil)
		code, body, _ := send(t, req)
		if code != 200 {
			t.Fatalf("GET %s: %d", p, code)
		}
		if !strings.Contains(body, `data-testid="no-type">(unknown type)<`) || strings.Contains(body, `<span class="muted">:</span>`) {
			t.Errorf("GET %s: the untyped event is not shown as (unknown type)", p)
		}
	}
}

// A form label with markup in its text, or a checkbox, reads as one line:
// the stacked form made every child of a label a line of its own, so the
// edit page's headers label broke around its <code> and the subscription
// form's checkbox sat alone, centred above its text.
func TestBrowserFormLabels(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	ctx := newBrowser(t, path)
	pub := e.trigger(t)
	id := pub.Deliveries[0].ID
	e.waitDelivery(t, id, 1)

	do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/deliveries/"+id+"/edit"), chromedp.WaitVisible(`[data-testid="edit-headers"]`))
	// The <code> starts on the label's first line, after the text.
	got := get(t, ctx, chromedp.Evaluate[map[string]float64](`(function(){
		var l=document.querySelector('[data-testid="edit-headers"]').closest('label');
		var c=l.querySelector('code').getBoundingClientRect(), r=l.getBoundingClientRect();
		return {codeTop:c.top-r.top, codeLeft:c.left-r.left};
	})()`))
	if got["codeTop"] > 6 || got["codeLeft"] < 40 {
		t.Errorf("edit page: the headers label's <code> is not inline with its text (offset in the label %v)", got)
	}

	do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/subscriptions/"+e.sub.ID+"/edit"), chromedp.WaitVisible(`[data-testid="edit-enabled"]`))
	// The checkbox starts the label's line (not stretched across it, drawn in
	// the middle); its text follows on the same line.
	got = get(t, ctx, chromedp.Evaluate[map[string]float64](`(function(){
		var cb=document.querySelector('[data-testid="edit-enabled"]'), l=cb.closest('label');
		var c=cb.getBoundingClientRect(), r=l.getBoundingClientRect();
		return {left:c.left-r.left, boxWidth:c.width, labelHeight:r.height, boxHeight:c.height};
	})()`))
	if got["left"] > 6 || got["boxWidth"] > 40 || got["labelHeight"] > 2*got["boxHeight"]+4 {
		t.Errorf("subscription edit: the Enabled checkbox is not at the start of its label's line (%v)", got)
	}
}

// The events list says what its delivery counts are ("1 pending"), and
// "none" for an event with no delivery, not three bare coloured numbers.
func TestEventsDeliveryCounts(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	ctx := context.Background()
	d := &service.Dispatcher{Store: st}
	pub, err := d.Publish(ctx, &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json"},
		service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
	if err != nil {
		t.Fatal(err)
	}
	rej := &store.Event{ID: "rej_counts", Type: "card.created", Provider: "bond", Source: store.SourceReceived, Payload: []byte(`{}`),
		ContentType: "application/json", Verdict: "invalid: bond: no matching signature"}
	if err := st.CreateEvent(ctx, rej, nil); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/events", nil)
	code, body, _ := send(t, req)
	if code != 200 {
		t.Fatalf("GET /events: %d", code)
	}
	cell := regexp.MustCompile(`(?s)data-event-id="([^"]+)".*?data-testid="event-deliveries">(.*?)</td>`)
	got := map[string]string{}
	for _, m := range cell.FindAllStringSubmatch(body, -1) {
		got[m[1]] = regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[2], "")
	}
	if c := got[pub.Event.ID]; c != "1 pending" {
		t.Errorf("published event's deliveries read %q, want \"1 pending\"", c)
	}
	if c := got["rej_counts"]; c != "none" {
		t.Errorf("rejected event's deliveries read %q, want \"none\"", c)
	}
}

// A Stripe event sent from the Trigger page, or edited and resent, is laid
// out as Stripe sends it (pretty-printed, as hookctl trigger sends it):
// the page compacted every JSON body, so a receiver that verifies a
// re-serialised body passed against the inspector and failed against
// Stripe. The textarea's CR LF line ends do not reach the wire; a bond
// body stays compact.
func TestTriggerAndResendKeepProviderLayout(t *testing.T) {
	t.Parallel()
	h, srv, st := newHandler(t)
	ctx := context.Background()
	cat, _ := catalog.Load(catalog.Options{})
	subs := &subscription.Service{Store: st, Catalog: cat}
	for _, in := range []subscription.CreateInput{
		{URL: "http://127.0.0.1:9/stripe", Events: []string{"payment_intent.*"}, Provider: "stripe"},
		{URL: "http://127.0.0.1:9/bond", Events: []string{"card.*"}, Provider: "bond"},
	} {
		if _, err := subs.Create(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	textarea := regexp.MustCompile(`(?s)<textarea name="body"[^>]*>\n?(.*?)</textarea>`)
	sent := func(code int, body string, hdr http.Header) *store.Event {
		t.Helper()
		if code != http.StatusSeeOther {
			t.Fatalf("%d\n%s", code, body)
		}
		loc, _ := url.Parse(hdr.Get("Location"))
		var id string
		if strings.HasPrefix(loc.Path, "/deliveries/") {
			d, err := st.GetDelivery(ctx, strings.TrimPrefix(loc.Path, "/deliveries/"))
			if err != nil {
				t.Fatal(err)
			}
			id = d.EventID
		} else if f := strings.Fields(loc.Query().Get("flash")); len(f) > 2 {
			id = f[2] // "sent TYPE ID to …"
		}
		e, err := st.GetEvent(ctx, id)
		if err != nil {
			t.Fatalf("event %q (%s): %v", id, hdr.Get("Location"), err)
		}
		return e
	}
	for _, c := range []struct{ typ, provider string }{{"payment_intent.created", "stripe"}, {"card.created", "bond"}} {
		req, _ := http.NewRequest("GET", srv.URL+"/trigger?type="+c.typ, nil)
		_, page, _ := send(t, req)
		m := textarea.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no body on the trigger page for %s", c.typ)
		}
		// A browser submits a textarea with CR LF line ends.
		edited := strings.ReplaceAll(html.UnescapeString(m[1]), "\n", "\r\n")
		e := sent(postForm(t, srv, h, "/trigger", url.Values{"type": {c.typ}, "body": {edited}}))
		want, err := catalog.WireJSON(c.provider, e.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if string(e.Payload) != string(want) || strings.Contains(string(e.Payload), "\r") {
			t.Errorf("%s triggered from the page is not laid out as %s sends it:\n%.120q", c.typ, c.provider, e.Payload)
		}
		if c.provider == "stripe" && !strings.HasPrefix(string(e.Payload), "{\n  \"id\": ") {
			t.Errorf("stripe event triggered from the page is not pretty-printed: %.80q", e.Payload)
		}

		// Edit and resend one of its deliveries: the same layout again.
		ds, err := st.ListDeliveries(ctx, store.DeliveryFilter{EventID: e.ID})
		if err != nil || len(ds) == 0 {
			t.Fatalf("deliveries of %s: %v, %d", e.ID, err, len(ds))
		}
		req, _ = http.NewRequest("GET", srv.URL+"/deliveries/"+ds[0].ID+"/edit", nil)
		_, page, _ = send(t, req)
		if m = textarea.FindStringSubmatch(page); m == nil {
			t.Fatalf("no body on the edit page of %s", ds[0].ID)
		}
		edited = strings.ReplaceAll(html.UnescapeString(m[1]), "\n", "\r\n")
		e2 := sent(postForm(t, srv, h, "/deliveries/"+ds[0].ID+"/resend", url.Values{"body": {edited}}))
		if want, _ := catalog.WireJSON(c.provider, e2.Payload); string(e2.Payload) != string(want) || strings.Contains(string(e2.Payload), "\r") {
			t.Errorf("%s edited and resent is not laid out as %s sends it:\n%.120q", c.typ, c.provider, e2.Payload)
		}
	}
}

// A binary body opens on the Hex view, saying so; as text (the Pretty
// view it opened on) it was replacement characters and invisible control
// bytes. A text body still opens on Pretty.
func TestBinaryBodyOpensOnHex(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	ctx := context.Background()
	bin := []byte{0, 1, 2, 'b', 'i', 'n', 0xff}
	if err := st.CreateEvent(ctx, &store.Event{ID: "rcv_binary", Type: "card.created", Provider: "bond", Source: store.SourceReceived,
		Payload: bin, ContentType: "application/octet-stream", Verdict: "valid"}, nil); err != nil {
		t.Fatal(err)
	}
	d := &service.Dispatcher{Store: st}
	target := service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
	pb, err := d.Publish(ctx, &store.Event{Type: "card.created", Provider: "bond", Payload: bin, ContentType: "application/octet-stream"}, target)
	if err != nil {
		t.Fatal(err)
	}
	pt, err := d.Publish(ctx, &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{"a":1}`), ContentType: "application/json"}, target)
	if err != nil {
		t.Fatal(err)
	}
	shown := regexp.MustCompile(`<pre class="body tab-(pretty|raw|hex)"[^>]*?( hidden)?>`)
	for _, c := range []struct {
		path, want string
	}{
		{"/events/rcv_binary", "hex"},
		{"/deliveries/" + pb.Deliveries[0].ID, "hex"},
		{"/deliveries/" + pt.Deliveries[0].ID, "pretty"},
		{"/events/" + pt.Event.ID, "pretty"},
	} {
		req, _ := http.NewRequest("GET", srv.URL+c.path, nil)
		code, body, _ := send(t, req)
		if code != 200 {
			t.Fatalf("GET %s: %d", c.path, code)
		}
		var open []string
		for _, m := range shown.FindAllStringSubmatch(body, -1) {
			if m[2] == "" {
				open = append(open, m[1])
			}
		}
		if len(open) != 1 || open[0] != c.want {
			t.Errorf("GET %s: body views shown %v, want only %s", c.path, open, c.want)
		}
		if sel := regexp.MustCompile(`data-tab="(\w+)" aria-selected="true"`).FindAllStringSubmatch(body, -1); len(sel) != 1 || sel[0][1] != c.want {
			t.Errorf("GET %s: selected tabs %v, want %s", c.path, sel, c.want)
		}
		if note := strings.Contains(body, `data-testid="binary-body"`); note != (c.want == "hex") {
			t.Errorf("GET %s: binary note shown %v", c.path, note)
		}
	}
}

// In the browser, a binary body's page opens on Hex and its tabs still
// switch views.
func TestBrowserBinaryBodyTabs(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	ctx := newBrowser(t, path)
	if err := e.st.CreateEvent(context.Background(), &store.Event{ID: "rcv_binary", Type: "card.created", Provider: "bond", Source: store.SourceReceived,
		Payload: []byte{0, 1, 2, 'b', 'i', 'n', 0xff}, ContentType: "application/octet-stream", Verdict: "valid"}, nil); err != nil {
		t.Fatal(err)
	}
	visible := `(function(){return Array.from(document.querySelectorAll('pre.body')).filter(function(p){return p.offsetParent!==null}).map(function(p){return p.className}).join(' ')})()`
	do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/events/rcv_binary"), chromedp.WaitVisible(`pre.tab-hex`))
	if v := get(t, ctx, chromedp.Evaluate[string](visible)); v != "body tab-hex" {
		t.Fatalf("binary body opens on %q, want the hex view", v)
	}
	do(t, ctx, 5*sec, chromedp.Click(`button[data-tab="pretty"]`), chromedp.WaitVisible(`pre.tab-pretty`))
	if v := get(t, ctx, chromedp.Evaluate[string](visible)); v != "body tab-pretty" {
		t.Fatalf("after a click on Pretty the page shows %q", v)
	}
	if sel := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('[aria-selected="true"]').dataset.tab`)); sel != "pretty" {
		t.Errorf("selected tab %q after a click on Pretty", sel)
	}
}

// The Pretty view of an XML body puts the root element on its own line,
// under the declaration, as the document has it (Mambu's loan.repayment
// showed "<?xml …?><notification>").
func TestXMLPrettyDeclarationLine(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	d := &service.Dispatcher{Store: st}
	body := "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<notification>\n  <event>LOAN_REPAYMENT</event>\n</notification>\n"
	pub, err := d.Publish(context.Background(), &store.Event{Type: "loan.repayment", Provider: "mambu", Payload: []byte(body), ContentType: "application/xml"},
		service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/deliveries/"+pub.Deliveries[0].ID, nil)
	_, page, _ := send(t, req)
	m := regexp.MustCompile(`(?s)<pre class="body tab-pretty"[^>]*>\n(.*?)</pre>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no pretty view")
	}
	want := "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<notification>\n  <event>LOAN_REPAYMENT</event>\n</notification>"
	if got := html.UnescapeString(m[1]); got != want {
		t.Errorf("pretty XML:\n%s\nwant:\n%s", got, want)
	}
}

// The log's target cell keeps the end of the URL in view: local receivers
// differ only in their path (127.0.0.1:PORT/webhooks, …/stripe), and the
// cell cut it off ("2f1c9a0b http://127.0.0.1:4…").
func TestBrowserTargetPathVisible(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	ctx := newBrowser(t, path)
	pub := e.trigger(t)
	id := pub.Deliveries[0].ID
	e.waitDelivery(t, id, 1)
	row := `tr[data-delivery-id="` + id + `"]`
	do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(row))
	// Where the cell's text ends on screen, against the cell's right edge.
	got := get(t, ctx, chromedp.Evaluate[map[string]any](`(function(){
		var td=document.querySelector('`+row+` td.target'), cell=td.getBoundingClientRect();
		var w=document.createTreeWalker(td, NodeFilter.SHOW_TEXT), last=null, n;
		while((n=w.nextNode())) if(n.data.length) last=n;
		var r=document.createRange(); r.setStart(last, last.data.length-1); r.setEnd(last, last.data.length);
		var clip=last.parentElement.getBoundingClientRect();
		return {text:td.textContent, lastRight:r.getBoundingClientRect().right, cellRight:cell.right, clipRight:clip.right, cut:last.parentElement.scrollWidth>last.parentElement.clientWidth};
	})()`))
	if !strings.HasSuffix(got["text"].(string), "/webhooks") {
		t.Fatalf("target cell %q", got["text"])
	}
	if got["lastRight"].(float64) > got["cellRight"].(float64) || got["cut"] == true {
		t.Errorf("the target's path is cut off in the log: %v", got)
	}
}

// A text or XML event sent from the Trigger page keeps the catalog's LF
// line ends: the browser submits the textarea with CR LF, which went out
// as the body (edit and resend already put LF back).
func TestTriggerTextBodyKeepsLF(t *testing.T) {
	t.Parallel()
	h, srv, st := newHandler(t)
	ctx := context.Background()
	cat, _ := catalog.Load(catalog.Options{})
	if _, err := (&subscription.Service{Store: st, Catalog: cat}).Create(ctx, subscription.CreateInput{URL: "http://127.0.0.1:9/mambu", Events: []string{"*"}, Provider: "mambu"}); err != nil {
		t.Fatal(err)
	}
	textarea := regexp.MustCompile(`(?s)<textarea name="body"[^>]*>\n?(.*?)</textarea>`)
	for _, typ := range []string{"mambu:deposit.withdrawal", "mambu:loan.repayment"} {
		req, _ := http.NewRequest("GET", srv.URL+"/trigger?type="+url.QueryEscape(typ), nil)
		_, page, _ := send(t, req)
		m := textarea.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no body on the trigger page for %s", typ)
		}
		shown := html.UnescapeString(m[1])
		code, body, hdr := postForm(t, srv, h, "/trigger", url.Values{"type": {typ}, "body": {strings.ReplaceAll(shown, "\n", "\r\n")}})
		if code != http.StatusSeeOther {
			t.Fatalf("trigger %s: %d\n%s", typ, code, body)
		}
		loc, _ := url.Parse(hdr.Get("Location"))
		f := strings.Fields(loc.Query().Get("flash"))
		if len(f) < 3 {
			t.Fatalf("flash %q", loc.Query().Get("flash"))
		}
		e, err := st.GetEvent(ctx, f[2])
		if err != nil {
			t.Fatal(err)
		}
		if string(e.Payload) != shown {
			t.Errorf("%s sent from the page:\n%q\nwant what the page showed:\n%q", typ, e.Payload, shown)
		}
	}
}

// A log row's time (the time of day on this machine's clock) carries its
// date and UTC time, as the detail page shows it: a row of another day, or
// of a server in another time zone than the reader, said only "09:40:05.000".
func TestLogRowTimeHasDateAndZone(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	pub, err := (&service.Dispatcher{Store: st}).Publish(context.Background(), &store.Event{Type: "card.created", Provider: "bond",
		Payload: []byte(`{}`), ContentType: "application/json"},
		service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Schedule: []time.Duration{time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	rcv := &store.Event{ID: "evt_received", Type: "card.created", Provider: "bond", Source: store.SourceReceived,
		Payload: []byte(`{}`), ContentType: "application/json", Verdict: "valid"}
	if err := st.CreateEvent(context.Background(), rcv, nil); err != nil {
		t.Fatal(err)
	}
	d, err := st.GetDelivery(context.Background(), pub.Deliveries[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	e, err := st.GetEvent(context.Background(), rcv.ID)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	_, body, _ := send(t, req)
	for href, at := range map[string]time.Time{"/deliveries/" + d.ID: d.CreatedAt, "/events/" + e.ID: e.CreatedAt} {
		want := at.UTC().Format("2006-01-02 15:04:05.000Z")
		if !strings.Contains(body, `<a href="`+href+`" title="`+want+`">`) {
			t.Errorf("the log's time of %s does not carry %q", href, want)
		}
	}
}
