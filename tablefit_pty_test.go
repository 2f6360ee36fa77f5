//go:build !windows

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// tablefitDump is a store a newcomer has after a few triggers: URLs of an
// ordinary length, ids two of which share their first 8 characters (a
// prefix of 8 would name neither).
const tablefitDump = `{"subscription":{"ID":"5b1d0e3a-8c2f-4a51-9d0e-1f2a3b4c5d6e","CallbackURL":"http://localhost:3000/webhooks","Events":["card.*"],"Description":"cards","Status":"enabled","Secret":"whsec_ZM5U4rtOp4/hfKrCFE1CyVfGJU2vYPh/0kItRwFx5r8=","Scheme":"auto","CreatedAt":"2020-01-02T03:04:05Z","UpdatedAt":"2020-01-02T03:04:05Z"}}
{"subscription":{"ID":"5b1d0e3a-9e7d-4c3b-8a1f-6e5d4c3b2a19","CallbackURL":"https://example.com/hooks/kyc","Events":["kyc.verification.success"],"Description":"kyc","Status":"disabled","Secret":"whsec_P3kc4+Ja9VoIEDOZLWkK0IAqmYdJ7k3n1R8DnpqKWgY=","Scheme":"auto","CreatedAt":"2020-01-02T03:04:05Z","UpdatedAt":"2020-01-02T03:04:05Z"}}
{"event":{"ID":"7c9e6679-7425-40de-944b-e07fc1f90ae7","Type":"card.created","Provider":"bond","Payload":"e30=","ContentType":"application/json","Source":"triggered","CreatedAt":"2020-01-02T03:04:05Z"}}
{"event":{"ID":"7c9e6679-1d3a-4b2c-9e8f-0a1b2c3d4e5f","Type":"kyc.verification.success","Provider":"bond","Payload":"e30=","ContentType":"application/json","Source":"triggered","CreatedAt":"2020-01-02T03:05:05Z"}}
{"event":{"ID":"e2a4c6d8-0f1e-4d3c-8b5a-697887766554","Type":"card.updated","Provider":"bond","Payload":"e30=","ContentType":"application/json","Source":"triggered","CreatedAt":"2020-01-02T03:06:05Z"}}
{"delivery":{"ID":"9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a","EventID":"7c9e6679-7425-40de-944b-e07fc1f90ae7","SubscriptionID":"5b1d0e3a-8c2f-4a51-9d0e-1f2a3b4c5d6e","URL":"http://localhost:3000/webhooks","Status":"succeeded","AttemptCount":1,"MaxAttempts":5,"LastStatus":200,"Schedule":"0s","CreatedAt":"2020-01-02T03:04:05Z","UpdatedAt":"2020-01-02T03:04:05Z"}}
{"delivery":{"ID":"9f8e7d6c-a1b2-4c3d-8e4f-5a6b7c8d9e0f","EventID":"7c9e6679-1d3a-4b2c-9e8f-0a1b2c3d4e5f","SubscriptionID":"5b1d0e3a-9e7d-4c3b-8a1f-6e5d4c3b2a19","URL":"https://example.com/hooks/kyc","Status":"failed","AttemptCount":5,"MaxAttempts":5,"LastStatus":500,"Schedule":"0s","CreatedAt":"2020-01-02T03:05:05Z","UpdatedAt":"2020-01-02T03:05:05Z"}}
{"delivery":{"ID":"1a2b3c4d-5e6f-4071-8293-a4b5c6d7e8f9","EventID":"e2a4c6d8-0f1e-4d3c-8b5a-697887766554","SubscriptionID":"5b1d0e3a-8c2f-4a51-9d0e-1f2a3b4c5d6e","URL":"http://localhost:3000/webhooks","Status":"succeeded","AttemptCount":1,"MaxAttempts":5,"LastStatus":200,"Schedule":"0s","CreatedAt":"2020-01-02T03:06:05Z","UpdatedAt":"2020-01-02T03:06:05Z"}}
`

func tablefitEnv(t *testing.T) *ptyEnv {
	t.Helper()
	e := newPTYEnv(t)
	dump := filepath.Join(e.dir, "dump.jsonl")
	if err := os.WriteFile(dump, []byte(tablefitDump), 0o600); err != nil {
		t.Fatal(err)
	}
	e.plain("store", "import", dump)
	return e
}

// tablefitCells reads a terminal table (NO_COLOR) into its header and, for
// each row, header → cell, by the header cells' columns.
func tablefitCells(t *testing.T, out string) (header []string, rows []map[string]string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	head := []rune(lines[0])
	var starts []int
	for i := range head {
		if head[i] != ' ' && (i == 0 || i >= 2 && head[i-1] == ' ' && head[i-2] == ' ') {
			starts = append(starts, i)
		}
	}
	cut := func(line []rune, k int) string {
		from, to := starts[k], len(line)
		if k+1 < len(starts) {
			to = min(starts[k+1], len(line))
		}
		if from >= len(line) {
			return ""
		}
		return strings.TrimSpace(string(line[from:to]))
	}
	for k := range starts {
		header = append(header, cut(head, k))
	}
	for _, l := range lines[1:] {
		row := map[string]string{}
		for k, h := range header {
			row[h] = cut([]rune(l), k)
		}
		rows = append(rows, row)
	}
	return header, rows
}

// tablefitCheck checks a list on a terminal cols wide: every line fits
// (no row wraps), the whole columns (whole: the id, the status) are
// there and whole, each id a prefix of its row's id that no other row's
// id shares, and each primary cell that is not whole is cut with an
// ellipsis to no less than 16 characters.
func tablefitCheck(t *testing.T, out string, cols int, ids map[string]string, whole []string, primary map[string][]string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	linesFit(t, lines, cols)
	header, rows := tablefitCells(t, out)
	for _, h := range append(append([]string{}, whole...), tablefitKeys(primary)...) {
		if !strings.Contains(" "+strings.Join(header, " ")+" ", " "+h+" ") {
			t.Errorf("%d columns: no %s column: header %q\n%s", cols, h, header, out)
		}
	}
	if len(rows) != len(ids) {
		t.Fatalf("%d columns: %d rows, want %d (a row wrapped?)\n%s", cols, len(rows), len(ids), out)
	}
	for _, row := range rows {
		full := ""
		for id := range ids {
			if row["ID"] != "" && strings.HasPrefix(id, row["ID"]) {
				if full != "" {
					t.Errorf("%d columns: id %q is a prefix of two rows' ids (%s, %s)\n%s", cols, row["ID"], full, id, out)
				}
				full = id
			}
		}
		if full == "" {
			t.Errorf("%d columns: id cell %q is no row's id\n%s", cols, row["ID"], out)
			continue
		}
		if want := ids[full]; row["STATUS"] != "" && want != "" && row["STATUS"] != want {
			t.Errorf("%d columns: %s's STATUS %q, want %q\n%s", cols, full, row["STATUS"], want, out)
		}
		for h, values := range primary {
			got, ok := row[h]
			if !ok {
				continue
			}
			whole := false
			for _, v := range values {
				if got == v {
					whole = true
				}
			}
			if whole {
				continue
			}
			cutOK := false
			if p, found := strings.CutSuffix(got, "…"); found && utf8.RuneCountInString(got) >= 16 {
				for _, v := range values {
					cutOK = cutOK || strings.HasPrefix(v, p)
				}
			}
			if !cutOK {
				t.Errorf("%d columns: %s cell %q of %s is neither whole nor cut to 16 or more with …\n%s", cols, h, got, full, out)
			}
		}
	}
}

func tablefitKeys(m map[string][]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// On an 80- and a 60-column terminal, deliveries list keeps its id, event
// type, status and URL whole (at 60 a long URL or type is cut to no less
// than 16 with …): SOURCE, CREATED, ATTEMPTS and LAST give way first.
// Before, at 80 the EVENT and URL cells were cut to 8 ("card.cr…",
// "http://l…") while SOURCE and CREATED kept their width, and at 60 the
// fitter's floors did not fit, so nothing was cut and every row wrapped.
// The ids shown are prefixes unique among the rows (two ids here share
// 8 characters: 8 of them named neither), and deliveries show takes one.
func TestTablefitDeliveriesListPrimaryColumns(t *testing.T) {
	t.Parallel()
	e := tablefitEnv(t)
	ids := map[string]string{
		"9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a": "succeeded",
		"9f8e7d6c-a1b2-4c3d-8e4f-5a6b7c8d9e0f": "failed",
		"1a2b3c4d-5e6f-4071-8293-a4b5c6d7e8f9": "succeeded",
	}
	primary := map[string][]string{
		"EVENT": {"card.created", "kyc.verification.success", "card.updated"},
		"URL":   {"http://localhost:3000/webhooks", "https://example.com/hooks/kyc"},
	}
	for _, cols := range []int{80, 60} {
		e.cols = uint16(cols)
		r := e.pty([]string{"NO_COLOR=1"}, "deliveries", "list")
		if r.code != 0 {
			t.Fatalf("%d columns: exit %d\n%s", cols, r.code, r.out)
		}
		t.Logf("%d columns:\n%s", cols, r.out)
		tablefitCheck(t, r.out, cols, ids, []string{"ID", "STATUS"}, primary)
		if cols == 80 && (!strings.Contains(r.out, "kyc.verification.success") || !strings.Contains(r.out, "card.created")) {
			t.Errorf("%d columns: an event type was cut\n%s", cols, r.out)
		}
		if cols == 80 && !strings.Contains(r.out, "http://localhost:3000/webhooks") {
			t.Errorf("80 columns: the URL was cut\n%s", r.out)
		}
	}
	// The short id is one deliveries show takes.
	e.cols = 80
	r := e.pty([]string{"NO_COLOR=1"}, "deliveries", "list")
	_, rows := tablefitCells(t, r.out)
	for _, row := range rows {
		s := e.pty([]string{"NO_COLOR=1"}, "deliveries", "show", row["ID"])
		if s.code != 0 || !strings.Contains(s.out, row["ID"]) {
			t.Errorf("deliveries show %s: exit %d\n%s", row["ID"], s.code, s.out)
		}
	}
	// Piped, every column and the whole id, as before.
	out := e.plain("deliveries", "list")
	for id := range ids {
		if !strings.Contains(out, id+"\t") {
			t.Errorf("piped: no whole id %s:\n%s", id, out)
		}
	}
	if n := strings.Count(strings.SplitN(out, "\n", 2)[0], "\t"); n != 7 {
		t.Errorf("piped: %d tabs in a row, want 7 (8 columns): %q", n, out)
	}
}

// subscriptions list at 80 and 60 columns: the id, URL, events and status
// stay whole (at 60 the URL and events are cut to no less than 16); the
// masked SECRET, CREATED and DESCRIPTION give way first. Before, at 80
// the URLs were cut to 8 characters, and at 60 every row wrapped.
func TestTablefitSubscriptionsListPrimaryColumns(t *testing.T) {
	t.Parallel()
	e := tablefitEnv(t)
	ids := map[string]string{
		"5b1d0e3a-8c2f-4a51-9d0e-1f2a3b4c5d6e": "enabled",
		"5b1d0e3a-9e7d-4c3b-8a1f-6e5d4c3b2a19": "disabled",
	}
	primary := map[string][]string{
		"URL":    {"http://localhost:3000/webhooks", "https://example.com/hooks/kyc"},
		"EVENTS": {"card.*", "kyc.verification.success"},
	}
	for _, cols := range []int{80, 60} {
		e.cols = uint16(cols)
		r := e.pty([]string{"NO_COLOR=1"}, "subscriptions", "list")
		if r.code != 0 {
			t.Fatalf("%d columns: exit %d\n%s", cols, r.code, r.out)
		}
		t.Logf("%d columns:\n%s", cols, r.out)
		tablefitCheck(t, r.out, cols, ids, []string{"ID", "STATUS"}, primary)
		if cols == 80 {
			for _, v := range append(primary["URL"], primary["EVENTS"]...) {
				if !strings.Contains(r.out, v) {
					t.Errorf("80 columns: %q was cut\n%s", v, r.out)
				}
			}
		}
	}
	e.cols = 80
	r := e.pty([]string{"NO_COLOR=1"}, "subscriptions", "list")
	_, rows := tablefitCells(t, r.out)
	for _, row := range rows {
		g := e.pty([]string{"NO_COLOR=1"}, "subscriptions", "get", row["ID"])
		if g.code != 0 || !strings.Contains(g.out, row["ID"]) {
			t.Errorf("subscriptions get %s: exit %d\n%s", row["ID"], g.code, g.out)
		}
	}
	out := e.plain("subscriptions", "list")
	for id := range ids {
		if !strings.Contains(out, id+"\t") {
			t.Errorf("piped: no whole id %s:\n%s", id, out)
		}
	}
}

// events log printed whole 36-character ids on a terminal, and at 80
// columns its rows wrapped. Its ids are now prefixes unique among the
// rows (events show takes one), and at 80 and 60 columns the id, type
// and deliveries stay whole while SOURCE, PROVIDER and CREATED give way.
// Piped, the ids are whole.
func TestTablefitEventsLog(t *testing.T) {
	t.Parallel()
	e := tablefitEnv(t)
	ids := map[string]string{
		"7c9e6679-7425-40de-944b-e07fc1f90ae7": "",
		"7c9e6679-1d3a-4b2c-9e8f-0a1b2c3d4e5f": "",
		"e2a4c6d8-0f1e-4d3c-8b5a-697887766554": "",
	}
	for _, cols := range []int{80, 60} {
		e.cols = uint16(cols)
		r := e.pty([]string{"NO_COLOR=1"}, "events", "log")
		if r.code != 0 {
			t.Fatalf("%d columns: exit %d\n%s", cols, r.code, r.out)
		}
		t.Logf("%d columns:\n%s", cols, r.out)
		tablefitCheck(t, r.out, cols, ids, []string{"ID"}, map[string][]string{
			"TYPE":       {"card.created", "kyc.verification.success", "card.updated"},
			"DELIVERIES": {"1 succeeded", "1 failed"},
		})
		for _, v := range []string{"kyc.verification.success", "1 succeeded", "1 failed"} {
			if !strings.Contains(r.out, v) {
				t.Errorf("%d columns: %q was cut\n%s", cols, v, r.out)
			}
		}
		if strings.Contains(r.out, "-40de-944b") {
			t.Errorf("%d columns: a whole id on a terminal\n%s", cols, r.out)
		}
	}
	e.cols = 80
	r := e.pty([]string{"NO_COLOR=1"}, "events", "log")
	_, rows := tablefitCells(t, r.out)
	for _, row := range rows {
		s := e.pty([]string{"NO_COLOR=1"}, "events", "show", row["ID"])
		if s.code != 0 || !strings.Contains(s.out, row["ID"]) {
			t.Errorf("events show %s: exit %d\n%s", row["ID"], s.code, s.out)
		}
	}
	out := e.plain("events", "log")
	for id := range ids {
		if !strings.Contains(out, id+"\t") {
			t.Errorf("piped: no whole id %s:\n%s", id, out)
		}
	}
}
