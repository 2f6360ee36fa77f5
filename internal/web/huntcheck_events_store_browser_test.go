package web_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/store"
)

// TestHuntcheckBrowserEventsPageSaysStoreMigrated: the events page open
// while a newer hookctl migrates the store under the inspector stops
// saying "live": its indicator says it waits for the store, and its
// title why (migrated to schema N by a newer hookctl), as the live log
// says it. Its stream dropped every failed read silently: the page
// said "live" over rows nothing could update any more. Put back, the
// page is live again and says so.
func TestHuntcheckBrowserEventsPageSaysStoreMigrated(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	e.waitDelivery(t, e.trigger(t).Deliveries[0].ID, 1)
	loc, ok := e.st.(store.Locator)
	if !ok {
		t.Skip("the store does not say where it is")
	}
	_, latest, err := e.st.(store.Migrator).SchemaVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, path)
	do(t, b, 10*sec, chromedp.Navigate(e.url+"/events"), chromedp.WaitVisible(`tr[data-testid="event-row"]`))
	get(t, b, chromedp.Poll[bool](`document.getElementById("live").className.indexOf(" on") >= 0`, chromedp.WithPollingTimeout(10*time.Second)))
	db, err := sql.Open("sqlite", loc.Location())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf("ALTER TABLE events RENAME COLUMN verdict TO verdict_new; PRAGMA user_version = %d", latest+1)); err != nil {
		t.Fatal(err)
	}
	get(t, b, chromedp.Poll[bool](`document.getElementById("live").className.indexOf(" down") >= 0`, chromedp.WithPollingTimeout(15*time.Second)))
	text := get(t, b, chromedp.Evaluate[string](`document.getElementById("live").textContent + " | " + document.getElementById("live").title`))
	if want := fmt.Sprintf("was migrated to schema %d by a newer hookctl", latest+1); !strings.Contains(text, "waiting for the store") || !strings.Contains(text, want) {
		t.Errorf("the events page's indicator says %q, want it waiting for the store and saying %q", text, want)
	}
	// Put back: the page is live again, and says the store is back.
	if _, err := db.Exec(fmt.Sprintf("ALTER TABLE events RENAME COLUMN verdict_new TO verdict; PRAGMA user_version = %d", latest)); err != nil {
		t.Fatal(err)
	}
	get(t, b, chromedp.Poll[bool](`document.getElementById("live").className.indexOf(" on") >= 0 && document.getElementById("live").title.indexOf("the store is back") == 0`,
		chromedp.WithPollingTimeout(15*time.Second)))
}
