package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
)

// The inspector edits a subscription (URL, events, description, enabled)
// through the update `hookctl subscriptions update` makes: it had no way
// to. The form shows the secret masked; a bad URL or an unknown event is
// refused on the form (400, the reason, the values typed kept) and nothing
// is written; a post without the CSRF token or from another origin is
// refused.
func TestSubscriptionEditForm(t *testing.T) {
	t.Parallel()
	h, srv, st := newHandler(t)
	ctx := context.Background()
	cat, _ := catalog.Load(catalog.Options{})
	subs := &subscription.Service{Store: st, Catalog: cat}
	sub, err := subs.Create(ctx, subscription.CreateInput{URL: "http://127.0.0.1:9/old", Events: []string{"card.*"}, Description: "old one"})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) (int, string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		code, body, _ := send(t, req)
		return code, html.UnescapeString(body)
	}
	unchanged := func(when string) {
		t.Helper()
		got, err := st.GetSubscription(ctx, sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.CallbackURL != sub.CallbackURL || !slices.Equal(got.Events, sub.Events) || got.Description != sub.Description ||
			got.Status != store.StatusEnabled || !got.UpdatedAt.Equal(sub.UpdatedAt) {
			t.Errorf("%s: the subscription changed: %+v", when, got)
		}
	}

	if _, page := get("/subscriptions"); !strings.Contains(page, `href="/subscriptions/`+sub.ID+`/edit"`) {
		t.Error("the subscriptions page has no edit link")
	}
	code, page := get("/subscriptions/" + sub.ID[:8] + "/edit")
	if code != 200 {
		t.Fatalf("edit page: %d %s", code, page)
	}
	for _, want := range []string{`value="http://127.0.0.1:9/old"`, `value="card.*"`, `value="old one"`, `name="enabled" value="1" checked`,
		`name="_csrf" value="` + h.CSRFToken() + `"`, subscription.MaskSecret(sub.Secret)} {
		if !strings.Contains(page, want) {
			t.Errorf("edit page lacks %s", want)
		}
	}
	if strings.Contains(page, sub.Secret) {
		t.Error("the edit page shows the secret unmasked")
	}
	if code, _ := get("/subscriptions/4f1c0000-0000-4000-8000-000000000000/edit"); code != 404 {
		t.Errorf("edit page of an unknown subscription: %d", code)
	}

	path := "/subscriptions/" + sub.ID + "/edit"
	// Refused before anything is read: no token, another origin.
	form := url.Values{"url": {"http://127.0.0.1:9/evil"}, "events": {"*"}, "description": {"x"}}
	req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if code, body, _ := send(t, req); code != 403 {
		t.Errorf("post without the CSRF token: %d %s", code, body)
	}
	form.Set("_csrf", h.CSRFToken())
	req, _ = http.NewRequest("POST", srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://evil.example")
	if code, body, _ := send(t, req); code != 403 {
		t.Errorf("cross-origin post: %d %s", code, body)
	}
	unchanged("after refused posts")

	for _, tc := range []struct {
		name, url, events, reason string
	}{
		{"bad URL", "not a url", "card.created, kyc.verification.success", "URL"},
		{"unknown event", "http://127.0.0.1:9/new", "card.creatd", "card.created"},
		{"no event", "http://127.0.0.1:9/new", " , ", "event"},
	} {
		code, body, _ := postForm(t, srv, h, path, url.Values{"url": {tc.url}, "events": {tc.events}, "description": {"typed"}})
		body = html.UnescapeString(body)
		if code != 400 || !strings.Contains(body, `data-testid="error"`) || !strings.Contains(body, tc.reason) {
			t.Errorf("%s: %d, want 400 with the reason (%s) on the form:\n%.2000s", tc.name, code, tc.reason, body)
		}
		for _, kept := range []string{`value="` + tc.url + `"`, `value="` + tc.events + `"`, `value="typed"`} {
			if !strings.Contains(body, kept) {
				t.Errorf("%s: the form lost the value typed (%s)", tc.name, kept)
			}
		}
		if strings.Contains(body, `name="enabled" value="1" checked`) {
			t.Errorf("%s: the form shows enabled, the user unticked it", tc.name)
		}
		unchanged(tc.name)
	}

	// A change: every field, disabled (the box unticked).
	code, body, hdr := postForm(t, srv, h, path, url.Values{"url": {" http://127.0.0.1:9/new "}, "events": {"card.created, kyc.verification.success"},
		"description": {"new one"}})
	if code != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), "/subscriptions?flash=") {
		t.Fatalf("save: %d %s %s", code, hdr.Get("Location"), body)
	}
	got, _ := st.GetSubscription(ctx, sub.ID)
	if got.CallbackURL != "http://127.0.0.1:9/new" || !slices.Equal(got.Events, []string{"card.created", "kyc.verification.success"}) ||
		got.Description != "new one" || got.Status != store.StatusDisabled || got.Secret != sub.Secret || !got.UpdatedAt.After(sub.UpdatedAt) {
		t.Errorf("after the edit: %+v", got)
	}
	if code, page := get(hdr.Get("Location")); code != 200 || !strings.Contains(page, "updated subscription "+sub.ID) {
		t.Errorf("after the redirect: %d, no flash", code)
	}
	if code, _, _ := postForm(t, srv, h, path, url.Values{"url": {got.CallbackURL}, "events": {"card.*"}, "description": {""}, "enabled": {"1"}}); code != http.StatusSeeOther {
		t.Fatalf("enable: %d", code)
	}
	if got, _ = st.GetSubscription(ctx, sub.ID); got.Status != store.StatusEnabled || got.Description != "" || !slices.Equal(got.Events, []string{"card.*"}) {
		t.Errorf("after enabling: %+v", got)
	}

	// A Svix endpoint's event types are its own (not in the catalog): its
	// description is edited without the events being refused.
	loose := &subscription.Service{Store: st}
	ep, err := loose.Create(ctx, subscription.CreateInput{URL: "http://127.0.0.1:9/svix", Events: []string{"order.created", "order.paid"}})
	if err != nil {
		t.Fatal(err)
	}
	if code, body, _ := postForm(t, srv, h, "/subscriptions/"+ep.ID+"/edit", url.Values{"url": {ep.CallbackURL}, "events": {"order.created, order.paid"},
		"description": {"orders"}, "enabled": {"1"}}); code != http.StatusSeeOther {
		t.Fatalf("edit of an endpoint with its own event types: %d %.1000s", code, body)
	}
	if got, _ = st.GetSubscription(ctx, ep.ID); got.Description != "orders" || !slices.Equal(got.Events, ep.Events) {
		t.Errorf("the endpoint after the edit: %+v", got)
	}
}

// The edit page in a browser: Edit from the list, a bad URL refused on
// the form with what was typed kept, then saved (the page's own CSRF
// token), back on the list with the change.
func TestBrowserSubscriptionEdit(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	ctx := newBrowser(t, path)
	do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/subscriptions"), chromedp.Click(`[data-testid="subscription-row"] [data-testid="edit"]`),
		chromedp.WaitVisible(`[data-testid="subscription-edit-form"]`))
	if got := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="secret"]').textContent`)); strings.Contains(got, e.sub.Secret) || got == "" {
		t.Errorf("the secret shows as %q", got)
	}
	do(t, ctx, 10*sec,
		chromedp.SetValue(`[data-testid="edit-url"]`, "ftp://nowhere"),
		chromedp.SetValue(`[data-testid="edit-description"]`, "renamed"),
		chromedp.Click(`[data-testid="subscription-save"]`),
		// The layout's error comes before the form in the page: under
		// load Chrome shows it while the rest is still arriving.
		chromedp.WaitVisible(`[data-testid="error"]`),
		chromedp.WaitVisible(`[data-testid="edit-description"]`))
	if v := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="edit-url"]').value+" "+document.querySelector('[data-testid="edit-description"]').value`)); v != "ftp://nowhere renamed" {
		t.Errorf("the refused form shows %q, want the values typed", v)
	}
	do(t, ctx, 10*sec,
		chromedp.SetValue(`[data-testid="edit-url"]`, e.url+"/elsewhere"),
		chromedp.Click(`[data-testid="edit-enabled"]`),
		chromedp.Click(`[data-testid="subscription-save"]`),
		chromedp.WaitVisible(`[data-testid="flash"]`),
		chromedp.WaitVisible(`[data-testid="subscription-row"] [data-testid="status"]`))
	if s := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="subscription-row"] [data-testid="status"]').textContent`)); s != "disabled" {
		t.Errorf("status on the list after the edit: %q", s)
	}
	got, err := e.st.GetSubscription(context.Background(), e.sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.CallbackURL != e.url+"/elsewhere" || got.Description != "renamed" || got.Status != store.StatusDisabled {
		t.Errorf("stored after the edit: %+v", got)
	}
}

// The event names the new-subscription form completes from are each
// offered once, as the edit form's are: a name several providers send
// (ping, invoice.paid, customer.updated) was listed once per provider.
func TestSubscriptionFormOffersEachEventOnce(t *testing.T) {
	t.Parallel()
	_, srv, _ := newHandler(t)
	for _, path := range []string{"/subscriptions"} {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		code, body, _ := send(t, req)
		if code != 200 {
			t.Fatalf("%s: %d", path, code)
		}
		i := strings.Index(body, `<datalist id="event-types">`)
		if i < 0 {
			t.Fatalf("%s has no event datalist", path)
		}
		list := body[i : i+strings.Index(body[i:], "</datalist>")]
		seen := map[string]bool{}
		for _, opt := range strings.Split(list, "<option ")[1:] {
			if seen[opt] {
				t.Errorf("%s offers %s twice", path, opt)
			}
			seen[opt] = true
		}
		if !seen[`value="ping">`] {
			t.Errorf("%s does not offer ping", path)
		}
	}
}
