//go:build !windows

package main

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestTailfixSaysReplaysLostSQLite: a tail stopped (SIGSTOP) while more
// than the requeue log keeps (store.RequeueLogKeep) was appended to it
// says, once resumed, on stderr how many replays it could not show — with
// -o json too, stdout staying JSON lines — and shows the replay made
// after, still in the log. Before, it said nothing of the replay it
// left out.
func TestTailfixSaysReplaysLostSQLite(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	testTailfixSaysReplaysLost(t, c, func(n int) {
		db, err := sql.Open("sqlite", "file:"+filepath.Join(c.dir, "hookctl.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			INSERT INTO requeues (delivery_id, attempts) SELECT 'x', 0 FROM n`, n); err != nil {
			t.Fatal(err)
		}
	}, "2")
}

// TestTailfixSaysReplaysLostPostgres is the same on PostgreSQL, where the
// count is an upper bound ("up to 2": see TestTailsigLostCountUpToPostgres).
func TestTailfixSaysReplaysLostPostgres(t *testing.T) {
	t.Parallel()
	u := pgtest.URL(t)
	testTailfixSaysReplaysLost(t, pgEnv(t, u), func(n int) {
		conn, err := pgx.Connect(t.Context(), u)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(t.Context())
		if _, err := conn.Exec(t.Context(), `INSERT INTO requeues (delivery_id, attempts) SELECT 'x', 0 FROM generate_series(1, $1)`, n); err != nil {
			t.Fatal(err)
		}
	}, "up to 2")
}

// testTailfixSaysReplaysLost: fill appends n entries to the requeue log
// (other replays, of a delivery that does not exist); count is how the
// warning counts the 2 replays lost.
func testTailfixSaysReplaysLost(t *testing.T, c *crashEnv, fill func(n int), count string) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	t.Cleanup(app.Close)
	c.hookctl(0, "subscribe", "--url", app.URL+"/hook", "--events", "card.*")
	c.hookctl(0, "trigger", "card.created")
	var ls []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(c.hookctl(0, "deliveries", "list", "-o", "json"), &ls); err != nil || len(ls) != 1 {
		t.Fatalf("deliveries list: %v %v", ls, err)
	}
	id := ls[0].ID
	text := startTail(c, "--lines", "0", "--interval", "10ms")
	js := startTail(c, "--lines", "0", "--interval", "10ms", "-o", "json")
	for _, p := range []*tailProc{text, js} {
		if err := p.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
	}
	// Replayed (its entry), then the log filled: the next replay prunes
	// that entry and the first filler.
	c.hookctl(0, "replay", id, "--force")
	fill(store.RequeueLogKeep)
	c.hookctl(0, "replay", id, "--force")
	for _, p := range []*tailProc{text, js} {
		if err := p.cmd.Process.Signal(syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
	}
	warning := "hookctl: warning: " + count + " replays were made while tail was more than 100000 replays behind, and the store no longer notes them: " +
		"their attempts may be missing here; hookctl deliveries list --status failed (or --status pending) shows where deliveries stand\n"
	for _, p := range []*tailProc{text, js} {
		p.waitFor("the replay still in the log", func() bool { return len(p.lines()) >= 1 })
		p.waitFor("the warning", func() bool { return strings.Contains(p.errb.String(), warning) })
		p.cmd.Process.Signal(syscall.SIGINT)
		if err := <-p.done; err != nil {
			t.Errorf("tail after SIGINT: %v", err)
		}
		if n := strings.Count(p.errb.String(), "hookctl: warning:"); n != 1 {
			t.Errorf("%d warnings, want 1:\n%s", n, p.errb.String())
		}
	}
	if lines := text.lines(); len(lines) != 1 || !regexp.MustCompile(`  <-- \[200\] POST \S+/hook \(.+\) attempt 3/3 succeeded  card\.created`).MatchString(lines[0]) {
		t.Errorf("text tail printed:\n%s\nwant the second replay's attempt (3/3) only", text.out.String())
	}
	var a struct {
		Type   string `json:"type"`
		Number int    `json:"number"`
	}
	if lines := js.lines(); len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &a) != nil || a.Type != "attempt" || a.Number != 3 {
		t.Errorf("-o json tail printed:\n%s\nwant the second replay's attempt (number 3) only", js.out.String())
	}
}
