package web_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
)

// TestBrowserInspbytesEditKeepsHeaderBytes: a delivery sent with a header
// value that is not UTF-8 (trigger --header $'X-Raw: caf\xe9 \xff'):
// its Edit and resend page shows the value escaped (caf\xe9 \xff, as
// every page writes such a byte), and a resend that leaves the line as
// shown sends the stored bytes, as a credential left masked is sent as
// stored; a value the user changes is sent as written (caf\xe9! as those
// characters). Before, the store
// kept the value as U+FFFD (the app got EF BF BD), and the form sent back
// the escape's characters (a backslash, x, e, 9).
func TestBrowserInspbytesEditKeepsHeaderBytes(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	ctx := newBrowser(t, path)
	const raw = "caf\xe9 \xff"
	pub, err := e.disp.Publish(context.Background(), &store.Event{Type: "card.created", Provider: "bond",
		Payload: []byte(`{"status":"Active"}`), ContentType: "application/json"},
		service.Target{SubscriptionID: e.sub.ID, Headers: map[string]string{"X-Raw": raw}})
	if err != nil {
		t.Fatal(err)
	}
	id := pub.Deliveries[0].ID
	e.waitDelivery(t, id, 1)
	if got := e.app.all(); len(got) != 1 || got[0].Raw != raw {
		t.Fatalf("the first send carried X-Raw %+v, want %q", got, raw)
	}
	for _, c := range []struct {
		name, edit, want string
	}{
		{"left as shown", "", raw},
		{"rewritten", `X-Raw: caf\xe9!`, `caf\xe9!`},
	} {
		n := len(e.app.all())
		do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/deliveries/"+id+"/edit"), chromedp.WaitVisible(`[data-testid="edit-headers"]`))
		shown := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="edit-headers"]').value`))
		if shown != `X-Raw: caf\xe9 \xff` {
			t.Fatalf("%s: the headers field shows %q, want the value escaped (X-Raw: caf\\xe9 \\xff)", c.name, shown)
		}
		if c.edit != "" {
			get(t, ctx, chromedp.Evaluate[bool](`(function(){var t=document.querySelector('[data-testid="edit-headers"]'); t.value=`+strconv.Quote(c.edit)+`; return true})()`))
		}
		do(t, ctx, 10*sec, chromedp.Click(`[data-testid="resend"]`), chromedp.WaitVisible(`[data-testid="origin"]`))
		deadline := time.Now().Add(10 * sec)
		for len(e.app.all()) == n && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		got := e.app.all()
		if len(got) != n+1 || !got[n].Valid {
			t.Fatalf("%s: the app received %+v after the resend, want one signed request", c.name, got[n:])
		}
		if got[n].Raw != c.want {
			t.Errorf("%s: the resend carried X-Raw %q, want %q", c.name, got[n].Raw, c.want)
		}
	}
}
