package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
)

// TestHuntcheckBrowserFocusKeptOnUpdate: a keyboard user on a pending
// delivery's row (its link, or its diff checkbox) keeps the focus there
// when the live log updates the row (the attempt answered), and on the
// events page when the list is re-drawn (the event's delivery settled).
// The row was replaced with new HTML and the focus fell to the page's
// top: the next Tab started again from the navigation.
func TestHuntcheckBrowserFocusKeptOnUpdate(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	for _, tc := range []struct{ page, row, ctl string }{
		{"/", `tr[data-testid="delivery-row"]`, "a"},
		{"/", `tr[data-testid="delivery-row"]`, `input[name="pick"]`},
		{"/events", `tr[data-testid="event-row"]`, "a"},
	} {
		t.Run(tc.page+" "+tc.ctl, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			gate := make(chan struct{})
			rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-gate:
				case <-r.Context().Done():
				case <-time.After(30 * time.Second):
				}
				w.Write([]byte(`{"ok":true}`))
			}))
			t.Cleanup(rcv.Close)
			t.Cleanup(func() {
				select {
				case <-gate:
				default:
					close(gate)
				}
			})
			pub, err := e.disp.Publish(context.Background(), &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json"},
				service.Target{URL: rcv.URL + "/webhooks", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Schedule: delivery.Schedule{0}})
			if err != nil {
				t.Fatal(err)
			}
			b := newBrowser(t, path)
			do(t, b, 10*sec, chromedp.Navigate(e.url+tc.page), chromedp.WaitVisible(tc.row))
			// Live: the stream is open before the row changes.
			get(t, b, chromedp.Poll[bool](`document.getElementById("live").className.indexOf(" on") >= 0`, chromedp.WithPollingTimeout(10*time.Second)))
			sel := tc.row + " " + tc.ctl
			do(t, b, 5*sec, chromedp.Focus(sel))
			close(gate)
			e.waitDelivery(t, pub.Deliveries[0].ID, 1)
			settled := `!!document.querySelector('tr[data-testid="delivery-row"][data-status="succeeded"]')`
			if tc.page == "/events" {
				settled = `!document.querySelector('tr[data-testid="event-row"][data-pending="true"]')`
			}
			get(t, b, chromedp.Poll[bool](settled, chromedp.WithPollingTimeout(10*time.Second)))
			focused := `(function(){var a = document.activeElement; return a === document.querySelector(` + "`" + sel + "`" + `) ? "" : (a ? a.outerHTML.slice(0, 120) : "none")})()`
			if got := get(t, b, chromedp.Evaluate[string](focused)); got != "" {
				t.Errorf("after the update the focus is on %q, not the row's %s", got, tc.ctl)
			}
		})
	}
}
