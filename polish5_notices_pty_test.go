//go:build !windows

package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

// polish5Case is a failure path: prepare makes a store with the fault
// (a fresh one for each run: a run may change it), args hit it.
type polish5Case struct {
	name    string
	args    []string
	prepare func(t *testing.T) (e *ptyEnv, env []string)
	want    string // in the error or a hint
}

// polish5Fits fails the test for each line of out wider than cols,
// unless the line is one command to copy, kept whole (a command cut over
// two lines runs its first half when pasted), or one word longer than a
// line (a path): then it is alone on its line.
func polish5Fits(t *testing.T, what, out string, cols int) {
	t.Helper()
	for _, l := range polish3Lines(out) {
		if utf8.RuneCountInString(l) <= cols {
			continue
		}
		s := strings.Trim(strings.TrimSpace(l), `"()`)
		if strings.HasPrefix(s, "hookctl ") && !strings.HasPrefix(l, "hookctl: ") {
			continue // a command alone on its line
		}
		if strings.HasPrefix(l, "  ") && !strings.Contains(strings.TrimSpace(l), " ") {
			continue // a word longer than a line (a path) alone on its line, whole
		}
		t.Errorf("%s: a line %d wide on a %d-column terminal: %q\n%s", what, utf8.RuneCountInString(l), cols, l, out)
	}
}

// polish5WithStore is a store with one subscription, then fault(dir).
func polish5WithStore(fault func(t *testing.T, dir string)) func(t *testing.T) (*ptyEnv, []string) {
	return func(t *testing.T) (*ptyEnv, []string) {
		e := newPTYEnv(t)
		e.plain("subscribe", "--url", "http://127.0.0.1:9/hooks", "--events", "card.created")
		if fault != nil {
			fault(t, e.dir)
		}
		return e, nil
	}
}

// The errors and hints of failing commands on a 60- and an 80-column
// terminal are wrapped to it, between words (ids, flags, paths and the
// commands named whole); piped, each is still one line ("hookctl: …"),
// word for word the same. Before, they were printed one line each
// whatever the terminal (here: the store-locked hint 220 columns, the
// damaged store's 257, the disk-full error 366, config's valid keys
// 169, a bad --since 182), and the terminal broke them mid-word.
func TestPolish5NoticesWrapOnTerminal(t *testing.T) {
	t.Parallel()
	cases := []polish5Case{
		{name: "config key", args: []string{"config", "set", "nosuch", "1"}, want: "valid keys", prepare: polish5WithStore(nil)},
		{name: "since", args: []string{"events", "log", "--since", "yesterday"}, want: "RFC 3339", prepare: polish5WithStore(nil)},
		{name: "check provider", args: []string{"check", "http://127.0.0.1:1/hooks"}, want: "--provider", prepare: polish5WithStore(nil)},
		{name: "no store", args: []string{"subscriptions", "get", "x"}, want: "HOOKCTL_STORE",
			prepare: func(t *testing.T) (*ptyEnv, []string) { return newPTYEnv(t), nil }},
		{name: "damaged", args: []string{"subscribe", "--url", "http://127.0.0.1:9/b", "--events", "card.created"}, want: "hookctl store export --store",
			prepare: polish5WithStore(func(t *testing.T, dir string) {
				db := filepath.Join(dir, "hookctl.db")
				fi, err := os.Stat(db)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.Truncate(db, fi.Size()/2); err != nil {
					t.Fatal(err)
				}
			})},
		// The store locked by another process past the busy timeout
		// (10 s): the runs wait together.
		{name: "locked", args: []string{"subscribe", "--url", "http://127.0.0.1:9/b", "--events", "card.created"}, want: "another hookctl command",
			prepare: polish5WithStore(func(t *testing.T, dir string) {
				t.Cleanup(polish5Lock(t, filepath.Join(dir, "hookctl.db")))
			})},
	}
	// A full disk: the store on a small tmpfs (needs root, as the
	// disk-full tests do), filled by an import.
	if _, err := exec.LookPath("mount"); err == nil && os.Geteuid() == 0 {
		cases = append(cases, polish5Case{name: "disk full", args: []string{"store", "import", "big.jsonl"}, want: "free space on the disk", prepare: polish5DiskFull})
	} else {
		t.Log("disk full left out: mounting a tmpfs needs root")
	}

	var wg sync.WaitGroup
	for _, c := range cases {
		for _, cols := range []int{60, 80, 0} { // 0: piped
			e, env := c.prepare(t)
			e.cols = uint16(cols)
			env = append([]string{"NO_COLOR=1"}, env...)
			wg.Add(1)
			go func() {
				defer wg.Done()
				what := fmt.Sprintf("%s at %d columns", c.name, cols)
				var out string
				if cols == 0 {
					what = c.name + " piped"
					cmd := e.command(env, c.args...)
					var stderr bytes.Buffer
					cmd.Stderr = &stderr
					cmd.Run()
					out = stderr.String()
					for _, l := range polish3Lines(out) {
						if !strings.HasPrefix(l, "hookctl: ") {
							t.Errorf("%s: a line that is not a whole notice: %q\n%s", what, l, out)
						}
					}
				} else {
					p := e.pty(env, c.args...)
					if p.code == 0 {
						t.Errorf("%s: exit 0\n%s", what, p.out)
					}
					out = p.out
					polish5Fits(t, what, out, cols)
				}
				if !strings.Contains(out, "hookctl: error: ") || !strings.Contains(strings.Join(strings.Fields(out), " "), c.want) {
					t.Errorf("%s: want an error saying %q:\n%s", what, c.want, out)
				}
			}()
		}
	}
	wg.Wait()
}

// polish5Lock holds SQLite's write lock on the store at path (a write
// transaction left open, as a sqlite3 shell in one holds it) until the
// returned func is called.
func polish5Lock(t *testing.T, path string) func() {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`CREATE TABLE lock_holder (x)`); err != nil {
		t.Fatal(err)
	}
	return func() { tx.Rollback(); db.Close() }
}

// polish5DiskFull makes a store on a 2 MiB tmpfs with about 600 KiB
// left, and a dump of subscriptions too big for it (big.jsonl in the
// env's directory).
func polish5DiskFull(t *testing.T) (*ptyEnv, []string) {
	e := newPTYEnv(t)
	mnt := filepath.Join(e.dir, "mnt")
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Fatalf("cannot mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() })
	env := []string{"HOOKCTL_STORE=" + filepath.Join(mnt, "hookctl.db")}
	c := e.command(env, "subscribe", "--url", "http://127.0.0.1:9/a", "--events", "card.created")
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("subscribe: %v\n%s", err, out)
	}
	if out, err := exec.Command("dd", "if=/dev/zero", "of="+filepath.Join(mnt, "filler"), "bs=4k", "count=300").CombinedOutput(); err != nil {
		t.Fatalf("dd: %v %s", err, out)
	}
	var dump bytes.Buffer
	for i := range 3000 {
		line, _ := json.Marshal(map[string]any{"subscription": map[string]any{
			"ID": fmt.Sprintf("%08x-1111-4a51-9d0e-1f2a3b4c5d6e", i), "CallbackURL": fmt.Sprintf("http://127.0.0.1:9/%d/%s", i, strings.Repeat("x", 300)),
			"Events": []string{"card.*"}, "Status": "enabled", "Secret": "whsec_ZM5U4rtOp4/hfKrCFE1CyVfGJU2vYPh/0kItRwFx5r8=",
			"Scheme": "auto", "CreatedAt": "2020-01-02T03:04:05Z", "UpdatedAt": "2020-01-02T03:04:05Z"}})
		dump.Write(append(line, '\n'))
	}
	if err := os.WriteFile(filepath.Join(e.dir, "big.jsonl"), dump.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return e, env
}

// Other lines a terminal broke mid-word, at 60 and 80 columns: subscribe's
// "Keep the secret … Show it again with: hookctl subscriptions get <id>
// --reveal" (133 columns), subscriptions list's "No subscriptions.
// Create one with: …" (102), store prune's "Would delete …" (91), events
// show's header (100). Each fits now, the command in it whole (and it
// runs); piped, each is one line as before.
func TestPolish5LinesFit(t *testing.T) {
	t.Parallel()
	for _, cols := range []int{60, 80} {
		e := tablefitEnv(t)
		e.cols = uint16(cols)
		empty := newPTYEnv(t)
		empty.cols = uint16(cols)
		for _, tc := range []struct {
			e    *ptyEnv
			args []string
			want string // a command it prints, which must run ("" none)
			fits int    // the narrowest terminal it fits (subscribe's secret, whole, is 63 columns)
		}{
			{e, []string{"subscribe", "--url", "http://127.0.0.1:9/a", "--events", "card.created"}, `hookctl (subscriptions get \S+ --reveal)`, 80},
			{empty, []string{"subscriptions", "list"}, `hookctl (subscribe --url \S+ --events '\*')`, 60},
			{e, []string{"store", "prune", "--older-than", "0s", "--dry-run"}, "", 60},
			{e, []string{"events", "show", "card.created"}, "", 80}, // at 60 the JSON body does not fit
		} {
			// The default store of an empty HOME reads as empty.
			r := tc.e.pty([]string{"NO_COLOR=1", "HOOKCTL_STORE=" + map[bool]string{true: "", false: filepath.Join(tc.e.dir, "hookctl.db")}[tc.e == empty]}, tc.args...)
			what := fmt.Sprintf("%v at %d columns", tc.args, cols)
			if r.code != 0 {
				t.Fatalf("%s: exit %d\n%s", what, r.code, r.out)
			}
			if cols >= tc.fits {
				polish5Fits(t, what, r.out, cols)
			}
			if tc.want == "" {
				continue
			}
			m := regexp.MustCompile(`(?m)^\s*` + tc.want + `\s*$`).FindStringSubmatch(r.out)
			if m == nil {
				t.Errorf("%s: no line holding the whole command %s:\n%s", what, tc.want, r.out)
				continue
			}
			if tc.args[0] == "subscribe" {
				polish4Runs(t, tc.e, what, strings.ReplaceAll(m[1], "'", ""))
			}
		}
	}
	// Piped: one line each, as before.
	e := tablefitEnv(t)
	c := e.command(nil, "subscribe", "--url", "http://127.0.0.1:9/a", "--events", "card.created")
	var stderr bytes.Buffer
	c.Stderr = &stderr
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^Keep the secret: .* Show it again with: hookctl subscriptions get \S+ --reveal$`).MatchString(stderr.String()) {
		t.Errorf("subscribe piped: the reveal line is not one line:\n%s", stderr.String())
	}
	if out := e.plain("store", "prune", "--older-than", "0s", "--dry-run"); !regexp.MustCompile(`^Would delete .* UTC\.\n$`).MatchString(out) {
		t.Errorf("store prune --dry-run piped: %q, want one line", out)
	}
}

// The descriptions of sign's and verify's schemes (up to 145 columns) and
// subscriptions rotate-secret's (90) fit 80 columns, as the other
// commands' help (TestPolish4HelpFits80).
func TestPolish5HelpFits80(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	e.cols = 80
	for _, args := range [][]string{{"sign", "--help"}, {"verify", "--help"}, {"subscriptions", "rotate-secret", "--help"}} {
		r := e.pty([]string{"NO_COLOR=1"}, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.out)
		}
		prose := helpProse(r.out)
		if len(prose) < 5 {
			t.Fatalf("%v: no description read:\n%s", args, r.out)
		}
		linesFit(t, prose, 80)
	}
}

// listen's banner ("Ready! Forwarding to … Your webhook signing secret is
// …": 120 columns and more; "Listening on … (subscription <id>). Try:
// hookctl trigger card.created": 125) and its last lines ("Subscription
// <id> disabled; …": 105), and worker's summary (82), at 60 and 80
// columns: each fits, the secret and the command to try whole.
func TestPolish5ListenWorkerLinesFit(t *testing.T) {
	t.Parallel()
	for _, cols := range []int{60, 80} {
		for _, tc := range []struct {
			args  []string
			ready string
			end   string
		}{
			{[]string{"listen", "--port", "0", "--forward", "127.0.0.1:9"}, "Listening on", "disabled"},
			{[]string{"worker"}, "delivering due deliveries", "Worker stopped"},
		} {
			e := newPTYEnv(t)
			e.plain("subscribe", "--url", "http://127.0.0.1:9/a", "--events", "card.created")
			c := e.command([]string{"NO_COLOR=1"}, tc.args...)
			f, out, drained := e.startDrained(c, uint16(cols))
			done := make(chan error, 1)
			go func() { done <- c.Wait() }()
			what := fmt.Sprintf("%s at %d columns", tc.args[0], cols)
			for deadline := time.Now().Add(60 * time.Second); !strings.Contains(out.String(), tc.ready); {
				if time.Now().After(deadline) {
					c.Process.Kill()
					t.Fatalf("%s: not started:\n%s", what, out.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			c.Process.Signal(syscall.SIGINT)
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				c.Process.Kill()
				t.Fatalf("%s: did not stop:\n%s", what, out.String())
			}
			select {
			case <-drained:
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: the terminal's output did not end", what)
			}
			f.Close()
			s := strings.ReplaceAll(out.String(), "\r\n", "\n")
			if !strings.Contains(s, tc.end) {
				t.Errorf("%s: no %q:\n%s", what, tc.end, s)
			}
			polish5Fits(t, what, s, cols)
			if tc.args[0] == "listen" && !regexp.MustCompile(`(?m)^  (whsec_\S+) `).MatchString(s) && !regexp.MustCompile(`is (whsec_\S+) `).MatchString(s) {
				t.Errorf("%s: the secret is not whole on a line:\n%s", what, s)
			}
		}
	}
}
