package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
)

// TestBrowserLiveFilterChangeClearsSkipped: a flood streamed past the
// unfiltered log ("N deliveries streamed past faster than shown"); a
// filter change shows other rows, and the notice, which was about the
// rows of the log before it, goes (it stayed, counting on from there).
func TestBrowserLiveFilterChangeClearsSkipped(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	ctx := newBrowser(t, path)
	subs := &subscription.Service{Store: e.st}
	for i := 1; i < 150; i++ {
		if _, err := subs.Create(context.Background(), subscription.CreateInput{URL: e.sub.CallbackURL, Events: []string{"card.*"}, Provider: "bond"}); err != nil {
			t.Fatal(err)
		}
	}
	e.app.mu.Lock()
	all, err := e.st.ListSubscriptions(context.Background(), store.SubscriptionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	e.app.secrets = nil
	for _, s := range all {
		e.app.secrets = append(e.app.secrets, s.Secret)
	}
	e.app.mu.Unlock()
	do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(`[data-testid="live-indicator"].on`))
	e.trigger(t) // 150 deliveries in one write: one batch, more than it draws
	get(t, ctx, chromedp.Poll[bool](`document.getElementById('skipped').textContent !== ''`, chromedp.WithPollingTimeout(5*time.Second)))
	get(t, ctx, chromedp.Evaluate[bool](`(function(){var s=document.querySelector('select[name="status"]');s.value='failed';s.dispatchEvent(new Event('change',{bubbles:true}));return true})()`))
	get(t, ctx, chromedp.Poll[bool](`location.search === '?status=failed' && document.querySelectorAll('[data-testid="delivery-row"][data-status="succeeded"]').length === 0`, chromedp.WithPollingTimeout(5*time.Second)))
	do(t, ctx, 10*sec, chromedp.WaitVisible(`[data-testid="live-indicator"].on`))
	if s := get(t, ctx, chromedp.Text(`#skipped`)); s != "" {
		t.Errorf("after a filter change the log says %q", s)
	}
}
