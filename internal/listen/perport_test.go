package listen

import (
	"context"
	"net/http"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// One listen subscription per port: runs with other --events (and a
// --print-secret before them) reuse it and keep its secret; another
// scheme gets a fresh secret of that scheme in the same subscription.
func TestEnsureSubscriptionOnePerPort(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/hookctl.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cb := CallbackURL("127.0.0.1", 18788) + "/"
	ensure := func(events []string, scheme string, enable bool) *store.Subscription {
		t.Helper()
		s, _, err := EnsureSubscription(ctx, st, Key("127.0.0.1", 18788, events, "", scheme), cb, events, "", scheme, enable)
		if err != nil {
			t.Fatal(err)
		}
		if enable { // listen exits: disabled
			if _, err := store.UpdateSubscriptionFunc(ctx, st, s.ID, func(c *store.Subscription) error {
				c.Status = store.StatusDisabled
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		return s
	}
	first := ensure([]string{"*"}, "", false) // --print-secret
	if first.CallbackURL != cb || first.Status != store.StatusDisabled {
		t.Fatalf("print-secret made %s %s, want %s disabled", first.CallbackURL, first.Status, cb)
	}
	for _, evs := range [][]string{{"*"}, {"card.*"}, {"kyc.*", "card.*"}, {"*"}} {
		s := ensure(evs, "", true)
		if s.ID != first.ID || s.Secret != first.Secret {
			t.Fatalf("--events %v: subscription %s secret %s, want %s %s", evs, s.ID, s.Secret, first.ID, first.Secret)
		}
	}
	m := ensure([]string{"*"}, "mambu", true)
	if m.ID != first.ID || m.Scheme != "mambu" || m.Secret == first.Secret {
		t.Fatalf("--scheme mambu: %s %s %s", m.ID, m.Scheme, m.Secret)
	}
	subs, err := st.ListSubscriptions(ctx, store.SubscriptionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 1 {
		t.Fatalf("%d subscriptions, want 1", len(subs))
	}
}

// Mambu's XML notifications name their type in <event>; a text body
// names none (the listener then asks the store for hookctl's own event).
func TestEventMetaMambuXML(t *testing.T) {
	h := http.Header{"X-Notifications-Idempotency-Key": {"n1"}}
	body := []byte("<?xml version=\"1.0\"?>\n<notification>\n  <loan><event>NOT_THIS</event></loan>\n  <event>LOAN_REPAYMENT</event>\n</notification>")
	if m := eventMeta(h, body, "mambu", ""); m.typ != "LOAN_REPAYMENT" || m.id != "n1" {
		t.Fatalf("got %+v", m)
	}
	for _, b := range []string{"WITHDRAWAL 12 on …", "   ", "<", "<a><b>", ""} {
		if m := eventMeta(h, []byte(b), "mambu", ""); m.typ != "" {
			t.Fatalf("%q: type %q", b, m.typ)
		}
	}
}

// GitHub's type is X-GitHub-Event plus the body's action, as the catalog
// and @octokit/webhooks name it, even when the body has a type field;
// Shopify's is X-Shopify-Topic when the body names none.
func TestEventMetaHeaderTypes(t *testing.T) {
	for _, tc := range []struct {
		h    http.Header
		body string
		want string
	}{
		{http.Header{"X-Github-Event": {"pull_request"}}, `{"action":"opened","number":1}`, "pull_request.opened"},
		{http.Header{"X-Github-Event": {"push"}}, `{"ref":"refs/heads/main"}`, "push"},
		{http.Header{"X-Github-Event": {"ping"}}, `{"zen":"x","type":"Repository"}`, "ping"},
		{http.Header{"X-Github-Event": {"push"}}, `not json`, "push"},
		{http.Header{"X-Shopify-Topic": {"orders/create"}}, `{"id":1}`, "orders/create"},
		{http.Header{"X-Shopify-Topic": {"orders/create"}}, `{"type":"payment.succeeded"}`, "payment.succeeded"},
	} {
		if m := eventMeta(tc.h, []byte(tc.body), "", ""); m.typ != tc.want {
			t.Errorf("%v %s: type %q, want %q", tc.h, tc.body, m.typ, tc.want)
		}
	}
}
