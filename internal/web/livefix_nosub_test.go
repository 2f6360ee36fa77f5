package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

// TestLogFilterDeletedSubscription: the log filtered by a subscription
// that was deleted (an old link, a bookmarked filter) says so instead of
// "No deliveries match these filters": its deliveries stay in the log,
// without it, so none ever matches. One that exists is filtered as
// before, by a prefix too.
func TestLogFilterDeletedSubscription(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	ctx := context.Background()
	var ids []string
	for range 2 {
		sub := &store.Subscription{CallbackURL: "http://127.0.0.1:9/x", Events: []string{"*"}, Status: store.StatusEnabled,
			Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "auto"}
		if err := st.CreateSubscription(ctx, sub); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, sub.ID)
	}
	if err := st.DeleteSubscription(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		query string
		said  bool
	}{
		{"subscription=" + ids[0], true},
		{"subscription=" + ids[1], false},
		{"subscription=" + ids[1][:8], false},
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/?"+c.query, nil)
		code, body, _ := send(t, req)
		said := strings.Contains(body, `data-testid="filter-error">no subscription &#34;`) && strings.Contains(body, "never made, or deleted before any delivery")
		if code != 200 || said != c.said {
			t.Errorf("/?%s: %d, says no subscription %v, want %v", c.query, code, said, c.said)
		}
	}
}
