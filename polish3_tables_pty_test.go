//go:build !windows

package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/check"
)

// polish3Lines is a terminal's output as lines, without the pty's \r.
func polish3Lines(out string) []string {
	return strings.Split(strings.TrimRight(strings.ReplaceAll(out, "\r", ""), "\n"), "\n")
}

// check's table on a 60- and a 40-column terminal: no line wraps, and
// each check's name and verdict are whole (check --only takes the name);
// EVIDENCE is cut at 60 and left out at 40, the hints below say what
// failed. Before, the table had no drop list: at 60 the names were cut
// ("rejects-missing-signatu…"), at 40 nothing fitted, so nothing was cut
// and every row wrapped.
func TestPolish3CheckTableFits(t *testing.T) {
	t.Parallel()
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	}))
	defer app.Close()
	e := newPTYEnv(t)
	for _, cols := range []int{60, 40} {
		e.cols = uint16(cols)
		r := e.pty([]string{"NO_COLOR=1"}, "check", app.URL, "--scheme", "standard", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
		if r.code != 1 {
			t.Fatalf("%d columns: exit %d, want 1 (the receiver verifies nothing)\n%s", cols, r.code, r.out)
		}
		t.Logf("%d columns:\n%s", cols, r.out)
		lines := polish3Lines(r.out)
		linesFit(t, lines, cols)
		head := -1
		for i, l := range lines {
			if strings.HasPrefix(l, "CHECK ") {
				head = i
			}
		}
		if head < 0 {
			t.Fatalf("%d columns: no table header:\n%s", cols, r.out)
		}
		if has := strings.Contains(lines[head], "EVIDENCE"); has != (cols == 60) {
			t.Errorf("%d columns: header %q: want EVIDENCE at 60 only", cols, lines[head])
		}
		rows := map[string]string{}
		for _, l := range lines[head+1:] {
			f := strings.Fields(l)
			if len(f) < 2 || !strings.Contains(f[0], "-") || strings.HasSuffix(f[0], ":") {
				break
			}
			rows[f[0]] = f[1]
		}
		for _, d := range check.Defs {
			v, ok := rows[d.ID]
			if !ok {
				t.Errorf("%d columns: no row named %s (whole)\n%s", cols, d.ID, r.out)
				continue
			}
			if v != "PASS" && v != "FAIL" && v != "WARN" && v != "SKIP" {
				t.Errorf("%d columns: %s's verdict %q\n%s", cols, d.ID, v, r.out)
			}
		}
		if rows[check.RejectsWrongSecret] != "FAIL" || rows[check.AcceptsValid] != "PASS" {
			t.Errorf("%d columns: verdicts %v", cols, rows)
		}
	}
}

// replay --dry-run's table at 60 and 40 columns: no line wraps; the ids
// are prefixes unique among the rows (two share 8 characters), the
// status and where it would go are there; ATTEMPTS gives way first, then
// the event type is cut, then left out (at 40). Before: every id whole
// (36 characters), no drop list, every row wrapped at both widths.
// Piped: whole ids, every column, as before.
func TestPolish3ReplayDryRunTableFits(t *testing.T) {
	t.Parallel()
	e := tablefitEnv(t)
	ids := map[string]string{
		"9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a": "succeeded",
		"9f8e7d6c-a1b2-4c3d-8e4f-5a6b7c8d9e0f": "failed",
		"1a2b3c4d-5e6f-4071-8293-a4b5c6d7e8f9": "succeeded",
	}
	args := []string{"replay", "9f8e7d6c-5", "9f8e7d6c-a", "1a2b3c4d", "--force", "--dry-run"}
	for _, cols := range []int{60, 40} {
		e.cols = uint16(cols)
		r := e.pty([]string{"NO_COLOR=1"}, args...)
		if r.code != 0 {
			t.Fatalf("%d columns: exit %d\n%s", cols, r.code, r.out)
		}
		t.Logf("%d columns:\n%s", cols, r.out)
		lines := polish3Lines(r.out)
		linesFit(t, lines, cols)
		var table []string
		for _, l := range lines {
			if strings.HasPrefix(l, "Dry run:") {
				break // stderr's line (wrapped) follows the table
			}
			table = append(table, l)
		}
		header, rows := tablefitCells(t, strings.Join(table, "\n")+"\n")
		for _, h := range []string{"ID", "STATUS", "URL"} {
			if !strings.Contains(" "+strings.Join(header, " ")+" ", " "+h+" ") {
				t.Errorf("%d columns: no %s column: %q", cols, h, header)
			}
		}
		if len(rows) != 3 {
			t.Fatalf("%d columns: %d rows, want 3\n%s", cols, len(rows), r.out)
		}
		seen := map[string]bool{}
		for _, row := range rows {
			var full string
			for id := range ids {
				if strings.HasPrefix(id, row["ID"]) {
					if full != "" {
						t.Errorf("%d columns: id %q names two deliveries", cols, row["ID"])
					}
					full = id
				}
			}
			if full == "" || len(row["ID"]) < 8 {
				t.Errorf("%d columns: id %q is no delivery's prefix (8 or more)", cols, row["ID"])
				continue
			}
			seen[full] = true
			if row["STATUS"] != ids[full] {
				t.Errorf("%d columns: %s's status %q, want %q", cols, full, row["STATUS"], ids[full])
			}
			if u := strings.TrimSuffix(row["URL"], "…"); len(u) < 16 || !strings.HasPrefix("http://localhost:3000/webhooks", u) && !strings.HasPrefix("https://example.com/hooks/kyc", u) {
				t.Errorf("%d columns: %s's URL cell %q", cols, full, row["URL"])
			}
		}
		if len(seen) != 3 {
			t.Errorf("%d columns: rows name %d deliveries, want 3", cols, len(seen))
		}
	}
	out := e.plain(args...)
	for id := range ids {
		if !strings.Contains(out, id+"\t") {
			t.Errorf("piped: no whole id %s:\n%s", id, out)
		}
	}
	if n := strings.Count(strings.SplitN(out, "\n", 2)[0], "\t"); n != 4 {
		t.Errorf("piped: %d tabs in a row, want 4 (5 columns): %q", n, out)
	}
}
