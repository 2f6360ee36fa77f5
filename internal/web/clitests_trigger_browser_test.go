package web_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/listen"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/web"
)

// clitestsListenEnv is an inspector over a store holding the subscription
// of a hookctl listen that has stopped (its process gone, its port closed)
// and, when live, one of a listen that runs (this process, its port
// answering), both taking card.*.
type clitestsListenEnv struct {
	st               store.Store
	base             string
	liveSub, deadSub *store.Subscription
	deadPort         string
}

func newClitestsListenEnv(t *testing.T, live bool) *clitestsListenEnv {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	listenSub := func(callback, pid, port string) *store.Subscription {
		t.Helper()
		s := &store.Subscription{CallbackURL: callback, Events: []string{"card.*"}, Status: store.StatusEnabled,
			Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "auto", Provider: "bond",
			Metadata: map[string]string{listen.MetaCreatedBy: "listen", listen.MetaPID: pid, listen.MetaHost: host, listen.MetaPort: port}}
		if err := st.CreateSubscription(ctx, s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	e := &clitestsListenEnv{st: st}
	if live {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		t.Cleanup(srv.Close)
		port := strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)
		e.liveSub = listenSub(srv.URL+"/", strconv.Itoa(os.Getpid()), port)
	}
	// The stopped one: a process that ran and was waited for, a port
	// taken and freed.
	p := exec.Command(os.Args[0], "-test.run=^$")
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.deadPort = strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	e.deadSub = listenSub("http://127.0.0.1:"+e.deadPort+"/", strconv.Itoa(p.Process.Pid), e.deadPort)

	wctx, cancel := context.WithCancel(ctx)
	u, stop, err := web.Start(wctx, "127.0.0.1:0", web.Config{Store: st, Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); stop() })
	e.base = strings.TrimSuffix(u, "/")
	return e
}

// skipped is what the page says of the stopped listen's subscription.
func (e *clitestsListenEnv) skipped() string {
	return "hookctl listen on :" + e.deadPort + ` is not running — start it or "hookctl subscriptions disable ` + e.deadSub.ID + `"`
}

// The inspector's trigger form, used in a browser with two hookctl listen
// subscriptions that take the event, one live and one stopped: the form
// says the event goes to 1 subscription and which one it leaves out, and
// why (it said "goes to 1 enabled subscription" of 2, and nothing of the
// other until sent); Send sends it to the live one only and the page says
// so, and why the other was skipped, with the command that disables it.
func TestClitestsTriggerFormSkippedListenInBrowser(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newClitestsListenEnv(t, true)
	b := newBrowser(t, path)
	do(t, b, 10*sec, chromedp.Navigate(e.base+"/trigger?type=bond:card.created"), chromedp.WaitVisible(`[data-testid="trigger-send"]`))
	if got := get(t, b, chromedp.Text(`form.stack p`)); got != "bond:card.created goes to 1 enabled subscription unless you pick one." {
		t.Errorf("the form says %q, want it to count the running listen only", got)
	}
	if got := get(t, b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('[data-testid="trigger-skipped"]')).map(function(p){return p.textContent})`)); len(got) != 1 || got[0] != "Skipped: "+e.skipped() {
		t.Errorf("the form says of the stopped listen %q, want %q", got, "Skipped: "+e.skipped())
	}
	opts := get(t, b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('select[name="subscription"] option')).map(function(o){return o.textContent})`))
	marked := 0
	for _, o := range opts {
		if strings.HasSuffix(o, " (hookctl listen not running)") {
			marked++
			if !strings.Contains(o, ":"+e.deadPort+"/") {
				t.Errorf("Send to marks %q, not the stopped listen's subscription", o)
			}
		}
	}
	if len(opts) != 3 || marked != 1 {
		t.Errorf("Send to lists %q, want every matching subscription, the two listens, the stopped one marked", opts)
	}
	do(t, b, 10*sec, chromedp.Click(`[data-testid="trigger-send"]`), chromedp.WaitVisible(`[data-testid="flash"]`))
	flash := get(t, b, chromedp.Text(`[data-testid="flash"]`))

	ds, err := e.st.ListDeliveries(context.Background(), store.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].SubscriptionID != e.liveSub.ID {
		t.Fatalf("deliveries %+v, want one, to the running listen's subscription %s", ds, e.liveSub.ID)
	}
	want := "sent card.created " + ds[0].EventID + " to 1 subscription(s); skipped: " + e.skipped()
	if flash != want {
		t.Errorf("the page says\n%q\nwant\n%q", flash, want)
	}
}

// With only a stopped listen's subscription taking the event, the
// trigger form said "No enabled subscription takes bond:card.created",
// though one does: it now says none that runs does, names the one left
// out and why, and that picking it sends there anyway.
func TestClitestsTriggerFormOnlyStoppedListenInBrowser(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newClitestsListenEnv(t, false)
	b := newBrowser(t, path)
	do(t, b, 10*sec, chromedp.Navigate(e.base+"/trigger?type=bond:card.created"), chromedp.WaitVisible(`[data-testid="trigger-send"]`))
	const wantNone = "bond:card.created goes to no running subscription: pick one below to send it there anyway."
	if got := get(t, b, chromedp.Text(`[data-testid="trigger-no-target"]`)); got != wantNone {
		t.Errorf("the form says %q, want %q", got, wantNone)
	}
	if got := get(t, b, chromedp.Text(`[data-testid="trigger-skipped"]`)); got != "Skipped: "+e.skipped() {
		t.Errorf("the form says of the stopped listen %q, want %q", got, "Skipped: "+e.skipped())
	}
	// The Send to list says which subscription is the stopped listen's.
	opts := get(t, b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('select[name="subscription"] option')).map(function(o){return o.textContent})`))
	if len(opts) != 2 || !strings.HasSuffix(opts[1], " (hookctl listen not running)") || !strings.Contains(opts[1], "http://127.0.0.1:"+e.deadPort+"/") {
		t.Errorf("Send to lists %q, want the stopped listen's subscription marked", opts)
	}
}
