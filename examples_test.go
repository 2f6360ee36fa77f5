//go:build linux

package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/cmd"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/testutil/syncbuf"
	"github.com/hookctl/hookctl/internal/ui"
)

// TestHelpExamplesRun runs every Example line of every command's --help
// (the man pages carry the same lines) with the real binary, as a user
// would paste it into a shell (`bash -c`: the completion example is bash's `source <(…)`), each in its own sandbox: a copy of
// a seeded store, config directory and HOME, with HOOKCTL_STORE at the
// default store's place under that HOME.
//
// The table is the command tree itself: a new example is run without
// editing this test. What the test changes in a line, and nothing else:
//   - the host:port of the local URLs the examples point at (localhost:3000,
//     localhost:3001, localhost:8080, and the bare port of --forward 3000)
//     becomes a receiver this test runs on 127.0.0.1 (a lenient app that
//     answers 200; for check, an app that verifies signatures as a correct
//     receiver does);
//   - the placeholders an example shows become real values of the seeded
//     store: delivery id 3f2a9c1e (or del_…), event id evt_…, subscription
//     ids 4f1c/8d1c/3f2a, the rejected request rej_e65181e8, the secret
//     whsec_…; $S, $SECRET, $SIG, $TEAM_STORE and $EDITOR are set in the
//     environment;
//   - a postgres:// store URL becomes a fresh schema of
//     HOOKCTL_TEST_POSTGRES holding the seeded store (skipped without a
//     server); the system directories of the completion examples
//     (/etc/bash_completion.d, zsh's ${fpath[1]}) become directories of
//     the sandbox (whose HOME has fish's ~/.config/fish/completions, as
//     fish makes it).
//
// Examples that ask on a terminal (exampleTerminal) run on a
// pseudo-terminal with the answers the table types.
//
// One-shot commands must exit 0 (or the exit code the example's comment
// names: `# exit 3`), print something, no error, and valid JSON for -o
// json; a file they redirect to must not be empty. Long-running ones
// (listen, serve, worker, ui, deliveries tail) must print their readiness
// line, serve one real request (an event through listen to the app, with
// the headers --header adds; a health check and an API call with serve's
// --api-key; the inspector's page; a pending delivery the worker sends; a
// delivery made by another process, which tail shows), and stop on SIGINT (sent to hookctl, as Ctrl-C would;
// jq after it then ends by itself) with exit 0.
func TestHelpExamplesRun(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	bin := hookctlBinary(t)
	app := newExampleApp(t)
	seed := seedExamples(t, bin, app)
	examples := helpExamples(t)
	if len(examples) < 100 {
		t.Fatalf("found only %d examples in the command tree", len(examples))
	}
	var long []helpExample
	t.Run("one-shot", func(t *testing.T) {
		for _, ex := range examples {
			if ex.long != "" {
				long = append(long, ex)
				continue
			}
			t.Run(ex.name, func(t *testing.T) {
				t.Parallel()
				seed.run(t, ex, app)
			})
		}
	})
	// The long-running ones one at a time: several listen on their
	// command's default port, and each counts the app's requests.
	t.Run("long-running", func(t *testing.T) {
		for _, ex := range long {
			t.Run(ex.name, func(t *testing.T) { seed.run(t, ex, app) })
		}
	})
}

// exampleAllowlist: examples that cannot run here, each with why.
var exampleAllowlist = map[string]string{}

// exampleTerminal: examples that ask on a terminal (and refuse without
// one) run on a pseudo-terminal with these answers: each send is typed
// (then Enter) once what the command printed matches expect ($1 is
// expect's group; local URLs are rewritten as in the line).
var exampleTerminal = map[string][]exchange{
	"hookctl subscriptions delete 4f1c": {{`\[y/N\] $`, "y"}},
	"hookctl subscribe": {
		{`Callback URL[\s\S]*> $`, "http://localhost:3000/webhooks"},
		{`(\d+)\. \[ \] card\.\*\s[\s\S]*> $`, "$1"},
		{`finishes[^\n]*> $`, ""},
		{`Description[\s\S]*> $`, "my app"},
	},
}

type exchange struct{ expect, send string }

// helpExample is one Example line of a command's --help.
type helpExample struct {
	name    string // subtest name: command path and index
	line    string // as written (continuation lines joined), comment cut
	comment string // the line's trailing # comment
	target  string // the command path the line runs (first hookctl of the line)
	long    string // "listen", "serve", "worker", "ui" or "tail" for long-running ones
}

// helpExamples walks the command tree and returns every example line once.
func helpExamples(t *testing.T) []helpExample {
	t.Helper()
	ios, _, _, _ := ui.Test()
	root := cmd.NewRootCmd(&cli.Factory{IOStreams: ios})
	seen := map[string]bool{}
	var out []helpExample
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		n := 0
		var pending string
		for _, raw := range strings.Split(c.Example, "\n") {
			line := strings.TrimSpace(raw)
			if strings.HasSuffix(line, `\`) {
				pending += strings.TrimSuffix(line, `\`) + " "
				continue
			}
			line = strings.TrimPrefix(pending+line, "$ ")
			pending = ""
			line, comment := cutComment(line)
			if line == "" || seen[line] {
				continue
			}
			seen[line] = true
			n++
			ex := helpExample{
				name:    strings.ReplaceAll(strings.TrimPrefix(c.CommandPath(), "hookctl"), " ", "_") + "#" + strconv.Itoa(n),
				line:    line,
				comment: comment,
			}
			ex.name = strings.TrimPrefix(ex.name, "_")
			if i := strings.Index(line, "hookctl "); i >= 0 {
				rest := line[i+len("hookctl "):]
				if j := strings.IndexAny(rest, "|><&;)\""); j >= 0 {
					rest = rest[:j]
				}
				if found, _, err := root.Find(strings.Fields(rest)); err == nil {
					ex.target = found.CommandPath()
				}
			}
			switch ex.target {
			case "hookctl listen":
				if !strings.Contains(line, "--print-secret") {
					ex.long = "listen"
				}
			case "hookctl serve", "hookctl worker", "hookctl ui":
				ex.long = strings.TrimPrefix(ex.target, "hookctl ")
			case "hookctl deliveries tail":
				if !strings.Contains(line, "--timeout") {
					ex.long = "tail"
				}
			}
			out = append(out, ex)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return out
}

// cutComment splits a shell line at its trailing comment (a # after a
// blank, outside quotes).
func cutComment(line string) (string, string) {
	var quote rune
	prev := ' '
	for i, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && (prev == ' ' || prev == '\t'):
			return strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+1:])
		}
		prev = r
	}
	return line, ""
}

// exampleApp is the app the examples' localhost URLs stand for: it answers
// every request 200 (or 500 while fail is set) and counts them.
type exampleApp struct {
	srv  *httptest.Server
	port string
	n    atomic.Int64
	fail atomic.Bool
	mu   sync.Mutex
	last http.Header // the last request's headers
}

func newExampleApp(t *testing.T) *exampleApp {
	a := &exampleApp{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		a.mu.Lock()
		a.last = r.Header.Clone()
		a.mu.Unlock()
		a.n.Add(1)
		if a.fail.Load() {
			http.Error(w, `{"error":"failing on purpose"}`, http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, `{"ok":true}`)
	}))
	t.Cleanup(a.srv.Close)
	a.port = strconv.Itoa(a.srv.Listener.Addr().(*net.TCPAddr).Port)
	return a
}

// strictApp is a correct webhook receiver for check's examples: it
// verifies the signature (any scheme hookctl knows, with any of secrets),
// acts once per event id (a row in app.db's events table when the sandbox
// has one: the effect check --effect-cmd counts) and answers 200.
func strictApp(t *testing.T, secrets []string, appDB string) string {
	var mu sync.Mutex
	seen := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sch, ok := signature.Detect(r.Header)
		if !ok {
			http.Error(w, "no signature", http.StatusUnauthorized)
			return
		}
		if err := sch.Verify(signature.VerifyInput{Secrets: secrets, Header: r.Header, Body: body, Now: time.Now()}); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		id := signature.EventIDFromHeaders(r.Header)
		if id == "" {
			// No id header (Bond's): the body, which a duplicate repeats.
			// Keyed by "" it acted on the first event only, and check's
			// dedupes-duplicate now sends a new event that must act.
			id = fmt.Sprintf("%x", sha256.Sum256(body))
		}
		mu.Lock()
		dup := seen[id]
		seen[id] = true
		if !dup && appDB != "" {
			exec.Command("sqlite3", appDB, "insert into events values ('"+strings.ReplaceAll(id, "'", "")+"')").Run()
		}
		mu.Unlock()
		fmt.Fprintln(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// exampleSeed is the seeded template every example's sandbox copies.
type exampleSeed struct {
	bin      string // the hookctl binary
	tmpl     string // the template directory
	secret   string // what whsec_… stands for
	subID    string // the seeded subscription (to the app)
	subSec   string // its secret
	failedID string // a failed delivery to the app
	eventID  string // its event
	rejID    string // a request listen rejected
}

const exampleSecret = "whsec_cHAfj3mz6QX03PHbCQ4FAfRVf0GK8GsLmx9hMaQ0l9A="

func seedExamples(t *testing.T, bin string, app *exampleApp) *exampleSeed {
	t.Helper()
	s := &exampleSeed{bin: bin, tmpl: t.TempDir(), secret: exampleSecret}
	env := s.env(s.tmpl, nil)
	for _, d := range []string{"home/.local/share/hookctl", "home/.config/fish/completions", "config", "bin"} {
		if err := os.MkdirAll(filepath.Join(s.tmpl, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	run := func(stdin string, args ...string) string {
		t.Helper()
		ok := args[0] != "fail"
		if !ok {
			args = args[1:]
		}
		c := exec.Command(bin, args...)
		c.Dir, c.Env = s.tmpl, env
		c.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		c.Stdout, c.Stderr = &out, &errb
		if err := c.Run(); (err != nil) == ok {
			t.Logf("seeding: hookctl %s: %v\n%s", strings.Join(args, " "), err, errb.String())
		}
		return out.String()
	}
	var sub struct {
		ID     string `json:"webhook_id"`
		Secret string `json:"secret"`
	}
	if err := json.Unmarshal([]byte(run("", "subscribe", "--url", "http://127.0.0.1:"+app.port+"/webhooks", "--events", "card.*,kyc.verification.success", "-o", "json")), &sub); err != nil || sub.ID == "" {
		t.Fatalf("seeding: subscribe: %v", err)
	}
	s.subID = sub.ID
	var got struct {
		Secret string `json:"secret"`
	}
	json.Unmarshal([]byte(run("", "subscriptions", "get", sub.ID, "--reveal", "-o", "json")), &got)
	s.subSec = got.Secret
	// A failed delivery (the app answered 500), then one that succeeded.
	app.fail.Store(true)
	run("", "fail", "trigger", "card.created", "--no-retry")
	app.fail.Store(false)
	run("", "trigger", "kyc.verification.success")
	var dels []struct {
		ID      string `json:"id"`
		EventID string `json:"event_id"`
	}
	json.Unmarshal([]byte(run("", "deliveries", "list", "--status", "failed", "-o", "json")), &dels)
	if len(dels) == 0 {
		t.Fatal("seeding: no failed delivery")
	}
	s.failedID, s.eventID = dels[0].ID, dels[0].EventID
	s.rejID = seedRejected(t, bin, s.tmpl, env)
	// The files the examples read.
	files := map[string]string{
		"body.json":  run("", "events", "show", "card.created"),
		"event.json": run("", "events", "show", "payment.succeeded"),
		"push.json":  run("", "events", "show", "push"),
		"secret.txt": exampleSecret + "\n",
	}
	for name, body := range files {
		if strings.TrimSpace(body) == "" {
			t.Fatalf("seeding: %s is empty", name)
		}
		if err := os.WriteFile(filepath.Join(s.tmpl, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := exec.Command(bin, "sign", "--scheme", "bond", "--secret", exampleSecret)
	c.Dir, c.Env, c.Stdin = s.tmpl, env, strings.NewReader(files["body.json"])
	headers, err := c.Output()
	if err != nil {
		t.Fatalf("seeding: sign: %v", err)
	}
	os.WriteFile(filepath.Join(s.tmpl, "headers.txt"), headers, 0o644)
	dump := []byte(run("", "store", "export"))
	os.WriteFile(filepath.Join(s.tmpl, "dump.jsonl"), dump, 0o644)
	var gz bytes.Buffer // for store import dump.jsonl.gz
	zw := gzip.NewWriter(&gz)
	zw.Write(dump)
	zw.Close()
	os.WriteFile(filepath.Join(s.tmpl, "dump.jsonl.gz"), gz.Bytes(), 0o644)
	if _, err := exec.LookPath("sqlite3"); err == nil {
		if out, err := exec.Command("sqlite3", filepath.Join(s.tmpl, "app.db"), "create table events (id text)").CombinedOutput(); err != nil {
			t.Fatalf("seeding: app.db: %v\n%s", err, out)
		}
	}
	// A config file for `$EDITOR "$(hookctl config path)"` to open.
	run("", "config", "set", "timeout", "10s")
	// A stand-in browser, should `hookctl ui` open one (it does only
	// from a terminal).
	os.WriteFile(filepath.Join(s.tmpl, "bin", "xdg-open"), []byte("#!/bin/sh\necho \"$@\" >> \"$HOME/opened\"\n"), 0o755)
	return s
}

// seedRejected records a request listen rejects (unsigned) and returns its
// rej_ id.
func seedRejected(t *testing.T, bin, dir string, env []string) string {
	t.Helper()
	c := exec.Command(bin, "listen", "--port", "0")
	c.Dir, c.Env = dir, env
	var errb syncbuf.Buffer
	c.Stdout, c.Stderr = io.Discard, &errb
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		c.Process.Signal(syscall.SIGINT)
		c.Wait()
	}()
	url := waitMatch(t, &errb, regexp.MustCompile(`Listening on (http://[^\s,]+)`), 15*time.Second)
	resp, err := http.Post(url, "application/json", strings.NewReader(`{"type":"card.created"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rej struct {
		RecordedAs string `json:"recorded_as"`
	}
	json.NewDecoder(resp.Body).Decode(&rej)
	if !strings.HasPrefix(rej.RecordedAs, "rej_") {
		t.Fatalf("seeding: listen did not record the unsigned request (%s)", resp.Status)
	}
	return rej.RecordedAs
}

// env is the environment of a sandbox in dir.
func (s *exampleSeed) env(dir string, extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "HOOKCTL_") || strings.HasPrefix(k, "XDG_") || k == "HOME" || k == "PATH" || k == "NO_COLOR" || k == "EDITOR" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"PATH="+filepath.Dir(s.bin)+":"+filepath.Join(dir, "bin")+":"+os.Getenv("PATH"),
		"HOME="+filepath.Join(dir, "home"),
		"HOOKCTL_CONFIG_DIR="+filepath.Join(dir, "config"),
		"HOOKCTL_STORE="+filepath.Join(dir, "home/.local/share/hookctl/hookctl.db"),
		"NO_COLOR=1",
		"S="+exampleSecret, "SECRET="+exampleSecret,
		"TEAM_STORE="+filepath.Join(dir, "team.db"),
		"EDITOR=cat",
	)
	return append(env, extra...)
}

// sandbox copies the template into a fresh directory.
func (s *exampleSeed) sandbox(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	err := filepath.Walk(s.tmpl, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(s.tmpl, p)
		dst := filepath.Join(dir, rel)
		if fi.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		if !fi.Mode().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, fi.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// rewrite turns an example line into the line the sandbox runs (see the
// test's comment for what changes).
func (s *exampleSeed) rewrite(t *testing.T, ex helpExample, dir, appPort string) string {
	line := ex.line
	line = regexp.MustCompile(`\blocalhost:(3000|3001|8080)\b`).ReplaceAllString(line, "127.0.0.1:"+appPort)
	line = regexp.MustCompile(`(--forward )(3000|3001|8080)\b`).ReplaceAllString(line, "${1}"+appPort)
	line = strings.ReplaceAll(line, "3f2a9c1e", s.failedID[:8])
	line = strings.ReplaceAll(line, "del_…", s.failedID)
	line = strings.ReplaceAll(line, "evt_…", s.eventID)
	line = regexp.MustCompile(`\b(4f1c|8d1c|3f2a)\b`).ReplaceAllString(line, s.subID[:8])
	line = strings.ReplaceAll(line, "whsec_…", s.secret)
	line = regexp.MustCompile(`\brej_[0-9a-f]{8}\b`).ReplaceAllString(line, s.rejID[:12])
	line = strings.ReplaceAll(line, "/etc/bash_completion.d/", filepath.Join(dir, "etc/bash_completion.d")+"/")
	line = strings.ReplaceAll(line, "${fpath[1]}", filepath.Join(dir, "zsh-functions"))
	if pg := regexp.MustCompile(`postgres://[^'"\s]+`); pg.MatchString(line) && ex.target != "hookctl config set" {
		if os.Getenv("HOOKCTL_TEST_POSTGRES") == "" {
			t.Skipf("needs a PostgreSQL server (HOOKCTL_TEST_POSTGRES): %s", ex.line)
		}
		// A schema of its own holding the sandbox's store, as the
		// example's database holds the user's.
		url, drop, err := pgtest.NewSchema(pgtest.ServerURL(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { drop() })
		c := exec.Command(s.bin, "store", "import", filepath.Join(dir, "dump.jsonl"), "--store", url)
		c.Env = s.env(dir, nil)
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("store import into PostgreSQL: %v\n%s", err, out)
		}
		// Quoted where the example's URL is not: the schema's has a &.
		ms := pg.FindAllStringIndex(line, -1)
		for i := len(ms) - 1; i >= 0; i-- {
			a, b := ms[i][0], ms[i][1]
			u := url
			if a == 0 || (line[a-1] != '\'' && line[a-1] != '"') {
				u = "'" + url + "'"
			}
			line = line[:a] + u + line[b:]
		}
	}
	return line
}

// run runs one example in its own sandbox.
func (s *exampleSeed) run(t *testing.T, ex helpExample, app *exampleApp) {
	if why, ok := exampleAllowlist[ex.line]; ok {
		t.Skipf("%s: %s", ex.line, why)
	}
	if strings.Contains(ex.line, "| jq") {
		if _, err := exec.LookPath("jq"); err != nil {
			t.Skipf("jq is not installed: %s", ex.line)
		}
	}
	if strings.Contains(ex.line, "sqlite3 ") {
		if _, err := exec.LookPath("sqlite3"); err != nil {
			t.Skipf("sqlite3 is not installed: %s", ex.line)
		}
	}
	dir := s.sandbox(t)
	os.MkdirAll(filepath.Join(dir, "etc/bash_completion.d"), 0o755)
	os.MkdirAll(filepath.Join(dir, "zsh-functions"), 0o755)
	port := app.port
	if ex.target == "hookctl check" {
		appDB := ""
		if strings.Contains(ex.line, "app.db") {
			appDB = filepath.Join(dir, "app.db")
		}
		_, port, _ = strings.Cut(strictApp(t, []string{s.secret, s.subSec}, appDB), ":")
	}
	line := s.rewrite(t, ex, dir, port)
	if strings.HasPrefix(line, "source ") {
		// A line that sources a script (bash's completion) prints nothing
		// by design: what it must do is register hookctl's completion in
		// the shell that sourced it.
		line += " && complete -p hookctl"
	}
	sig, err := signature.Lookup("stripe")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := os.ReadFile(filepath.Join(dir, "event.json"))
	h, err := sig.Sign(signature.SignInput{Secrets: []string{s.secret}, Timestamp: time.Now(), Body: body})
	if err != nil {
		t.Fatal(err)
	}
	env := s.env(dir, []string{"SIG=" + h.Get("Stripe-Signature")})
	t.Logf("example: %s\nruns:    %s", ex.line, line)
	if ex.long != "" {
		s.runLong(t, ex, line, dir, env, app)
		return
	}
	if answers, ok := exampleTerminal[ex.line]; ok {
		s.runTerminal(t, ex, line, dir, env, port, answers)
		return
	}
	want := 0
	if m := regexp.MustCompile(`\bexit (\d+)\b`).FindStringSubmatch(ex.comment); m != nil {
		want, _ = strconv.Atoi(m[1])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, "bash", "-c", line)
	c.Dir, c.Env = dir, env
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err = c.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	t.Logf("exit %d\nstdout:\n%s\nstderr:\n%s", code, tail(out.String()), errb.String())
	if code != want {
		t.Fatalf("%s\nexit %d, want %d\nstdout:\n%s\nstderr:\n%s", ex.line, code, want, tail(out.String()), errb.String())
	}
	checkOutput(t, ex, line, dir, out.String(), errb.String(), code)
}

// runTerminal runs an example on a pseudo-terminal, typing its answers.
func (s *exampleSeed) runTerminal(t *testing.T, ex helpExample, line, dir string, env []string, port string, answers []exchange) {
	c := exec.Command("bash", "-c", line)
	c.Dir, c.Env = dir, append(env, "TERM=xterm-256color")
	f, err := pty.StartWithSize(c, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out syncbuf.Buffer
	copied := make(chan struct{})
	go func() {
		io.Copy(&out, f) // ends with EIO when the child exits
		close(copied)
	}()
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	from := 0 // what the last answer answered
	for _, a := range answers {
		re := regexp.MustCompile(a.expect)
		for d := time.Now().Add(15 * time.Second); ; {
			o := out.String()
			if m := re.FindStringSubmatchIndex(o[from:]); m != nil {
				send := string(re.ExpandString(nil, a.send, o[from:], m))
				send = s.rewrite(t, helpExample{line: send}, dir, port)
				from += m[1]
				f.Write([]byte(send + "\r"))
				break
			}
			if time.Now().After(d) {
				c.Process.Kill()
				t.Fatalf("%s: no %q after 15s on the terminal:\n%s", ex.line, a.expect, o)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	select {
	case err = <-done:
	case <-time.After(15 * time.Second):
		c.Process.Kill()
		t.Fatalf("%s: still running 15s after its last answer:\n%s", ex.line, out.String())
	}
	select {
	case <-copied:
	case <-time.After(5 * time.Second):
		t.Errorf("%s: the terminal's output did not end", ex.line)
	}
	t.Logf("on a terminal: %v\n%s", err, tail(out.String()))
	if err != nil {
		t.Fatalf("%s on a terminal: %v, want exit 0:\n%s", ex.line, err, out.String())
	}
	o := out.String()
	if strings.Contains(o, "hookctl: error:") || strings.TrimSpace(o[from:]) == "" {
		t.Errorf("%s: after the last answer, %q; want its result and no error:\n%s", ex.line, o[from:], o)
	}
}

var exRedirect = regexp.MustCompile(`(?:^|[^0-9&])>>?\s*("?)([^\s"|&;]+)`)

// checkOutput holds a finished example's output to sense: something
// printed (or written to the file it redirects to), no error when it
// succeeded, JSON where it asked for it.
func checkOutput(t *testing.T, ex helpExample, line, dir, stdout, stderr string, code int) {
	t.Helper()
	if strings.TrimSpace(stdout+stderr) == "" {
		files := exRedirect.FindAllStringSubmatch(line, -1)
		if len(files) == 0 {
			t.Errorf("%s: printed nothing", ex.line)
		}
	}
	for _, m := range exRedirect.FindAllStringSubmatch(line, -1) {
		p := m[2]
		if strings.HasPrefix(p, "~/") {
			p = filepath.Join(dir, "home", p[2:])
		} else if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Errorf("%s: the file it writes, %s, is missing or empty (%v)", ex.line, m[2], err)
		}
	}
	if code == 0 && strings.Contains(stderr, "hookctl: error:") {
		t.Errorf("%s: exit 0 with an error:\n%s", ex.line, stderr)
	}
	if regexp.MustCompile(`(^|\s)-o json\b`).MatchString(line) && !strings.ContainsAny(line, "|>") {
		dec := json.NewDecoder(strings.NewReader(stdout))
		n := 0
		for {
			var v any
			if err := dec.Decode(&v); err == io.EOF {
				break
			} else if err != nil {
				t.Errorf("%s: -o json printed something that is not JSON: %v\n%s", ex.line, err, tail(stdout))
				break
			}
			n++
		}
		if n == 0 {
			t.Errorf("%s: -o json printed no JSON", ex.line)
		}
	}
}

var (
	exReadyLine = regexp.MustCompile(`Ready!|Inspector at http|\(\^C to stop\)`)
	exReadyURL  = regexp.MustCompile(`(?:Listening on|Serving on|Inspector at) (http://[^\s,]+)`)
	exReadySub  = regexp.MustCompile(`\(subscription ([0-9a-f-]{36})\)`)
	exUIURL     = regexp.MustCompile(`Inspector(?: at)?\s+(http://[^\s,]+)`)
)

// runLong starts a long-running example, waits for its readiness line,
// has it serve one real request, then stops it as Ctrl-C does.
func (s *exampleSeed) runLong(t *testing.T, ex helpExample, line, dir string, env []string, app *exampleApp) {
	hookctl := func(args ...string) string {
		c := exec.Command(s.bin, args...)
		c.Dir, c.Env = dir, env
		out, err := c.CombinedOutput()
		if err != nil {
			t.Errorf("hookctl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	if ex.long == "worker" {
		// A delivery for the worker: trigger leaves it pending.
		hookctl("trigger", "card.created", "--subscription", s.subID, "--wait", "1ns")
	}
	before := app.n.Load()
	c := exec.Command("bash", "-c", line)
	c.Dir, c.Env = dir, env
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out, errb syncbuf.Buffer
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	stopped := false
	defer func() {
		if !stopped {
			syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}()
	// Ready: the readiness line, and the URL (and listen's subscription)
	// the lines after it name.
	ready := func() bool {
		all := errb.String() + out.String()
		switch {
		case !exReadyLine.MatchString(all):
			return false
		case ex.long == "listen" && strings.Contains(line, "--ui"):
			// The inspector's line comes after the subscription's:
			// read once that one was in, it could be missing yet.
			return exReadySub.MatchString(all) && exUIURL.MatchString(all)
		case ex.long == "listen":
			return exReadySub.MatchString(all)
		case ex.long == "serve" || ex.long == "ui":
			return exReadyURL.MatchString(all)
		}
		return true
	}
	deadline := time.Now().Add(20 * time.Second)
	for !ready() {
		select {
		case err := <-done:
			stopped = true
			if e := errb.String(); strings.Contains(e, "address already in use") || strings.Contains(e, ": the port is in use") ||
				strings.Contains(e, "is running there") {
				t.Skipf("%s: its port is taken on this machine:\n%s", ex.line, errb.String())
			}
			t.Fatalf("%s exited before it was ready (%v)\nstdout:\n%s\nstderr:\n%s", ex.line, err, out.String(), errb.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no readiness line after 20s\nstdout:\n%s\nstderr:\n%s", ex.line, out.String(), errb.String())
		}
	}
	all := errb.String() + out.String()
	url := ""
	if m := exReadyURL.FindStringSubmatch(all); m != nil {
		url = m[1]
	}
	get := func(u string) {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Errorf("GET %s: %v", u, err)
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(b) == 0 {
			t.Errorf("GET %s: %s %q", u, resp.Status, b)
		}
	}
	waitApp := func() {
		t.Helper()
		for d := time.Now().Add(15 * time.Second); app.n.Load() == before; {
			if time.Now().After(d) {
				t.Errorf("%s: the app got no request\nstderr:\n%s", ex.line, errb.String())
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	switch ex.long {
	case "listen":
		m := exReadySub.FindStringSubmatch(all)
		if m == nil {
			t.Fatalf("%s: no subscription in the readiness lines:\n%s", ex.line, all)
		}
		hookctl("trigger", "card.created", "--subscription", m[1])
		if strings.Contains(line, "--forward") {
			waitApp()
			// What --header adds, the app gets.
			for _, m := range regexp.MustCompile(`--header '([^:']+): ([^']*)'`).FindAllStringSubmatch(line, -1) {
				app.mu.Lock()
				got := app.last.Get(m[1])
				app.mu.Unlock()
				if got != m[2] {
					t.Errorf("%s: the app got %s: %q, want %q", ex.line, m[1], got, m[2])
				}
			}
		}
		if strings.Contains(line, "--ui") {
			if m := exUIURL.FindStringSubmatch(all); m == nil {
				t.Errorf("%s: no inspector URL:\n%s", ex.line, all)
			} else {
				get(m[1])
			}
		}
	case "serve":
		if url == "" {
			t.Fatalf("%s: no URL in the readiness lines:\n%s", ex.line, all)
		}
		get(url + "/_hookctl/health")
		// A Stripe API call, with the key the example sets (any key
		// without --api-key); another key gets 401.
		key := "sk_test_any"
		if m := regexp.MustCompile(`--api-key (\S+)`).FindStringSubmatch(line); m != nil {
			key = m[1]
			if code := apiGet(url+"/v1/webhook_endpoints", "sk_test_other"); code != 401 {
				t.Errorf("%s: GET /v1/webhook_endpoints with another key: %d, want 401", ex.line, code)
			}
		}
		if code := apiGet(url+"/v1/webhook_endpoints", key); code != 200 {
			t.Errorf("%s: GET /v1/webhook_endpoints with key %s: %d, want 200", ex.line, key, code)
		}
	case "ui":
		if url == "" {
			t.Fatalf("%s: no URL in the readiness lines:\n%s", ex.line, all)
		}
		get(url)
	case "worker":
		waitApp()
	case "tail":
		// A delivery made by another process: the tail shows it (a
		// line that filters it out or pipes it is only run).
		tr := hookctl("trigger", "card.created", "--subscription", s.subID, "-o", "json")
		m := regexp.MustCompile(`"event_id": "([^"]+)"`).FindStringSubmatch(tr)
		if m == nil {
			t.Fatalf("no event_id in trigger's output:\n%s", tr)
		}
		if !strings.Contains(line, "|") && !strings.Contains(line, "--status") {
			for d := time.Now().Add(15 * time.Second); !strings.Contains(out.String(), m[1]); {
				if time.Now().After(d) {
					t.Fatalf("%s: event %s not shown\nstdout:\n%s\nstderr:\n%s", ex.line, m[1], out.String(), errb.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	// Ctrl-C, to hookctl: a pipe's other end (jq) then sees the end of
	// its input and exits by itself.
	pids := hookctlPids(c.Process.Pid)
	if len(pids) == 0 {
		t.Fatalf("%s: no hookctl process to interrupt (did the line put it in the background?)\nstderr:\n%s", ex.line, errb.String())
	}
	for _, pid := range pids {
		syscall.Kill(pid, syscall.SIGINT)
	}
	var err error
	select {
	case err = <-done:
		stopped = true
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: still running 20s after SIGINT\nstderr:\n%s", ex.line, errb.String())
	}
	t.Logf("after SIGINT: %v\nstdout:\n%s\nstderr:\n%s", err, tail(out.String()), errb.String())
	if err != nil {
		t.Errorf("%s: after SIGINT: %v, want exit 0\nstdout:\n%s\nstderr:\n%s", ex.line, err, tail(out.String()), errb.String())
	}
	if strings.Contains(errb.String(), "hookctl: error:") {
		t.Errorf("%s: an error:\n%s", ex.line, errb.String())
	}
	checkOutput(t, ex, line, dir, out.String(), errb.String(), 0)
}

// apiGet GETs url with a Bearer key and returns the status (0: no answer).
func apiGet(url, key string) int {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return 0
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// hookctlPids returns pid if it is hookctl, else its hookctl children
// (bash -c runs a pipeline's commands as its children).
func hookctlPids(pid int) []int {
	comm := func(p int) string {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", p))
		return strings.TrimSpace(string(b))
	}
	if comm(pid) == "hookctl" {
		return []int{pid}
	}
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …
		_, after, ok := strings.Cut(string(b), ") ")
		if !ok {
			continue
		}
		f := strings.Fields(after)
		if len(f) > 1 && f[1] == strconv.Itoa(pid) && comm(p) == "hookctl" {
			pids = append(pids, p)
		}
	}
	return pids
}

// waitMatch waits until re matches what buf holds and returns its first
// group.
func waitMatch(t *testing.T, buf *syncbuf.Buffer, re *regexp.Regexp, timeout time.Duration) string {
	t.Helper()
	for d := time.Now().Add(timeout); ; {
		s := buf.String()
		if m := re.FindStringSubmatch(s); m != nil {
			return m[1]
		}
		if time.Now().After(d) {
			t.Fatalf("no %s after %s in:\n%s", re, timeout, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
