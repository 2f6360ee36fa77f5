package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/web"
)

// TestDetailNextRetryOnMachineAhead: on PostgreSQL a delivery's due time
// is on the server's clock; an inspector on a machine whose clock is 90
// minutes ahead says the retry is due in 2 hours (as deliveries show
// does: TestShowNextAttemptOnMachineAhead) and reloads the page then, not
// in 30 minutes; the overview's queue says so too.
func TestDetailNextRetryOnMachineAhead(t *testing.T) {
	t.Parallel()
	u := pgtest.URL(t)
	ctx := context.Background()
	db, err := postgres.OpenDB(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e := &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json", Source: store.SourceTriggered}
	d := &store.Delivery{URL: "http://127.0.0.1:1/hooks", MaxAttempts: 2, NextAttemptAt: time.Now().Add(2 * time.Hour)}
	if err := db.CreateEvent(ctx, e, []*store.Delivery{d}); err != nil {
		t.Fatal(err)
	}

	const skew = 90 * time.Minute
	aheadNow := func() time.Time { return time.Now().Add(skew) }
	ahead, err := postgres.OpenDB(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer ahead.Close()
	ahead.UseClock(aheadNow)
	srv := httptest.NewUnstartedServer(nil)
	h, err := web.New(web.Config{Store: ahead, Addr: srv.Listener.Addr().String(), Now: aheadNow})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	defer srv.Close()
	get := func(path string) string {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d\n%s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	inTwoHours := func(s string) bool { return strings.Contains(s, "in 2h0m0s") || strings.Contains(s, "in 1h59m59s") }

	page := get("/deliveries/" + d.ID)
	next := regexp.MustCompile(`data-testid="next-retry">([^<]*)<`).FindStringSubmatch(page)
	if next == nil || !inTwoHours(next[1]) {
		t.Errorf("next retry %q on a machine 90m ahead, want in 2h0m0s", next)
	}
	m := regexp.MustCompile(`data-refresh="(\d+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no data-refresh on the detail of a pending delivery:\n%s", page)
	}
	if ms, _ := strconv.ParseInt(m[1], 10, 64); time.Duration(ms)*time.Millisecond < 2*time.Hour-time.Minute {
		t.Errorf("the page reloads in %v on a machine 90m ahead, want about 2h (when the retry is due)", time.Duration(ms)*time.Millisecond)
	}

	over := get("/overview")
	when := regexp.MustCompile(`<td class="when">([^<]*)<`).FindStringSubmatch(over)
	if when == nil || !inTwoHours(when[1]) {
		t.Errorf("the overview's queue says %q on a machine 90m ahead, want in 2h0m0s", when)
	}
}
