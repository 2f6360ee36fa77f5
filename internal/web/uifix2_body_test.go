package web_test

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
)

// TestBodyNotUTF8Escaped: a body with a byte that is not UTF-8 (a JSON
// body with "\xff" in a string, as `hookctl trigger --data @b.json` sends
// it, and one listen received): the delivery's and the event's
// pages are valid UTF-8, Pretty and Raw show the byte as \xff (as
// deliveries show --body does), the page opens on Hex and says why. The
// diff of two bodies that differ only in such a byte shows the
// difference. Before, the raw byte went into the page (invalid UTF-8: a
// browser shows U+FFFD), the note said only "binary body", and the diff
// said "The bodies are identical" (JSON decoding read both bytes as
// U+FFFD).
func TestBodyNotUTF8Escaped(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	ctx := context.Background()
	d := &service.Dispatcher{Store: st}
	target := service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
	pub := func(body string) *service.Published {
		p, err := d.Publish(ctx, &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(body), ContentType: "application/json"}, target)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := pub("{\"a\":\"\xff\"}"), pub("{\"a\":\"\xfe\"}")
	rcv := &store.Event{ID: "rcv_notutf8", Type: "card.created", Provider: "bond", Source: store.SourceReceived,
		Payload: []byte("{\"a\":\"\xff\"}"), ContentType: "application/json", Verdict: "valid"}
	if err := st.CreateEvent(ctx, rcv, nil); err != nil {
		t.Fatal(err)
	}
	get := func(path string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		code, page, _ := send(t, req)
		if code != 200 {
			t.Fatalf("GET %s: %d", path, code)
		}
		if !utf8.ValidString(page) {
			i := len(strings.ToValidUTF8(page[:strings.IndexFunc(page, func(r rune) bool { return r == utf8.RuneError })+1], ""))
			t.Errorf("GET %s: the page is not valid UTF-8 (near %q)", path, page[max(i-60, 0):min(i+20, len(page))])
		}
		return page
	}
	panel := regexp.MustCompile(`(?s)<pre class="body tab-(pretty|raw)"[^>]*>\n?(.*?)</pre>`)
	for _, path := range []string{"/deliveries/" + a.Deliveries[0].ID, "/events/" + a.Event.ID, "/events/rcv_notutf8"} {
		page := get(path)
		want := map[string]string{"pretty": "{\n  \"a\": \"\\xff\"\n}", "raw": `{"a":"\xff"}`}
		for _, m := range panel.FindAllStringSubmatch(page, -1) {
			if got := html.UnescapeString(m[2]); got != want[m[1]] {
				t.Errorf("GET %s: the %s view shows %q, want %q", path, m[1], got, want[m[1]])
			}
			delete(want, m[1])
		}
		if len(want) > 0 {
			t.Errorf("GET %s: no %v view", path, want)
		}
		if sel := regexp.MustCompile(`data-tab="(\w+)" aria-selected="true"`).FindAllStringSubmatch(page, -1); len(sel) != 1 || sel[0][1] != "hex" {
			t.Errorf("GET %s: selected tabs %v, want hex", path, sel)
		}
		note := regexp.MustCompile(`data-testid="binary-body">([^<]*)<`).FindStringSubmatch(page)
		if note == nil || !strings.Contains(note[1], "not valid UTF-8 (byte 0xff at offset 6)") || !strings.Contains(note[1], `\xff`) {
			t.Errorf("GET %s: the note says %q, want why (not valid UTF-8, byte 0xff at offset 6, shown as \\xff)", path, note)
		}
	}
	page := get("/diff?a=" + a.Deliveries[0].ID + "&b=" + b.Deliveries[0].ID)
	if strings.Contains(page, `data-testid="diff-same"`) {
		t.Fatalf("the diff of {\"a\":\"\\xff\"} and {\"a\":\"\\xfe\"} says the bodies are identical")
	}
	if !strings.Contains(page, `data-path="(body)"`) || !strings.Contains(page, `\xff`) || !strings.Contains(page, `\xfe`) {
		t.Errorf("the diff does not show the bodies' difference, \\xff and \\xfe")
	}
	// Bodies that are the same bytes are still the same.
	if page := get("/diff?a=" + a.Deliveries[0].ID + "&b=" + a.Deliveries[0].ID); !strings.Contains(page, `data-testid="diff-same"`) {
		t.Errorf("a delivery diffed with itself is not identical")
	}
}

// TestBrowserBodyNotUTF8: in the browser, the page of a JSON body with a
// byte that is not UTF-8 opens on Hex with the note that says why, and
// its Pretty view shows the byte as \xff, not U+FFFD.
func TestBrowserBodyNotUTF8(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	ctx := newBrowser(t, path)
	pub, err := e.disp.Publish(context.Background(), &store.Event{Type: "card.created", Provider: "bond",
		Payload: []byte("{\"a\":\"\xff\"}"), ContentType: "application/json"}, service.Target{SubscriptionID: e.sub.ID})
	if err != nil {
		t.Fatal(err)
	}
	visible := `(function(){return Array.from(document.querySelectorAll('pre.body[id^="panel-"]')).filter(function(p){return p.offsetParent!==null}).map(function(p){return p.id}).join(' ')})()`
	do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/deliveries/"+pub.Deliveries[0].ID), chromedp.WaitReady(`pre.tab-hex`))
	if v := get(t, ctx, chromedp.Evaluate[string](visible)); v != "panel-hex" {
		t.Errorf("the page opens on %q, want panel-hex", v)
	}
	if note := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="binary-body"]').textContent`)); !strings.Contains(note, "not valid UTF-8") {
		t.Errorf("the note says %q", note)
	}
	do(t, ctx, 5*sec, chromedp.Click(`button[data-tab="pretty"]`), chromedp.WaitVisible(`pre.tab-pretty`))
	if got := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('pre.tab-pretty').textContent`)); got != "{\n  \"a\": \"\\xff\"\n}" {
		t.Errorf("the Pretty view shows %q", got)
	}
}
