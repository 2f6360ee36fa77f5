package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
)

// TestHuntcheckBrowserOddEvents: events a receiver can leave in the
// store, seen in a real browser: a header whose value is HTML and
// JavaScript is shown as text and never runs (the title unchanged,
// no element made of it), an event type of 400 characters without a break and one
// of dotted words, an event id of 304 characters and a target URL of
// 600 make no page scroll sideways, an event id with
// URL-special characters (/ ? # % &) opens its own page from the list,
// and the events list and its filters work from the keyboard alone.
// A header whose name is 207 characters long (a sender chooses them)
// made the event's page scroll sideways (1847 px at 1280, 1797 px at
// 360): the headers table broke long values, not long names.
func TestHuntcheckBrowserOddEvents(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	ctx := context.Background()
	evil := `<script>document.title="pwned"</script><img src=x onerror="document.title='pwned2';window.ran=1">`
	oddID := "rcv_a/b?c#d%2F&x=<y>"
	longType := strings.Repeat("x", 400)
	dotted := strings.Repeat("very.long.event.type.", 20) + "end"
	for _, ev := range []*store.Event{
		{ID: "rcv_huntcheck_xss", Type: "card.created", Provider: "bond", Source: store.SourceReceived, Verdict: "invalid: <b>no</b> signature",
			Payload: []byte(`{"a":"<script>alert(1)</script>"}`), ContentType: "application/json",
			Headers: map[string][]string{"X-Evil": {evil}, "X-Quote": {`"'><svg onload=window.ran=1>`}, "X-Long-" + strings.Repeat("h", 200): {strings.Repeat("z", 3000)}}},
		{ID: oddID, Type: "card.created", Provider: "bond", Source: store.SourceReceived, Verdict: "valid",
			Payload: []byte(`{"odd":true}`), ContentType: "application/json"},
		{ID: "rcv_huntcheck_long", Type: longType, Provider: "bond", Source: store.SourceReceived, Verdict: "valid",
			Payload: []byte(`{}`), ContentType: "application/json"},
	} {
		ev.CreatedAt = time.Now()
		if err := e.st.CreateEvent(ctx, ev, nil); err != nil {
			t.Fatal(err)
		}
	}
	longID := "evt_" + strings.Repeat("L", 300)
	pubLong, err := e.disp.Publish(ctx, &store.Event{ID: longID, Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json"},
		service.Target{URL: "http://127.0.0.1:9/" + strings.Repeat("p", 300) + "?q=" + strings.Repeat("q", 300), Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Schedule: []time.Duration{time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := e.disp.Publish(ctx, &store.Event{Type: dotted, Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json"},
		service.Target{URL: "http://127.0.0.1:9/webhooks", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Schedule: []time.Duration{time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, path)
	narrow := newBrowser(t, path, chromedp.WindowSize(360, 780))
	for _, p := range []string{"/", "/events", "/events/rcv_huntcheck_xss", "/events/rcv_huntcheck_long", "/events/" + pub.Event.ID,
		"/deliveries/" + pub.Deliveries[0].ID, "/events?type=" + url.QueryEscape(longType),
		"/events/" + longID, "/deliveries/" + pubLong.Deliveries[0].ID, "/deliveries/" + pubLong.Deliveries[0].ID + "/edit"} {
		do(t, b, 10*sec, chromedp.Navigate(e.url+p), chromedp.WaitReady(`main`))
		if msg := get(t, b, chromedp.Evaluate[string](overflowJS)); msg != "" {
			t.Errorf("%s scrolls sideways: %s", p, msg)
		}
		do(t, narrow, 10*sec, chromedp.Navigate(e.url+p), chromedp.WaitReady(`main`))
		if msg := get(t, narrow, chromedp.Evaluate[string](overflowJS)); msg != "" {
			t.Errorf("360 px: %s scrolls sideways: %s", p, msg)
		}
		if title := get(t, b, chromedp.Evaluate[string](`document.title`)); strings.Contains(title, "pwned") {
			t.Errorf("%s: a header's script ran (title %q)", p, title)
		}
	}
	do(t, b, 10*sec, chromedp.Navigate(e.url+"/events/rcv_huntcheck_xss"), chromedp.WaitReady(`main`))
	if txt := get(t, b, chromedp.Evaluate[string](`document.querySelector('main').innerText`)); !strings.Contains(txt, evil) {
		t.Errorf("the event page does not show the header's value as text:\n%s", txt)
	}
	if n := get(t, b, chromedp.Evaluate[int](`document.querySelectorAll('main script, main img, main svg').length`)); n != 0 {
		t.Errorf("the event page has %d script, img or svg elements from the header", n)
	}
	// The odd id's link in the list opens its page.
	do(t, b, 10*sec, chromedp.Navigate(e.url+"/events"), chromedp.WaitVisible(`tr[data-testid="event-row"]`))
	sel := `tr[data-event-id="` + strings.NewReplacer(`"`, `\"`).Replace(oddID) + `"] a`
	do(t, b, 10*sec, chromedp.Click(sel), chromedp.WaitReady(`h1`))
	if h := get(t, b, chromedp.Evaluate[string](`document.querySelector('h1').innerText`)); !strings.Contains(h, oddID) {
		t.Errorf("the odd id's link opened %q", h)
	}
	// Keyboard only: from the Type filter, type a pattern, Enter
	// filters; Tab reaches the first row's link, Enter opens it.
	do(t, b, 10*sec, chromedp.Navigate(e.url+"/events"), chromedp.WaitVisible(`tr[data-testid="event-row"]`),
		chromedp.Focus(`input[name="type"]`), chromedp.KeyEvent("card.created"), chromedp.KeyEvent(kb.Enter))
	get(t, b, chromedp.Poll[bool](`location.search.indexOf("type=") >= 0 && document.querySelectorAll('tr[data-testid="event-row"]').length == 3`,
		chromedp.WithPollingTimeout(10*time.Second)))
	var reached bool
	for range 40 {
		do(t, b, 5*sec, chromedp.KeyEvent(kb.Tab))
		if get(t, b, chromedp.Evaluate[bool](`!!(document.activeElement && document.activeElement.closest('tr[data-testid="event-row"]'))`)) {
			reached = true
			break
		}
	}
	if !reached {
		t.Fatalf("Tab never reached a row of the events list")
	}
	do(t, b, 10*sec, chromedp.KeyEvent(kb.Enter))
	get(t, b, chromedp.Poll[bool](`/^\/events\/(rcv_|evt_L)/.test(location.pathname)`, chromedp.WithPollingTimeout(10*time.Second)))
}
