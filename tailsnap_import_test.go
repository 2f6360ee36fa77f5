//go:build !windows

package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestTailsnapImportBelowCursor: store import keeps a delivery's position
// in the log (its seq) from the dump; a dump restored, or another store's,
// held deliveries at positions below the newest delivery's, free here,
// and the import put them there: below the cursor of a running tail,
// which never printed them (SQLite: tail reads after its cursor only;
// PostgreSQL: its gaps and late window re-read only the 10,000 positions
// below its cursor). Now an import appends to the log as a trigger does
// (a delivery keeps its seq only above every stored one's), and on
// PostgreSQL tail reads what committed below its cursor by transaction,
// however far below: the imported delivery is printed, once, and so is
// the trigger after it.
func TestTailsnapImportBelowCursor(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			c := newCrashEnv(t)
			if backend == "postgres" {
				c = pgEnv(t, pgtest.URL(t))
			}
			event := func(id, typ string) string {
				return `{"event":{"ID":"` + id + `","Type":"` + typ + `","Provider":"bond","Payload":"e30=","ContentType":"application/json","Source":"triggered","CreatedAt":"2026-01-02T03:00:00Z"}}`
			}
			delivery := func(id, evt, seq string) string {
				return `{"delivery":{"ID":"` + id + `","Seq":` + seq + `,"EventID":"` + evt + `","URL":"http://127.0.0.1:9/hook","Status":"failed","AttemptCount":0,"MaxAttempts":1,"Schedule":"0s","CreatedAt":"2026-01-02T03:00:00Z","UpdatedAt":"2026-01-02T03:00:00Z"}}`
			}
			write := func(name string, lines ...string) string {
				p := filepath.Join(c.dir, name)
				if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}
			// The log's newest positions are 20000 and 20001 (a dump's).
			c.hookctl(0, "store", "import", write("first.jsonl", event("evt_first", "card.first"),
				delivery("d0000000-0000-4000-8000-000000020000", "evt_first", "20000"),
				delivery("d0000000-0000-4000-8000-000000020001", "evt_first", "20001")))
			p := startTail(c, "--lines", "0", "--interval", "20ms")
			p.waitFor("the tail following", func() bool { return strings.Contains(p.errb.String(), "Following the delivery log") })
			// Another dump's delivery at position 2: 19,999 below the cursor.
			c.hookctl(0, "store", "import", write("below.jsonl", event("evt_below", "card.imported"),
				delivery("d0000000-0000-4000-8000-000000000002", "evt_below", "2")))
			app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
			defer app.Close()
			c.hookctl(0, "trigger", "card.status.closed", "--url", app.URL+"/after")
			p.waitFor("the imported delivery and the trigger's", func() bool {
				out := p.out.String()
				return strings.Contains(out, "--> card.imported") && strings.Contains(out, "--> card.status.closed")
			})
			out := p.stop(syscall.SIGINT)
			if n := strings.Count(out, "--> card.imported"); n != 1 {
				t.Errorf("the imported delivery printed %d times, want once:\n%s", n, out)
			}
			if n := strings.Count(out, "--> "); n != 2 {
				t.Errorf("%d deliveries printed, want 2:\n%s", n, out)
			}
		})
	}
}
