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

// The inspector's trigger form, used in a browser with two hookctl listen
// subscriptions that take the event: one whose listen runs (its process
// alive, its port answering) and one whose listen has stopped (its
// process gone, its port closed). The form says the event goes to 1
// subscription; Send sends it to the live one only and the page says so,
// and why the other was skipped, with the command that disables it.
func TestClitestsTriggerFormSkippedListenInBrowser(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
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

	// The live listen: this process, its port answering.
	live := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer live.Close()
	livePort := strconv.Itoa(live.Listener.Addr().(*net.TCPAddr).Port)
	liveSub := listenSub(live.URL+"/", strconv.Itoa(os.Getpid()), livePort)

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
	deadPort := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	deadSub := listenSub("http://127.0.0.1:"+deadPort+"/", strconv.Itoa(p.Process.Pid), deadPort)

	wctx, cancel := context.WithCancel(ctx)
	u, stop, err := web.Start(wctx, "127.0.0.1:0", web.Config{Store: st, Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); stop() })
	base := strings.TrimSuffix(u, "/")

	b := newBrowser(t, path)
	do(t, b, 10*sec, chromedp.Navigate(base+"/trigger?type=bond:card.created"), chromedp.WaitVisible(`[data-testid="trigger-send"]`))
	if got := get(t, b, chromedp.Text(`form.stack p`)); got != "bond:card.created goes to 1 enabled subscription unless you pick one." {
		t.Errorf("the form says %q, want it to count the running listen only", got)
	}
	do(t, b, 10*sec, chromedp.Click(`[data-testid="trigger-send"]`), chromedp.WaitVisible(`[data-testid="flash"]`))
	flash := get(t, b, chromedp.Text(`[data-testid="flash"]`))

	ds, err := st.ListDeliveries(ctx, store.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].SubscriptionID != liveSub.ID {
		t.Fatalf("deliveries %+v, want one, to the running listen's subscription %s", ds, liveSub.ID)
	}
	want := "sent card.created " + ds[0].EventID + " to 1 subscription(s); skipped: hookctl listen on :" + deadPort +
		` is not running — start it or "hookctl subscriptions disable ` + deadSub.ID + `"`
	if flash != want {
		t.Errorf("the page says\n%q\nwant\n%q", flash, want)
	}
}
