package web_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
)

// TestBrowserLiveRowEscapesAsThePage: a received event type with a byte
// that is not UTF-8 (listen stores what the sender wrote) shows the same
// in a row the live log streamed in and in the same row after a reload
// (\xff, as the page writes every such byte). Before, the stream's JSON
// turned the byte into U+FFFD: the live row said "card.�" and the page
// "card.\xff".
func TestBrowserLiveRowEscapesAsThePage(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	ctx := newBrowser(t, path)
	do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(`[data-testid="live-indicator"].on`))
	d := &service.Dispatcher{Store: e.st}
	pub, err := d.Publish(context.Background(), &store.Event{Type: "card.\xffx", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json"},
		service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
	if err != nil {
		t.Fatal(err)
	}
	cell := fmt.Sprintf(`tr[data-delivery-id="%s"] td.type`, pub.Deliveries[0].ID)
	do(t, ctx, 10*sec, chromedp.WaitVisible(cell))
	live := get(t, ctx, chromedp.Text(cell))
	do(t, ctx, 10*sec, chromedp.Reload(), chromedp.WaitVisible(cell))
	page := get(t, ctx, chromedp.Text(cell))
	if live != page || page != `bond:card.\xffx` {
		t.Errorf("the type cell reads %q streamed in and %q in the page; want both %q", live, page, `bond:card.\xffx`)
	}
}
