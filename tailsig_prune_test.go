//go:build !windows

package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestTailsigImportAfterPruneSQLite: once store prune deleted the newest
// deliveries, SQLite gives their positions in the log to the next ones,
// and tail found where those start by creation time: the first delivery
// created after the one at its cursor. Deliveries whose creation times do
// not follow their positions — here imported from another store's dump,
// made before the one at the cursor; also another writer's clock, or one
// that waited for the write lock — were not printed. It now goes by the
// IDs it read: every delivery above the newest one still there that it
// read is new. The tail is stopped (SIGSTOP) from before the prune until
// the import and a trigger after it are done, so that it finds them all
// at once whatever its timing. before is how many deliveries the log had:
// 4, one more than made after the prune (before, the two imported ones
// were missed); 3, as many (before, all three were missed: the newest
// was at the cursor's position, another delivery than the one read
// there).
func TestTailsigImportAfterPruneSQLite(t *testing.T) {
	t.Parallel()
	for _, before := range []int{4, 3} {
		t.Run(fmt.Sprint(before), func(t *testing.T) {
			c := newCrashEnv(t)
			app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
			t.Cleanup(app.Close)
			// Another store's two deliveries, made first: older than
			// any below.
			other := filepath.Join(c.dir, "other.db")
			c.hookctl(0, "--store", other, "trigger", "card.status.active", "--url", app.URL+"/other")
			c.hookctl(0, "--store", other, "trigger", "card.status.active", "--url", app.URL+"/other")
			dump := c.hookctl(0, "--store", other, "store", "export")
			if err := os.WriteFile(filepath.Join(c.dir, "other.dump"), dump, 0o600); err != nil {
				t.Fatal(err)
			}
			c.hookctl(0, "subscribe", "--url", app.URL+"/hook", "--events", "card.*")
			for range before {
				c.hookctl(0, "trigger", "card.created")
			}
			p := startTail(c, "--lines", "0", "--interval", "20ms")
			p.waitFor("the tail following", func() bool { return strings.Contains(p.errb.String(), "Following the delivery log") })
			if err := p.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
				t.Fatal(err)
			}
			c.hookctl(0, "store", "prune", "--older-than", "0", "--yes")
			c.hookctl(0, "store", "import", filepath.Join(c.dir, "other.dump"))
			c.hookctl(0, "trigger", "card.status.closed")
			if err := p.cmd.Process.Signal(syscall.SIGCONT); err != nil {
				t.Fatal(err)
			}
			p.waitFor("the two imported deliveries and the one made after", func() bool {
				out := p.out.String()
				return strings.Count(out, "--> card.status.active") >= 2 && strings.Contains(out, "--> card.status.closed")
			})
			out := p.stop(syscall.SIGINT)
			if n := strings.Count(out, "--> card.status.active"); n != 2 {
				t.Errorf("%d imported deliveries printed, want 2:\n%s", n, out)
			}
			if n := strings.Count(out, "--> "); n != 3 {
				t.Errorf("%d deliveries printed, want 3:\n%s", n, out)
			}
		})
	}
}
