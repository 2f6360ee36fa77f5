package web_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/web"
)

// maskurlEnv is an inspector over a store holding a subscription whose
// callback URL has a password (exact) and one delivery to it, sent.
type maskurlEnv struct {
	st            store.Store
	srv           *httptest.Server
	h             *web.Handler
	sub           *store.Subscription
	id            string
	exact, masked string
}

func newMaskurlEnv(t *testing.T) *maskurlEnv {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var (
		mu    sync.Mutex
		auths []string
	)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths = append(auths, r.Header.Get("Authorization"))
		mu.Unlock()
	}))
	t.Cleanup(app.Close)
	host := strings.TrimPrefix(app.URL, "http://")
	exact := "http://alice:s3cret@" + host + "/x"
	masked := "http://alice:xxxxx@" + host + "/x"

	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sub := &store.Subscription{CallbackURL: exact, Events: []string{"card.*"}, Status: store.StatusEnabled,
		Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "auto", Provider: "bond"}
	if err := st.CreateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	eng := delivery.New(st, delivery.Config{})
	engDone := make(chan struct{})
	go func() { defer close(engDone); _ = eng.Run(ctx, nil) }()
	disp := &service.Dispatcher{Store: st, Catalog: cat, Engine: eng}
	srv := httptest.NewUnstartedServer(nil)
	t.Cleanup(func() { srv.Close(); cancel(); <-engDone; st.Close() })
	h, err := web.New(web.Config{Store: st, Catalog: cat, Dispatcher: disp, Addr: srv.Listener.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	pub, err := disp.Publish(ctx, &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{"a":1}`), ContentType: "application/json"},
		service.Target{SubscriptionID: sub.ID})
	if err != nil {
		t.Fatal(err)
	}
	id := pub.Deliveries[0].ID
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		d, err := st.GetDelivery(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != store.DeliveryPending {
			if d.Status != store.DeliverySucceeded {
				t.Fatalf("delivery %s: %s", d.Status, d.LastError)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the delivery was not sent")
		}
	}
	mu.Lock()
	if len(auths) != 1 || auths[0] != "Basic YWxpY2U6czNjcmV0" { // alice:s3cret
		t.Errorf("receiver got Authorization %q, want Go's Basic for alice:s3cret", auths)
	}
	mu.Unlock()

	return &maskurlEnv{st: st, srv: srv, h: h, sub: sub, id: id, exact: exact, masked: masked}
}

// A subscription stored with a password in its callback URL (by an older
// hookctl: subscribe, update and store import refuse one now): the
// inspector's pages (log, delivery detail with its attempts and copy as
// curl, subscriptions, the edit form, trigger, overview) show it masked,
// alice:xxxxx@; they showed it whole. The delivery still reaches the
// receiver with the credentials (Authorization Basic), and the edit form,
// sent back with the URL as it shows it, keeps the stored URL (a URL with
// userinfo is refused as a new one: the form could not be saved).
func TestMaskurlInspectorMasksCallbackPassword(t *testing.T) {
	t.Parallel()
	e := newMaskurlEnv(t)
	ctx := context.Background()
	st, srv, h, sub, id, exact, masked, base := e.st, e.srv, e.h, e.sub, e.id, e.exact, e.masked, e.srv.URL
	pages := []string{"/", "/deliveries/" + id, "/subscriptions", "/subscriptions/" + sub.ID + "/edit", "/trigger", "/overview",
		"/deliveries/" + id + "/edit", "/?subscription=" + sub.ID}
	for _, p := range pages {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		_, _ = io.Copy(&b, resp.Body)
		resp.Body.Close()
		page := html.UnescapeString(b.String())
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
		if strings.Contains(page, "s3cret") {
			t.Errorf("%s shows the password", p)
		}
	}
	resp, err := http.Get(base + "/deliveries/" + id)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	_, _ = io.Copy(&b, resp.Body)
	resp.Body.Close()
	if page := html.UnescapeString(b.String()); strings.Count(page, masked) < 3 { // target, request, curl
		t.Errorf("the delivery page names %s %d times, want the target, the request and the curl command", masked, strings.Count(page, masked))
	}

	// The edit form sent back with the URL as shown: saved, URL kept.
	code, body, _ := postForm(t, srv, h, "/subscriptions/"+sub.ID+"/edit", url.Values{"url": {masked}, "events": {"card.*"},
		"description": {"edited"}, "enabled": {"1"}})
	if code != http.StatusSeeOther {
		t.Fatalf("saving the form as shown: %d %s", code, body)
	}
	got, err := st.GetSubscription(ctx, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.CallbackURL != exact || got.Description != "edited" {
		t.Errorf("after saving the form: URL %q, description %q; want %q kept, %q", got.CallbackURL, got.Description, exact, "edited")
	}
}

// In the browser: the delivery page (target, request, attempt, copy as
// curl) and the subscription's edit form read the URL masked, and the
// password is nowhere in the text or the form's value.
func TestMaskurlBrowserMasksCallbackPassword(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newMaskurlEnv(t)
	ctx := newBrowser(t, path)
	do(t, ctx, 10*sec, chromedp.Navigate(e.srv.URL+"/deliveries/"+e.id), chromedp.WaitReady(`#curl`))
	text := get(t, ctx, chromedp.Evaluate[string](`document.body.innerText + document.getElementById('curl').textContent`))
	if strings.Contains(text, "s3cret") || strings.Count(text, e.masked) < 3 {
		t.Errorf("the delivery page names %s %d times (want the target, the request and the curl command) or shows the password:\n%s",
			e.masked, strings.Count(text, e.masked), text)
	}
	do(t, ctx, 10*sec, chromedp.Navigate(e.srv.URL+"/subscriptions/"+e.sub.ID+"/edit"), chromedp.WaitReady(`[data-testid="edit-url"]`))
	if v := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="edit-url"]').value`)); v != e.masked {
		t.Errorf("the edit form's URL is %q, want %q", v, e.masked)
	}
}
