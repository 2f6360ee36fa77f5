package main

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/signature"
)

// listenFault is one run of the durability test of `hookctl listen`.
type listenFault struct {
	name     string
	sig      syscall.Signal
	requests int
	rounds   int
	// midBurst, when set, runs at a third of the burst instead of the
	// signal, which then stops listen once every request is answered.
	midBurst func()
	conns    int // senders at once (16 when 0)
	pad      int // bytes of padding in each body
	// ready, when set, runs once listen is ready, before the burst.
	ready func()
}

// TestListenDurability: a burst of validly signed requests through
// `hookctl listen` (journal, then store), and listen is stopped in the
// middle of it by SIGKILL, SIGTERM or SIGHUP. Every request answered 2xx
// must be in `hookctl store export` afterwards (the export also imports
// the journal a killed listen left behind): compared as id sets.
// HOOKCTL_LONG=1: 5,000 requests, three kill -9 rounds.
func TestListenDurability(t *testing.T) {
	t.Parallel()
	runs := []listenFault{
		{"kill-9", syscall.SIGKILL, 2000, 1, nil, 0, 0, nil},
		{"sigterm", syscall.SIGTERM, 2000, 1, nil, 0, 0, nil},
		{"sighup", syscall.SIGHUP, 2000, 1, nil, 0, 0, nil},
		// Bodies larger than the journal writer's buffer, and groups of 64
		// records (more than it holds), cross the journal's preallocated
		// space between two syncs: they once came out as zeros.
		{"kill-9-large-bodies", syscall.SIGKILL, 240, 1, nil, 64, 300 << 10, nil},
		{"sigterm-c64", syscall.SIGTERM, 6000, 1, nil, 64, 1500, nil},
	}
	if os.Getenv("HOOKCTL_LONG") == "1" {
		runs = []listenFault{
			{"kill-9", syscall.SIGKILL, 5000, 3, nil, 0, 0, nil},
			{"sigterm", syscall.SIGTERM, 5000, 1, nil, 0, 0, nil},
			{"sighup", syscall.SIGHUP, 5000, 1, nil, 0, 0, nil},
			{"kill-9-large-bodies", syscall.SIGKILL, 600, 3, nil, 64, 300 << 10, nil},
			{"kill-9-c64", syscall.SIGKILL, 20000, 1, nil, 64, 1500, nil},
			{"sigterm-c64", syscall.SIGTERM, 20000, 1, nil, 64, 1500, nil},
			// More body bytes at once than listen admits: some senders get
			// 503 (never acknowledged), every 2xx is kept.
			{"kill-9-256-conns-500k", syscall.SIGKILL, 1500, 1, nil, 256, 500 << 10, nil},
		}
	}
	for _, run := range runs {
		t.Run(run.name, func(t *testing.T) {
			c := newCrashEnv(t)
			var appHits atomic.Int64
			app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				appHits.Add(1)
				w.Write([]byte("ok"))
			}))
			defer app.Close()
			acked := map[string]bool{}
			for round := range run.rounds {
				for id := range listenBurst(t, c, app.URL, run, round) {
					acked[id] = true
				}
			}
			stored := exportedEventIDs(t, c)
			missing := 0
			for id := range acked {
				if !stored[id] {
					missing++
					if missing <= 5 {
						t.Errorf("event %s was answered 2xx but is not in the store", id)
					}
				}
			}
			t.Logf("%s: %d answered 2xx, %d in the store, %d missing; app saw %d forwards", run.name, len(acked), len(stored), missing, appHits.Load())
			if missing > 0 {
				t.Fatalf("%d of %d acknowledged events are missing", missing, len(acked))
			}
			if len(acked) == 0 {
				t.Fatal("no request was acknowledged: the test proves nothing")
			}
		})
	}
}

type readyLine struct {
	Kind, URL, Secret string
	Port              int
	SubscriptionID    string `json:"subscription_id"`
}

// startJSONListen starts cmd (a `listen -o json`) and reads its ready
// line; stdout is drained after it, and done receives cmd's exit.
func startJSONListen(t *testing.T, cmd *exec.Cmd) (readyLine, *bytes.Buffer, chan error) {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &bytes.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(stdout)
	line, err := br.ReadBytes('\n')
	var ready readyLine
	if err != nil || json.Unmarshal(line, &ready) != nil || ready.Kind != "ready" || ready.Port == 0 {
		cmd.Process.Kill()
		cmd.Wait() // stderr written to the end
		t.Fatalf("first stdout line %q (%v); stderr %s", line, err, stderr.String())
	}
	done := make(chan error, 1)
	go func() { io.Copy(io.Discard, br); done <- cmd.Wait() }()
	return ready, stderr, done
}

// listenBurst starts listen, sends run.requests signed requests from
// run.conns connections (16), signals listen once a third of them are answered, and
// returns the ids answered 2xx.
func listenBurst(t *testing.T, c *crashEnv, app string, run listenFault, round int) map[string]bool {
	t.Helper()
	cmd := c.cmd("hookctl", "listen", "--port", "0", "--forward", app, "-o", "json")
	ready, stderr, done := startJSONListen(t, cmd)
	if run.ready != nil {
		run.ready()
	}

	sc, err := signature.Lookup("standard")
	if err != nil {
		t.Fatal(err)
	}
	conns := cmp.Or(run.conns, 16)
	pad := strings.Repeat("p", run.pad)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns}, Timeout: 30 * time.Second}
	var (
		mu      sync.Mutex
		acked   = map[string]bool{}
		answers atomic.Int64
		next    atomic.Int64
		wg      sync.WaitGroup
	)
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(run.requests) {
					return
				}
				id := fmt.Sprintf("msg_%s_%d_%d", run.name, round, i)
				body := []byte(`{"type":"card.created","data":{"n":` + fmt.Sprint(i) + `,"pad":"` + pad + `"}}`)
				h, err := sc.Sign(signature.SignInput{Secrets: []string{ready.Secret}, ID: id, Timestamp: time.Now(), Body: body})
				if err != nil {
					t.Error(err)
					return
				}
				req, _ := http.NewRequest("POST", ready.URL+"/hooks", bytes.NewReader(body))
				req.Header = h
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					continue // listen is gone: never acknowledged
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				answers.Add(1)
				if resp.StatusCode/100 == 2 {
					mu.Lock()
					acked[id] = true
					mu.Unlock()
				}
			}
		}()
	}
	deadline := time.Now().Add(60 * time.Second)
	for answers.Load() < int64(run.requests/3) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if run.midBurst != nil {
		run.midBurst()
		wg.Wait()
	}
	cmd.Process.Signal(run.sig)
	if run.sig != syscall.SIGKILL {
		// The drain must survive a doubled signal (timeout(1), process-group kills).
		cmd.Process.Signal(run.sig)
	}
	wg.Wait()
	select {
	case err := <-done:
		if run.sig != syscall.SIGKILL && err != nil {
			t.Fatalf("listen after %v: %v\n%s", run.sig, err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done // stderr written to the end
		t.Fatalf("listen did not stop after %v\n%s", run.sig, stderr.String())
	}
	if run.sig != syscall.SIGKILL {
		if !strings.Contains(stderr.String(), "disabled") || !strings.Contains(stderr.String(), "Received ") {
			t.Errorf("no summary after %v:\n%s", run.sig, stderr.String())
		}
	}
	return acked
}

// exportedEventIDs runs `hookctl store export` (which first imports any
// journal a killed listen left) and returns the event ids in it.
func exportedEventIDs(t *testing.T, c *crashEnv) map[string]bool {
	t.Helper()
	out := c.hookctl(0, "store", "export")
	ids := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var r struct {
			Event *struct{ ID string } `json:"event"`
		}
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.Event != nil {
			ids[r.Event.ID] = true
		}
	}
	return ids
}

// TestListenPostgresRestart (HOOKCTL_PG_FAULT=1, run by .ci/test; it
// starts and stops its own PostgreSQL): PostgreSQL is stopped for 5 s in
// the middle of a burst through listen and started again. Every request
// answered 2xx must be in the store afterwards.
func TestListenPostgresRestart(t *testing.T) {
	pg := startFaultPG(t, "")
	dir, port, pgctl := pg.dir, pg.port, pg.ctl
	c := pgEnv(t, pg.url)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/slow" {
			time.Sleep(200 * time.Millisecond)
		}
	}))
	defer app.Close()
	// A worker runs through the outage too: it must resume.
	c.hookctl(0, "store", "migrate")
	var werr bytes.Buffer
	worker := c.cmd("hookctl", "worker")
	worker.Stderr = &werr
	if err := worker.Start(); err != nil {
		t.Fatal(err)
	}
	workerDone := make(chan error, 1)
	go func() { workerDone <- worker.Wait() }()
	defer func() { worker.Process.Signal(syscall.SIGTERM); <-workerDone }()
	run := listenFault{name: "pg-restart", sig: syscall.SIGTERM, requests: 5000, rounds: 1, midBurst: func() {
		pgctl("-m", "fast", "stop")
		time.Sleep(5 * time.Second)
		pgctl("-l", dir+"/server.log", "-t", "30", "-o",
			"-c listen_addresses=127.0.0.1 -p "+port+" -k "+dir+"/sock -c max_connections=200", "start")
	}}
	acked := listenBurst(t, c, app.URL, run, 0)
	stored := exportedEventIDs(t, c)
	missing := 0
	for id := range acked {
		if !stored[id] {
			missing++
		}
	}
	t.Logf("PostgreSQL stopped 5 s mid-burst: %d answered 2xx, %d in the store, %d missing", len(acked), len(stored), missing)
	if missing > 0 || len(acked) == 0 {
		t.Fatalf("%d of %d acknowledged events are missing", missing, len(acked))
	}

	// The worker lived through the outage and delivers what trigger left
	// pending (trigger stops waiting at once; the app is slow).
	select {
	case err := <-workerDone:
		t.Fatalf("worker exited during the outage: %v\n%s", err, werr.String())
	default:
	}
	c.hookctl(0, "trigger", "card.created", "--url", app.URL+"/slow", "--count", "20", "--wait", "1ms", "--timeout", "200ms", "--retry-schedule", "0s,1s")
	deadline := time.Now().Add(60 * time.Second)
	for {
		out := c.hookctl(0, "deliveries", "list", "--status", "succeeded", "--source", "triggered", "--limit", "0", "-o", "json")
		var ds []any
		json.Unmarshal(out, &ds)
		if len(ds) >= 20 {
			break
		}
		if time.Now().After(deadline) {
			worker.Process.Kill()
			err := <-workerDone // its stderr written to the end
			workerDone <- err
			t.Fatalf("%d of 20 deliveries succeeded after the outage; worker:\n%s", len(ds), werr.String())
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// When trigger delivers through listen, the forward listen records for
// that event is linked to trigger's delivery (same event id): one history.
func TestListenLinksForwardToTriggerDelivery(t *testing.T) {
	c := newCrashEnv(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer app.Close()
	cmd := c.cmd("hookctl", "listen", "--port", "0", "--forward", app.URL, "-o", "json")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(stdout)
	if _, err := br.ReadBytes('\n'); err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, br)
	c.hookctl(0, "trigger", "card.created")
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()

	type dl struct {
		ID             string `json:"id"`
		EventID        string `json:"event_id"`
		SubscriptionID string `json:"subscription_id"`
		Kind           string `json:"kind"`
		OriginID       string `json:"origin_id"`
	}
	var ds []dl
	verdicts := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(c.hookctl(0, "store", "export")))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r struct {
			Delivery *dl
			Event    *struct{ ID, Source, Verdict string }
		}
		if json.Unmarshal(sc.Bytes(), &r) != nil {
			continue
		}
		if r.Delivery != nil {
			ds = append(ds, *r.Delivery)
		}
		if r.Event != nil {
			verdicts[r.Event.ID] = r.Event.Source + "/" + r.Event.Verdict
		}
	}
	if len(ds) != 2 {
		t.Fatalf("deliveries %+v, want trigger's and listen's forward", ds)
	}
	sent, fwd := ds[0], ds[1]
	if sent.Kind == "forward" {
		sent, fwd = fwd, sent
	}
	if fwd.Kind != "forward" || fwd.OriginID != sent.ID || sent.Kind != "" || fwd.EventID != sent.EventID {
		t.Fatalf("forward %+v not linked to %+v", fwd, sent)
	}
	if v := verdicts[sent.EventID]; v != "triggered/" {
		t.Fatalf("event source/verdict %q", v)
	}
}

// After kill -9 of listen: `subscriptions list` and `trigger` say the
// listener is gone (trigger does not spend its retry schedule on it), and
// the next listen on the same port takes the subscription over, even with
// other --events, instead of adding another.
func TestListenKilledSubscriptionTakenOver(t *testing.T) {
	c := newCrashEnv(t)
	port := mustFreePort(t)
	start := func(events string) (*exec.Cmd, readyLine) {
		cmd := c.cmd("hookctl", "listen", "--port", port, "--events", events, "-o", "json")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(stdout)
		line, err := br.ReadBytes('\n')
		var ready readyLine
		if err != nil || json.Unmarshal(line, &ready) != nil {
			cmd.Process.Kill()
			t.Fatalf("ready line %q: %v", line, err)
		}
		go io.Copy(io.Discard, br)
		return cmd, ready
	}
	cmd, first := start("*")
	cmd.Process.Kill()
	cmd.Wait()

	var errb bytes.Buffer
	list := c.cmd("hookctl", "subscriptions", "list")
	list.Stderr = &errb
	if err := list.Run(); err != nil {
		t.Fatal(err)
	}
	want := "hookctl listen on :" + port + " is not running — start it or \"hookctl subscriptions disable " + first.SubscriptionID + "\""
	if !strings.Contains(errb.String(), want) {
		t.Fatalf("subscriptions list stderr:\n%s\nwant %q", errb.String(), want)
	}
	errb.Reset()
	tr := c.cmd("hookctl", "trigger", "card.created")
	tr.Stderr = &errb
	began := time.Now()
	err := tr.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || time.Since(began) > 5*time.Second || !strings.Contains(errb.String(), want) {
		t.Fatalf("trigger to a dead listener: %v after %s\n%s", err, time.Since(began), errb.String())
	}

	cmd, second := start("card.*")
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	if second.SubscriptionID != first.SubscriptionID || second.Secret != first.Secret {
		t.Fatalf("the second listen on :%s made subscription %s, want %s taken over", port, second.SubscriptionID, first.SubscriptionID)
	}
	var subs []map[string]any
	if err := json.Unmarshal(c.hookctl(0, "subscriptions", "list", "-o", "json"), &subs); err != nil || len(subs) != 1 {
		t.Fatalf("%d subscriptions, want 1 (%v)", len(subs), err)
	}
}

// A journal that cannot be created (the data directory is not writable,
// the disk is full) stops listen at start: one line, exit 3, a hint.
func TestListenJournalNotWritable(t *testing.T) {
	c := newCrashEnv(t)
	c.hookctl(0, "store", "migrate") // creates the store
	if err := os.WriteFile(c.dir+"/journal", []byte("in the way"), 0o600); err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd := c.cmd("hookctl", "listen", "--port", "0")
	cmd.Stderr = &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
		t.Fatalf("listen with an unwritable journal: %v\n%s", err, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
	if !strings.HasPrefix(lines[0], "hookctl: error: cannot write the listen journal ") || len(lines) != 2 || !strings.HasPrefix(lines[1], "hookctl: hint: ") {
		t.Fatalf("stderr:\n%s", errb.String())
	}
	// …and registers no subscription that nothing serves.
	var subs []map[string]any
	if err := json.Unmarshal(c.hookctl(0, "subscriptions", "list", "-o", "json"), &subs); err != nil || len(subs) != 0 {
		t.Fatalf("subscriptions after a failed start: %v %v", subs, err)
	}
}

// On a terminal (HOOKCTL_FORCE_TTY), a burst through listen shows a few
// lines a second and a summary line for the rest, not a line per request.
func TestListenTerminalLogCoalesced(t *testing.T) {
	c := newCrashEnv(t)
	c.env = append(c.env, "HOOKCTL_FORCE_TTY=1", "COLUMNS=200")
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer app.Close()
	port := mustFreePort(t)
	secret := strings.TrimSpace(string(c.hookctl(0, "listen", "--port", port, "--print-secret")))
	var out bytes.Buffer
	cmd := c.cmd("hookctl", "listen", "--port", port, "--forward", app.URL)
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	base := "http://127.0.0.1:" + port
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("listen did not start")
		}
	}
	sc, _ := signature.Lookup("standard")
	burst := time.Now()
	for i := range 300 {
		body := []byte(`{"type":"card.created"}`)
		h, _ := sc.Sign(signature.SignInput{Secrets: []string{secret}, ID: fmt.Sprintf("msg_tty_%d", i), Timestamp: time.Now(), Body: body})
		req, _ := http.NewRequest("POST", base+"/", bytes.NewReader(body))
		req.Header = h
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	// At most 8 lines and a "… N more" line a second: the burst takes
	// well under a second, more on a loaded machine.
	if limit := max(40, 10+10*int(time.Since(burst).Seconds()+1)); len(lines) > limit || !strings.Contains(out.String(), " more card.created, all 200") {
		t.Fatalf("%d lines on the terminal (want at most %d):\n%s", len(lines), limit, tail(out.String()))
	}
}

// TestListenDamagedJournalRecovered: listen is killed in a burst, and its
// journal is then damaged in the middle (as a disk fault would). The next
// store command imports every record around the damage, warns with the
// offset, keeps the file aside, and store info lists it.
func TestListenDamagedJournalRecovered(t *testing.T) {
	t.Parallel()
	c, acked := damagedListenJournal(t)
	var out, errb bytes.Buffer
	info := c.cmd("hookctl", "store", "info")
	info.Stdout, info.Stderr = &out, &errb
	if err := info.Run(); err != nil {
		t.Fatalf("store info: %v\n%s", err, errb.String())
	}
	if !strings.Contains(errb.String(), "warning: the listen journal had unreadable records at byte offset") ||
		!strings.Contains(errb.String(), ".journal.damaged") || !strings.Contains(out.String(), "damaged journal") {
		t.Fatalf("store info\nstdout: %s\nstderr: %s", out.String(), errb.String())
	}
	stored := exportedEventIDs(t, c)
	missing := 0
	for id := range acked {
		if !stored[id] {
			missing++
		}
	}
	// 300 bytes touch one or two records; every other one is in the store.
	t.Logf("%d answered 2xx, %d missing after 300 damaged bytes", len(acked), missing)
	if missing > 2 {
		t.Fatalf("%d of %d acknowledged events missing", missing, len(acked))
	}
}

// faultPG is a PostgreSQL server of .ci/pg.sh that a test stops and starts.
type faultPG struct {
	url, dir, port string
	ctl            func(args ...string) // pg_ctl -D its data -w args…
}

// restart starts the server again after a stop, with durable settings on
// its own port.
func (pg faultPG) restart() {
	pg.ctl("-l", pg.dir+"/server.log", "-t", "30", "-o",
		"-c listen_addresses=127.0.0.1 -p "+pg.port+" -k "+pg.dir+"/sock -c max_connections=200 -c fsync=on -c synchronous_commit=on", "start")
}

// crashFor kills the server (an immediate stop: no checkpoint, as in a
// crash) and restarts it after down.
func (pg faultPG) crashFor(down time.Duration) {
	pg.ctl("-m", "immediate", "stop")
	time.Sleep(down)
	pg.restart()
}

// startFaultPG starts a server with .ci/pg.sh (settings: PG_SETTINGS for
// it, "" for pg.sh's own) and stops it when the test ends; without
// HOOKCTL_PG_FAULT=1 it skips the test.
func startFaultPG(t *testing.T, settings string) faultPG {
	t.Helper()
	if os.Getenv("HOOKCTL_PG_FAULT") != "1" {
		t.Skip("HOOKCTL_PG_FAULT=1 runs it (it starts its own PostgreSQL server)")
	}
	cmd := exec.Command("bash", ".ci/pg.sh", "start")
	if settings != "" {
		cmd.Env = append(os.Environ(), "PG_SETTINGS="+settings)
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pg.sh start: %v", err)
	}
	env := map[string]string{}
	for _, l := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(strings.TrimPrefix(l, "export "), "="); ok {
			env[k] = v
		}
	}
	pg := faultPG{url: env["HOOKCTL_TEST_POSTGRES"], dir: env["PG_TEST_DIR"]}
	t.Cleanup(func() { exec.Command("bash", ".ci/pg.sh", "stop", pg.dir).Run() })
	port, _ := os.ReadFile(pg.dir + "/port")
	pg.port = strings.TrimSpace(string(port))
	pg.ctl = func(args ...string) {
		a := append([]string{"-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "-D", pg.dir + "/data", "-w"}, args...)
		if b, err := exec.Command("runuser", a...).CombinedOutput(); err != nil {
			t.Errorf("pg_ctl %v: %v\n%s", args, err, b)
		}
	}
	return pg
}

// pgEnv is a crash environment whose store is the PostgreSQL at url.
func pgEnv(t *testing.T, url string) *crashEnv {
	c := newCrashEnv(t)
	for i, e := range c.env {
		if strings.HasPrefix(e, "HOOKCTL_STORE=") {
			c.env[i] = "HOOKCTL_STORE=" + url
		}
	}
	c.env = append(c.env, "XDG_DATA_HOME="+c.dir+"/data")
	return c
}

// TestWorkersThroughPostgresCrash (HOOKCTL_PG_FAULT=1): three workers
// deliver to a flaky receiver (500s, connections dropped after the
// request was read) while PostgreSQL — durable settings — is killed
// (immediate stop: a crash) and restarted 3 s later. Afterwards every
// delivery is final, each success the receiver gave is recorded, and the
// requests the receiver saw exceed the attempts recorded by at most what
// was in flight when the database went away.
func TestWorkersThroughPostgresCrash(t *testing.T) {
	pg := startFaultPG(t, "-c fsync=on -c synchronous_commit=on")
	c := pgEnv(t, pg.url)
	var (
		mu    sync.Mutex
		total int
		oks   = map[string]int{}
	)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		total++
		n := total
		mu.Unlock()
		switch n % 10 {
		case 0, 1, 2:
			w.WriteHeader(500)
		case 3:
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
		default:
			mu.Lock()
			oks[r.Header.Get("Webhook-Id")]++
			mu.Unlock()
		}
	}))
	defer app.Close()
	const events, workers, conc = 1500, 3, 16
	c.hookctl(0, "subscribe", "--url", app.URL+"/hooks", "--events", "*", "--scheme", "standard")
	c.hookctl(0, "trigger", "card.created", "--count", strconv.Itoa(events), "--concurrency", "32",
		"--retry-schedule", "0s,1s,1s,1s,1s,1s,1s,1s,1s,1s", "--wait", "200ms")
	var procs []*exec.Cmd
	var errs []*bytes.Buffer
	for range workers {
		w := c.cmd("hookctl", "worker", "--concurrency", strconv.Itoa(conc))
		var eb bytes.Buffer
		w.Stderr = &eb
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		procs, errs = append(procs, w), append(errs, &eb)
	}
	time.Sleep(1500 * time.Millisecond)
	pg.crashFor(3 * time.Second)
	deadline := time.Now().Add(90 * time.Second)
	for {
		out := c.hookctl(0, "deliveries", "list", "--status", "pending", "--limit", "0")
		if len(bytes.TrimSpace(out)) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries still pending 90 s after the restart", bytes.Count(out, []byte("\n")))
		}
		time.Sleep(500 * time.Millisecond)
	}
	for i, w := range procs {
		w.Process.Signal(syscall.SIGTERM)
		if err := w.Wait(); err != nil {
			t.Errorf("worker %d: %v\n%s", i, err, errs[i].String())
		}
		// The outage is said once per worker, as serve says it, not as a
		// warning at every claim it failed.
		out := errs[i].String()
		if strings.Contains(out, "cannot claim deliveries") || strings.Count(out, "waiting for the store") != 1 || strings.Count(out, "the store is back") != 1 {
			t.Errorf("worker %d did not say the outage once (a warning at every claim?):\n%s", i, out)
		}
	}
	var info struct{ Attempts int64 }
	if err := json.Unmarshal(c.hookctl(0, "store", "info", "-o", "json"), &info); err != nil {
		t.Fatal(err)
	}
	succeeded := bytes.Count(c.hookctl(0, "deliveries", "list", "--status", "succeeded", "--limit", "0"), []byte("\n"))
	failed := bytes.Count(c.hookctl(0, "deliveries", "list", "--status", "failed", "--limit", "0"), []byte("\n"))
	mu.Lock()
	defer mu.Unlock()
	dupOK := 0
	for _, n := range oks {
		if n > 1 {
			dupOK++
		}
	}
	t.Logf("receiver: %d requests, %d events answered 200 (%d twice); store: %d attempts, %d succeeded, %d failed",
		total, len(oks), dupOK, info.Attempts, succeeded, failed)
	if succeeded+failed != events {
		t.Fatalf("%d succeeded + %d failed of %d deliveries", succeeded, failed, events)
	}
	if succeeded != len(oks) {
		t.Fatalf("the receiver answered 200 for %d events, the store says %d succeeded", len(oks), succeeded)
	}
	// The attempts made while the server was down are recorded once it
	// is back (the recorder keeps them), so requests and attempts match
	// within what was in flight — either way: an attempt whose connection
	// broke before the receiver read it is recorded but not seen.
	if diff := int64(total) - info.Attempts; diff < -workers*conc || diff > workers*conc || dupOK > workers*conc {
		t.Fatalf("%d requests seen, %d attempts recorded, %d events answered 200 twice: more than the %d in flight", total, info.Attempts, dupOK, workers*conc)
	}
}

// damagedListenJournal kills listen in a burst and writes 300 zero bytes
// into the middle of what its journal holds for the store; it returns the
// environment and the ids answered 2xx.
//
// Another connection holds the store's write lock from listen's ready
// line until the kill, so listen imports nothing meanwhile: every record
// it answered for is still in the journal, whatever the machine's load.
// Without the lock the importer ran beside the burst whenever it counted
// too few requests per tick to call listen busy — on a loaded machine —
// and left as little as nothing to import ("only 17210 journal bytes left
// to import: the test proves nothing"; 8 runs of 20 under three busy loops).
func damagedListenJournal(t *testing.T) (*crashEnv, map[string]bool) {
	t.Helper()
	c := newCrashEnv(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte("ok"))
	}))
	defer app.Close()
	var release func()
	acked := listenBurst(t, c, app.URL, listenFault{name: "damaged", sig: syscall.SIGKILL, requests: 3000, rounds: 1,
		ready: func() { release = sigflakeHoldWriteLock(t, filepath.Join(c.dir, "hookctl.db")) }}, 0)
	release()
	journals, _ := filepath.Glob(filepath.Join(c.dir, "journal", "listen-*.journal"))
	if len(journals) != 1 {
		t.Fatalf("journals after kill -9: %v", journals)
	}
	b, err := os.ReadFile(journals[0])
	if err != nil {
		t.Fatal(err)
	}
	nl := bytes.IndexByte(b, '\n')
	fs := strings.Fields(string(b[:nl]))
	from, err := strconv.ParseInt(fs[len(fs)-1], 16, 64)
	if err != nil {
		t.Fatalf("header %q: %v", b[:nl], err)
	}
	end := bytes.Index(b[from:], make([]byte, 64)) // the preallocated zeros
	if end < 40000 {
		t.Fatalf("only %d journal bytes left to import: the test proves nothing", end)
	}
	f, err := os.OpenFile(journals[0], os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(make([]byte, 300), from+int64(end/2)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return c, acked
}
