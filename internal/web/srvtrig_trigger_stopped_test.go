package web_test

import (
	"context"
	"html"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/listen"
	"github.com/hookctl/hookctl/internal/store"
)

// The inspector's trigger form (hookctl ui, serve's inspector) follows
// hookctl trigger's rule: the subscription of a hookctl listen that is
// not running (its process gone, the subscription still enabled) gets no
// delivery; with no other receiver the form says why, with trigger's
// warning, and stores nothing to send.
func TestSrvtrigTriggerFormSkipsStoppedListen(t *testing.T) {
	t.Parallel()
	h, srv, st := newHandler(t)
	ctx := context.Background()
	// A pid that is gone: a process that ran and was waited for.
	p := exec.Command(os.Args[0], "-test.run=^$")
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	// A port nothing listens at (taken, then freed).
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	host, _ := os.Hostname()
	sub := &store.Subscription{CallbackURL: "http://127.0.0.1:" + port + "/", Events: []string{"*"}, Status: store.StatusEnabled,
		Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "auto",
		Metadata: map[string]string{listen.MetaCreatedBy: "listen", listen.MetaPID: strconv.Itoa(p.Process.Pid), listen.MetaHost: host, listen.MetaPort: port}}
	if err := st.CreateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	want := "hookctl listen on :" + port + " is not running"
	code, body, _ := postForm(t, srv, h, "/trigger", url.Values{"type": {"bond:card.created"}})
	if code != http.StatusBadRequest || !strings.Contains(html.UnescapeString(body), want) {
		t.Fatalf("trigger form with only a stopped listen's subscription: %d, want 400 saying %q\n%s", code, want, body)
	}
	ds, err := st.ListDeliveries(ctx, store.DeliveryFilter{SubscriptionID: sub.ID})
	if err != nil || len(ds) != 0 {
		t.Fatalf("deliveries to the stopped listen: %d (%v), want none", len(ds), err)
	}
}
