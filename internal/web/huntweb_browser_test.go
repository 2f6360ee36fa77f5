package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
)

// No page of the inspector scrolls sideways on the narrowest phones in
// use (360 px: many Android phones' CSS width), as at 390 px
// (TestBrowserNoPageScrollsSideways).
func TestHuntwebBrowserNoPageScrollsSidewaysAt360(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	l := seedLayout(t, e)
	ctx := newBrowser(t, path, chromedp.WindowSize(360, 780))
	for _, p := range l.pages() {
		do(t, ctx, 10*sec, chromedp.Navigate(e.url+p), chromedp.WaitReady(`main`))
		if msg := get(t, ctx, chromedp.Evaluate[string](overflowJS)); msg != "" {
			t.Errorf("360 px: %s: %s", p, msg)
		}
		if tall := get(t, ctx, chromedp.Evaluate[[]string](squeezedJS)); len(tall) > 0 {
			t.Errorf("360 px: %s: cells squeezed to a column of letters: %q", p, tall)
		}
	}
}

// Copy as curl of a delivery attempted a while ago (a failure of the
// morning, looked at after lunch) is accepted by the app: the command
// carried the attempt's own signature, whose timestamp every receiver
// that checks it (bond's 300 s here) refused as too old, so the curl
// reproduced a different failure than the one being debugged. It now
// carries a signature made when the page was read, and says so.
func TestHuntwebBrowserCopyAsCurlOfAnOldAttempt(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s to run the command", tool)
		}
	}
	e := newEnv(t)
	ctx := context.Background()
	body := []byte(`{"event":"card.created","card":{"status":"Active"}}`)
	ev := &store.Event{ID: "evt_huntweb_morning", Type: "card.created", Provider: "bond", Payload: body,
		ContentType: "application/json", Source: store.SourceTriggered, CreatedAt: time.Now().Add(-3 * time.Hour)}
	// Due in a day: the inspector's own worker leaves it alone.
	d := &store.Delivery{ID: "d-huntweb-morning", EventID: ev.ID, SubscriptionID: e.sub.ID, URL: e.sub.CallbackURL,
		Status: store.DeliveryPending, MaxAttempts: 1, Schedule: "0s", NextAttemptAt: time.Now().Add(24 * time.Hour)}
	if err := e.st.CreateEvent(ctx, ev, []*store.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	// The attempt of three hours ago, signed then, as the worker signs.
	at := time.Now().Add(-3 * time.Hour)
	sch, _ := signature.ForProvider("bond")
	h, err := sch.Sign(signature.SignInput{Secrets: []string{e.sub.Secret}, ID: ev.ID, Timestamp: at, Body: body, Endpoint: e.sub.ID})
	if err != nil {
		t.Fatal(err)
	}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "hookctl/test")
	if _, err := e.st.ClaimDue(ctx, "huntweb", time.Now().Add(25*time.Hour), time.Minute, 1, ""); err != nil {
		t.Fatal(err)
	}
	if err := e.st.RecordAttempt(ctx, "huntweb", &store.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: at, RequestURL: d.URL,
		RequestMethod: "POST", RequestHeaders: h, ResponseStatus: 500, Duration: 12 * time.Millisecond},
		store.DeliveryUpdate{Status: store.DeliveryFailed, LastStatus: 500, LastError: "HTTP 500"}); err != nil {
		t.Fatal(err)
	}
	bctx := newBrowser(t, path)
	do(t, bctx, 10*sec, chromedp.Navigate(e.url+"/deliveries/"+d.ID), chromedp.WaitReady(`#curl`))
	if v := get(t, bctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="signature-verdict"]').textContent`)); v != "valid" {
		t.Fatalf("the attempt's signature reads %q, want valid", v)
	}
	cmdline := get(t, bctx, chromedp.Evaluate[string](`document.getElementById('curl').textContent`))
	sh := exec.Command("bash")
	sh.Stdin = strings.NewReader(cmdline + " -sS -o /dev/null\n")
	if out, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("the command failed: %v: %s", err, out)
	}
	got := e.app.all()
	if len(got) != 1 {
		t.Fatalf("the app received %d requests, want 1", len(got))
	}
	if !got[0].Valid || got[0].Body != string(body) {
		t.Errorf("the app refused the copied command: %s", got[0].Err)
	}
	note := get(t, bctx, chromedp.Evaluate[string](`(function(){var n=document.querySelector('[data-testid="curl-signed"]');return n?n.textContent:""})()`))
	if !strings.Contains(note, "Signed now") || !strings.Contains(note, "5 min") || !strings.Contains(note, "reload the page") {
		t.Errorf("the page says %q about the command's signature", note)
	}
}

// A mistyped event type on the trigger page (typed in its form, or a
// link) says what the CLI says under the error: the type it probably
// meant. The page said only `unknown event "card.creatd" for provider
// bond`, with no way on.
func TestHuntwebBrowserTriggerUnknownTypeSuggests(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	ctx := newBrowser(t, path)
	do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/trigger?type=bond:card.creatd"), chromedp.WaitReady(`main`))
	msg := get(t, ctx, chromedp.Evaluate[string](`(function(){var n=document.querySelector('[data-testid="error"]');return n?n.textContent:""})()`))
	if !strings.Contains(msg, `unknown event "card.creatd"`) || !strings.Contains(msg, `did you mean "card.created"?`) {
		t.Errorf("the trigger page says %q", msg)
	}
}

// A trigger body that is not valid JSON is refused saying where, as
// the textarea shows it: the page said only "unexpected end of JSON
// input" or "invalid character '}' looking for beginning of object key
// string", and the user searched 20 lines for it.
func TestHuntwebBrowserTriggerBadJSONSaysWhere(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	ctx := newBrowser(t, path)
	for _, c := range []struct{ body, want string }{
		{"{\n  \"event\": \"card.created\",\n  \"card\": {\"status\": \"Active\",}\n}\n", "at line 3, column 31"},
		{"\n{\n  \"event\": \"card.created\",\n  \"note\": \"café\" \"x\"\n}", "at line 4, column 18"},
		{"{\n  \"event\": \"card.created\",\n", "at line 2, column 27"},
	} {
		do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/trigger?type=bond:card.created"), chromedp.WaitReady(`[data-testid="trigger-body"]`))
		do(t, ctx, 10*sec, chromedp.SetValue(`[data-testid="trigger-body"]`, c.body),
			chromedp.Submit(`[data-testid="trigger-body"]`), chromedp.WaitReady(`[data-testid="error"]`))
		msg := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="error"]').textContent`))
		if !strings.Contains(msg, "the body is not valid JSON "+c.want+":") {
			t.Errorf("body %q: the page says %q, want %q", c.body, msg, c.want)
		}
	}
}

// The inspector itself (`hookctl ui`, `listen --ui`), not serve's APIs
// (TestBrowserServeRefusesOtherSites): a page rebound to its address
// (evil.example resolving to 127.0.0.1) reads no page and replays
// nothing, even with the CSRF token in hand (a token copied from a page
// it could not read is the worst case); a page of another site that
// posts the replay form with the token gets a refusal. Nothing reaches
// the app. (A guard: it passed before.)
func TestHuntwebBrowserInspectorRefusesOtherSites(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	pub, err := e.disp.Publish(context.Background(), &store.Event{Type: "card.created", Provider: "bond",
		Payload: []byte(`{"event":"card.created"}`), ContentType: "application/json"}, service.Target{SubscriptionID: e.sub.ID})
	if err != nil {
		t.Fatal(err)
	}
	id := pub.Deliveries[0].ID
	e.waitDelivery(t, id, 1)
	sent := len(e.app.all())
	// The token, as a page of the inspector holds it.
	ctx := newBrowser(t, path, chromedp.Flag("host-resolver-rules", "MAP evil.example 127.0.0.1"))
	do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/"), chromedp.WaitReady(`main`))
	tok := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('meta[name="csrf-token"]').content`))
	port := e.url[strings.LastIndex(e.url, ":")+1:]

	// Rebinding: same-origin to the page, any header it likes.
	do(t, ctx, 10*sec, chromedp.Navigate("http://evil.example:"+port+"/"), chromedp.WaitReady(`body`))
	probe := `(async function(){
	  var r1 = await fetch('/deliveries/` + id + `');
	  var r2 = await fetch('/deliveries/` + id + `/replay', {method: 'POST', headers: {'X-CSRF-Token': '` + tok + `', 'Content-Type': 'application/x-www-form-urlencoded'}, body: '_csrf=` + tok + `'});
	  var r3 = await fetch('/live');
	  return r1.status + ' ' + r2.status + ' ' + r3.status + ' ' + (await r1.text()).slice(0, 200);
	})()`
	got := get(t, ctx, chromedp.Evaluate[string](probe, chromedp.EvalAwaitPromise))
	if !strings.HasPrefix(got, "421 421 421 ") {
		t.Errorf("a rebound page read or drove the inspector: %s", got)
	}

	// Cross-site: a form of another site posts the replay, token and all.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, `<!doctype html><form id=f method=post action="`+e.url+`/deliveries/`+id+`/replay">`+
			`<input name=_csrf value="`+tok+`"></form><script>document.getElementById('f').submit()</script>`)
	}))
	defer evil.Close()
	evilURL := "http://evil.example:" + evil.URL[strings.LastIndex(evil.URL, ":")+1:] + "/"
	do(t, ctx, 10*sec, chromedp.Navigate(evilURL))
	get(t, ctx, chromedp.Poll[bool](`location.href.indexOf('/replay') > 0 && document.readyState === 'complete'`, chromedp.WithPollingTimeout(5*time.Second)))
	if txt := get(t, ctx, chromedp.Text(`body`)); !strings.Contains(txt, "cross-origin request") {
		t.Errorf("the cross-site replay was answered %q", txt)
	}
	time.Sleep(500 * time.Millisecond)
	if n := len(e.app.all()); n != sent {
		t.Errorf("pages of another site made the app receive %d request(s)", n-sent)
	}
	if d, err := e.st.GetDelivery(context.Background(), id); err != nil || d.AttemptCount != 1 {
		t.Errorf("the delivery after the hostile pages: %+v, %v", d, err)
	}
}
