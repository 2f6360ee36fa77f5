package svix_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/testutil/eventreads"
)

// deliveryReads counts, over eventreads' event reads, the store's
// delivery lists.
type deliveryReads struct {
	*eventreads.Store
	lists atomic.Int64
}

func (s *deliveryReads) ListDeliveries(ctx context.Context, f store.DeliveryFilter) ([]*store.Delivery, error) {
	s.lists.Add(1)
	return s.Store.ListDeliveries(ctx, f)
}

// GET …/endpoint/{id}/msg/ reads a page's messages and their deliveries
// to the endpoint in a bounded number of queries, not two per message
// (it asked for each message's deliveries and then the message), and
// lists what it listed before: each message once, newest first, with its
// latest delivery's status.
func TestEndpointMessagesReadAPageInBoundedQueries(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	cs := &deliveryReads{Store: &eventreads.Store{Store: st}}
	e := servetest.StartWith(t, cs, func(o *serve.Options) { o.NoWorker = true })
	if code, body := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": "a", "uid": "a"}); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	code, body := e.Do("POST", "/api/v1/app/a/endpoint", bearer, map[string]any{"url": e.Recv.URL})
	if code != 201 {
		t.Fatalf("endpoint: %d %s", code, body)
	}
	ep := servetest.JSON(t, body)["id"].(string)
	var msgs []string
	for i := 0; i < 30; i++ {
		code, body := e.Do("POST", "/api/v1/app/a/msg", bearer, map[string]any{"eventType": []string{"order.created", "order.paid"}[i%2], "payload": map[string]any{"n": i}})
		if code != 202 {
			t.Fatalf("msg: %d %s", code, body)
		}
		msgs = append(msgs, servetest.JSON(t, body)["id"].(string))
	}
	// A second delivery of two messages (resent): still listed once each.
	for _, m := range []string{msgs[29], msgs[20]} {
		if code, body := e.Do("POST", "/api/v1/app/a/msg/"+m+"/endpoint/"+ep+"/resend", bearer, nil); code != 202 {
			t.Fatalf("resend: %d %s", code, body)
		}
	}
	slices.Reverse(msgs) // newest first
	for _, tc := range []struct {
		query        string
		want         []string
		lists, pages int64 // at most: delivery lists, store pages
	}{
		// The page (one store page: limit+1 rows), then its deliveries.
		{"?limit=20", msgs[:20], 2, 1},
		// The iterator's message's deliveries first.
		{"?limit=20&iterator=" + msgs[19], msgs[20:], 3, 1},
		// The filter keeps half the rows: two store pages of 6.
		{"?limit=5&event_types=order.paid", []string{msgs[0], msgs[2], msgs[4], msgs[6], msgs[8]}, 4, 2},
	} {
		cs.One, cs.Many = 0, 0
		cs.lists.Store(0)
		code, body := e.Do("GET", "/api/v1/app/a/endpoint/"+ep+"/msg"+tc.query, bearer, nil)
		if code != 200 {
			t.Fatalf("%s: %d %s", tc.query, code, body)
		}
		var got []string
		for _, m := range servetest.JSON(t, body)["data"].([]any) {
			m := m.(map[string]any)
			if m["status"] != float64(1) || m["statusText"] != "pending" {
				t.Errorf("%s: %s is %v %v, want pending", tc.query, m["id"], m["status"], m["statusText"])
			}
			got = append(got, m["id"].(string))
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: %v\nwant %v", tc.query, got, tc.want)
		}
		// Each store page's events in one read.
		if lists := cs.lists.Load(); cs.One > 0 || int64(cs.Many) > tc.pages || lists > tc.lists {
			t.Errorf("%s: %d delivery lists, %d single and %d batched event reads for %d messages", tc.query, lists, cs.One, cs.Many, len(got))
		}
	}
}
