package web_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestHuntcheckBrowserEventsSelectByKeyboard: on the events page a
// keyboard user steps through a filter's options with the arrow keys
// (on a closed select each key press changes its value) and the page
// follows, keeping the focus on that select: the third option is three
// presses away.
func TestHuntcheckBrowserEventsSelectByKeyboard(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	e.waitDelivery(t, e.trigger(t).Deliveries[0].ID, 1)
	b := newBrowser(t, path)
	do(t, b, 10*sec, chromedp.Navigate(e.url+"/events"), chromedp.WaitVisible(`select[name="source"]`), chromedp.Focus(`select[name="source"]`))
	for _, want := range []string{"triggered", "received", "check"} {
		do(t, b, 5*sec, chromedp.KeyEvent(kb.ArrowDown))
		get(t, b, chromedp.Poll[bool](`new URLSearchParams(location.search).get("source") == "`+want+`" && document.readyState == "complete"`,
			chromedp.WithPollingTimeout(10*time.Second)))
		focused := `document.activeElement && document.activeElement.tagName == "SELECT" && document.activeElement.name == "source"`
		deadline := time.Now().Add(5 * time.Second)
		for !get(t, b, chromedp.Evaluate[bool](focused)) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if !get(t, b, chromedp.Evaluate[bool](focused)) {
			got := get(t, b, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.tagName + " " + (document.activeElement.name || "") : "none"`))
			t.Fatalf("after choosing %q with the arrow key the focus is on %q, not the Source select: the next arrow press does not choose the next option", want, got)
		}
	}
}
