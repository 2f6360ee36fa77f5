package web_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/store"
)

// TestBrowserOutfixEventIDBytes: an event whose id and type a sender made
// with a byte that is not UTF-8 (listen records them as received), in
// headless Chromium: the events page shows the id escaped (id_\xe9, as
// the CLI prints it) and its link opens the event's page; the form -o
// json and serve's control API give (store.EncodeText, "\u0001base64:…")
// opens that page too. It was a 404: the inspector looked the event up by
// the encoded text.
func TestBrowserOutfixEventIDBytes(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	_, srv, st := newHandler(t)
	const id = "id_\xe9"
	e := &store.Event{ID: id, Type: "t\xe9.created", Provider: "standard", Payload: []byte(`{}`), ContentType: "application/json",
		Source: store.SourceReceived, Verdict: "valid", CreatedAt: time.Now()}
	if err := st.CreateEvent(context.Background(), e, nil); err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t, path)
	row := `[data-testid="event-row"] td.id a`
	do(t, ctx, 10*sec, chromedp.Navigate(srv.URL+"/events"), chromedp.WaitVisible(row))
	if text := get(t, ctx, chromedp.Text(row)); text != `id_\xe9` {
		t.Errorf("the events page shows the id as %q, want %q", text, `id_\xe9`)
	}
	do(t, ctx, 10*sec, chromedp.Click(row), chromedp.WaitVisible(`[data-testid="event-detail"]`))
	if h := get(t, ctx, chromedp.Text(`[data-testid="event-detail"] h1 code`)); h != `id_\xe9` {
		t.Errorf("the event's page (by the row's link) names %q, want %q", h, `id_\xe9`)
	}
	enc := store.EncodeText(id)
	do(t, ctx, 10*sec, chromedp.Navigate(srv.URL+"/events/"+url.PathEscape(enc)))
	if h := get(t, ctx, chromedp.Evaluate[string](`(document.querySelector('[data-testid="event-detail"] h1 code')||{}).textContent || document.title`)); h != `id_\xe9` {
		t.Errorf("/events/%s (the id as -o json writes it) shows %q, want the event's page", url.PathEscape(enc), h)
	}
}
