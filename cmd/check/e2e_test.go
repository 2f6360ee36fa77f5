package check_test

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/cmd"
	"github.com/hookctl/hookctl/internal/check"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/testutil/testpar"
)

// The test binary doubles as hookctl: the end-to-end tests exec it as a
// real process (the same cmd.Main as the release binary).
func TestMain(m *testing.M) {
	if os.Getenv("HOOKCTL_CHECK_TEST_AS_HOOKCTL") == "1" {
		os.Exit(cmd.Main())
	}
	code := testpar.Run(m, checkParallel)
	removeSDKModules() // checksdk_receivers_test.go: its npm install
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
	report         *check.Report
	junit          *junitDoc
}

type junitDoc struct {
	Suites []struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Cases    []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// hookctl runs the binary with args in a fresh store; with -o json it
// decodes the report, with --junit it parses the XML.
func hookctl(t *testing.T, env []string, args ...string) result {
	t.Helper()
	dir := t.TempDir()
	c := exec.Command(os.Args[0], args...)
	c.Env = append(os.Environ(), "HOOKCTL_CHECK_TEST_AS_HOOKCTL=1",
		"HOOKCTL_CONFIG_DIR="+filepath.Join(dir, "config"), "HOOKCTL_STORE="+filepath.Join(dir, "hookctl.db"),
		"XDG_DATA_HOME="+filepath.Join(dir, "data"), "HOME="+dir)
	c.Env = append(c.Env, env...)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(args, "json") && r.code <= 1 {
		r.report = &check.Report{}
		if err := json.Unmarshal(out.Bytes(), r.report); err != nil {
			t.Fatalf("stdout is not a JSON report: %v\n%s\nstderr: %s", err, out.String(), errb.String())
		}
	}
	if i := slices.Index(args, "--junit"); i >= 0 && r.code <= 1 {
		data, err := os.ReadFile(args[i+1])
		if err != nil {
			t.Fatal(err)
		}
		r.junit = &junitDoc{}
		if err := xml.Unmarshal(data, r.junit); err != nil {
			t.Fatalf("JUnit file is not XML: %v\n%s", err, data)
		}
	}
	return r
}

func (r result) verdicts(v check.Verdict) []string {
	var ids []string
	for _, c := range r.report.Checks {
		if c.Verdict == v {
			ids = append(ids, c.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

func (r result) dump() string {
	var b strings.Builder
	if r.report != nil {
		for _, c := range r.report.Checks {
			fmt.Fprintf(&b, "  %-28s %s %s\n", c.ID, c.Verdict, c.Detail)
		}
	}
	return fmt.Sprintf("exit %d\n%s%s\nstderr: %s", r.code, b.String(), r.stdout, r.stderr)
}

// checkJUnit asserts the JUnit file names every check that ran and fails
// exactly the failed ones, with their evidence.
func checkJUnit(t *testing.T, r result, failed []string) {
	t.Helper()
	if r.junit == nil || len(r.junit.Suites) != 1 {
		t.Fatalf("no JUnit suite: %+v", r.junit)
	}
	s := r.junit.Suites[0]
	var names, fails []string
	for _, c := range s.Cases {
		names = append(names, c.Name)
		if c.Failure != nil {
			fails = append(fails, c.Name)
			if !strings.Contains(c.Failure.Text, "hookctl deliveries show") || c.Failure.Message == "" {
				t.Errorf("JUnit failure of %s lacks its evidence: %+v", c.Name, c.Failure)
			}
		}
	}
	var want []string
	for _, c := range r.report.Checks {
		want = append(want, c.ID)
	}
	if !slices.Equal(names, want) {
		t.Errorf("JUnit testcases = %v, want %v", names, want)
	}
	sort.Strings(fails)
	if !slices.Equal(fails, failed) || s.Failures != len(failed) || s.Tests != len(want) {
		t.Errorf("JUnit failures = %v (count %d of %d), want %v", fails, s.Failures, s.Tests, failed)
	}
}

// behaviour is how a test receiver (mis)behaves.
type behaviour struct {
	noVerify      bool          // accepts anything
	noTimestamp   bool          // verifies the signature, ignores the timestamp
	dup500        bool          // 500 to a duplicate
	unknownStatus int           // answer to an unknown event type (0 = 200)
	sleep         time.Duration // before answering a valid event
	doubleCount   bool          // acts on duplicates again
	okStatus      int           // answer to a valid event (0 = 200)
	serial        time.Duration // one request at a time, each taking this long
	// lateDup acts on the first delivery at once and on a duplicate
	// again this much later (its job queue's next poll).
	lateDup time.Duration
	// cutShort answers a valid event 200 with a Content-Length larger
	// than the body, then closes the connection (a handler that crashed
	// after it started answering).
	cutShort bool
	// limit answers 429 to every request after the first limit (a rate
	// limiter in front of the handler).
	limit int
}

// receiver is a Go test receiver verifying with hookctl's own schemes; it
// appends the id of each event it acts on to a file (the effect).
type receiver struct {
	srv    *httptest.Server
	effect string
	mu     sync.Mutex
	seen   map[string]bool
}

func newReceiver(t *testing.T, scheme, secret string, b behaviour) *receiver {
	t.Helper()
	sch, err := signature.Lookup(scheme)
	if err != nil {
		t.Fatal(err)
	}
	rc := &receiver{effect: filepath.Join(t.TempDir(), "effect.log"), seen: map[string]bool{}}
	var one sync.Mutex // serial: a single worker
	if err := os.WriteFile(rc.effect, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var requests atomic.Int32
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if b.limit > 0 && int(requests.Add(1)) > b.limit {
			http.Error(w, "Too many requests, please try again later.", http.StatusTooManyRequests)
			return
		}
		if b.serial > 0 {
			one.Lock()
			time.Sleep(b.serial)
			one.Unlock()
		}
		if !b.noVerify {
			in := signature.VerifyInput{Secrets: []string{secret}, Header: r.Header, Body: body, Now: time.Now()}
			if b.noTimestamp {
				in.Tolerance = signature.NoTolerance
			}
			if err := sch.Verify(in); err != nil {
				http.Error(w, err.Error(), http.StatusUnauthorized)
				return
			}
		}
		if b.sleep > 0 {
			time.Sleep(b.sleep)
		}
		var ev struct {
			ID, Type, Event string
			OccurredAt      string `json:"occurred_at"`
		}
		json.Unmarshal(body, &ev)
		if typ := ev.Type + ev.Event; strings.Contains(typ, "unknown") && b.unknownStatus != 0 {
			http.Error(w, "unknown event type "+typ, b.unknownStatus)
			return
		}
		id := signature.EventIDFromHeaders(r.Header)
		if id == "" {
			// No id header (Stripe, Bond… nor hookctl): the body's id,
			// else (Bond) the event's name and occurred_at.
			id = ev.ID
			if id == "" {
				id = ev.Event + " " + ev.OccurredAt
			}
		}
		rc.mu.Lock()
		dup := rc.seen[id]
		rc.seen[id] = true
		rc.mu.Unlock()
		if dup && b.dup500 {
			http.Error(w, "duplicate key value violates unique constraint", http.StatusInternalServerError)
			return
		}
		act := func() {
			f, err := os.OpenFile(rc.effect, os.O_APPEND|os.O_WRONLY, 0)
			if err == nil {
				fmt.Fprintln(f, id)
				f.Close()
			}
		}
		switch {
		case !dup || b.doubleCount:
			act()
		case b.lateDup > 0:
			time.AfterFunc(b.lateDup, act)
		}
		if b.cutShort {
			c, buf, err := w.(http.Hijacker).Hijack()
			if err == nil {
				buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"ok\":")
				buf.Flush()
				c.Close()
			}
			return
		}
		if b.okStatus != 0 {
			w.WriteHeader(b.okStatus)
		}
		fmt.Fprintln(w, `{"ok":true}`)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

const (
	bondSecret   = "whsec_XqTEJtniwuEhp0A1c1cTJNsmpR/qgOfB"
	stripeSecret = "whsec_wF4/YgSSZxnOYUY2VkAHy7CypiU1XZwiPu2UGUB6czE="
	stdSecret    = "whsec_cHAfj3mz6QX03PHbCQ4FAfRVf0GK8GsLmx9hMaQ0l9A="
)

// fast flags keep the suite quick: a short deadline, a small burst, a
// short effect watch.
var fast = []string{"--deadline", "1s", "--burst", "10", "--effect-wait", "1s"}

func runAgainst(t *testing.T, url string, extra ...string) result {
	t.Helper()
	junit := filepath.Join(t.TempDir(), "check.xml")
	args := append([]string{"check", url, "-o", "json", "--junit", junit}, fast...)
	return hookctl(t, nil, append(args, extra...)...)
}

// TestBrokenReceivers: each broken receiver fails exactly its checks.
func TestBrokenReceivers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		b        behaviour
		effect   bool
		code     int
		failed   []string
		warnings []string
		hint     string            // in the hint of the first failure
		hints    map[string]string // check id: in its hint
		details  map[string]string // check id: in its evidence
		deadline string            // --deadline instead of fast's
	}{
		{name: "correct", code: 0, effect: true},
		{name: "never-verifies", b: behaviour{noVerify: true}, code: 1, failed: []string{
			check.RejectsFutureTimestamp, check.RejectsMalformedSig, check.RejectsMissingSig, check.RejectsStaleTimestamp, check.RejectsTamperedBody, check.RejectsWrongSecret},
			hints: map[string]string{check.RejectsMissingSig: "accepted without bond-signature: an attacker's request would be processed; refuse a request that lacks it",
				check.RejectsWrongSecret: "check it against the subscription's secret", check.RejectsTamperedBody: "over the raw body bytes"}},
		{name: "500-to-duplicates", b: behaviour{dup500: true}, code: 1, failed: []string{check.AcknowledgesDuplicate}},
		{name: "500-to-unknown", b: behaviour{unknownStatus: 500}, code: 1, failed: []string{check.IgnoresUnknownEvent}},
		{name: "400-to-unknown", b: behaviour{unknownStatus: 400}, code: 0, warnings: []string{check.IgnoresUnknownEvent}},
		{name: "sleeps-past-deadline", b: behaviour{sleep: 1300 * time.Millisecond}, code: 1, failed: []string{check.RespondsFast, check.SurvivesBurst}},
		// One request at a time: each answer is quick, but the burst's
		// last waits for the nine before it (~1.3 s, over a quarter of
		// the 4 s deadline); the deadline is raised for this case only.
		{name: "one-at-a-time", b: behaviour{serial: 130 * time.Millisecond}, deadline: "4s", code: 0, warnings: []string{check.SurvivesBurst}},
		// Slow but concurrent (a handler awaiting 1.3 s of work): the
		// burst's slowest answer is as slow as one alone, over a quarter
		// of the deadline but not queued: responds-fast warns, the burst
		// passes (it warned "requests wait in a queue").
		{name: "slow-concurrent", b: behaviour{sleep: 1300 * time.Millisecond}, deadline: "4s", code: 0, warnings: []string{check.RespondsFast}},
		// It verifies the signature: the hints speak of the timestamp
		// (they said "verify the signature").
		{name: "accepts-stale", b: behaviour{noTimestamp: true}, code: 1, failed: []string{check.RejectsFutureTimestamp, check.RejectsStaleTimestamp},
			hints: map[string]string{check.RejectsStaleTimestamp: "checking the signature is not enough: also answer 400 or 401 when the signed timestamp is more than 5 minutes old",
				check.RejectsFutureTimestamp: "when the signed timestamp is more than 5 minutes in the future"}},
		{name: "double-counts", b: behaviour{doubleCount: true}, effect: true, code: 1, failed: []string{check.DedupesDuplicate}},
		// Its first delivery took effect at once, its duplicate 700 ms
		// later (a queue's next poll), within --effect-wait 1s: watching
		// the duplicate only as long as the first took (500 ms) passed it.
		{name: "double-counts-later", b: behaviour{lateDup: 700 * time.Millisecond}, effect: true, code: 1, failed: []string{check.DedupesDuplicate}},
		// Bond counts only 200 and 201 as delivered (delivery.Success):
		// a 202 is retried, so it fails every check of a valid event.
		{name: "202-to-valid", b: behaviour{okStatus: http.StatusAccepted}, code: 1, failed: []string{
			check.AcceptsLargePayload, check.AcceptsValid, check.AcknowledgesDuplicate, check.IgnoresUnknownEvent, check.SurvivesBurst, check.ToleratesOutOfOrder,
			check.VerifiesRawBody},
			hint: "Bond counts only 200 and 201 as delivered and retries a 202: answer 200"},
		{name: "201-to-valid", b: behaviour{okStatus: http.StatusCreated}, code: 0},
		// It verifies nothing, and a rate limit answers 429 from the
		// fourth request on: the rejects-* checks the limit answered
		// fail, saying why (a 429 passed them as a rejection), and so
		// does ignores-unknown-event (it warned, as of a 4xx).
		{name: "rate-limited", b: behaviour{noVerify: true, limit: 3}, code: 1, failed: []string{
			check.AcceptsLargePayload, check.IgnoresUnknownEvent, check.RejectsFutureTimestamp, check.RejectsMalformedSig, check.RejectsMissingSig, check.RejectsStaleTimestamp,
			check.RejectsTamperedBody, check.RejectsWrongSecret, check.SurvivesBurst, check.ToleratesOutOfOrder, check.VerifiesRawBody},
			hints: map[string]string{check.RejectsWrongSecret: "429 Too Many Requests: a rate limit answered", check.IgnoresUnknownEvent: "429 Too Many Requests",
				check.SurvivesBurst: "429 Too Many Requests", check.RejectsMissingSig: "accepted without bond-signature"}},
		// 200, then the connection closed before the body's end: not
		// delivered, and not for want of a 2xx or a verified signature
		// (the hints said "verify the signature over the raw body
		// bytes … then answer 2xx", the burst "10 answered 200").
		{name: "cut-short", b: behaviour{cutShort: true}, code: 1, failed: []string{
			check.AcceptsLargePayload, check.AcceptsValid, check.AcknowledgesDuplicate, check.IgnoresUnknownEvent, check.SurvivesBurst, check.ToleratesOutOfOrder,
			check.VerifiesRawBody},
			hints: map[string]string{check.AcceptsValid: "the answer (200) was cut short", check.AcknowledgesDuplicate: "the answer (200) was cut short",
				check.SurvivesBurst: "the answer (200) was cut short"},
			details: map[string]string{check.SurvivesBurst: "10 got an answer cut short"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rc := newReceiver(t, "bond", bondSecret, tc.b)
			extra := []string{"--provider", "bond", "--secret", bondSecret}
			if tc.deadline != "" {
				extra = append(extra, "--deadline", tc.deadline)
			}
			if tc.effect {
				extra = append(extra, "--effect-cmd", "wc -l < "+rc.effect)
			}
			r := runAgainst(t, rc.srv.URL, extra...)
			if r.code != tc.code || !slices.Equal(r.verdicts(check.Fail), tc.failed) || !slices.Equal(r.verdicts(check.Warn), tc.warnings) {
				t.Fatalf("want exit %d, FAIL %v, WARN %v; got\n%s", tc.code, tc.failed, tc.warnings, r.dump())
			}
			checkJUnit(t, r, tc.failed)
			if tc.hint != "" {
				// The checks of a valid event say it, with nothing before.
				for _, c := range r.report.Checks {
					if (c.ID == check.AcceptsValid || c.ID == check.IgnoresUnknownEvent) && c.Hint != tc.hint {
						t.Errorf("hint of %s = %q, want %q", c.ID, c.Hint, tc.hint)
					}
				}
			}
			for _, c := range r.report.Checks {
				if want, ok := tc.hints[c.ID]; ok && !strings.Contains(c.Hint, want) {
					t.Errorf("hint of %s = %q, want it to say %q", c.ID, c.Hint, want)
				}
				if want, ok := tc.details[c.ID]; ok && !strings.Contains(c.Detail, want) {
					t.Errorf("evidence of %s = %q, want it to say %q", c.ID, c.Detail, want)
				}
				if c.Verdict != check.Skip && c.DeliveryID == "" {
					t.Errorf("%s has no recorded probe", c.ID)
				}
			}
			if tc.effect && !tc.b.doubleCount && tc.b.lateDup == 0 && !slices.Contains(r.verdicts(check.Pass), check.DedupesDuplicate) {
				t.Errorf("dedupes-duplicate did not pass:\n%s", r.dump())
			}
		})
	}
}

// TestFailingProbeIsRecorded: the delivery behind a failing check shows
// the request and the receiver's answer.
func TestFailingProbeIsRecorded(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, "bond", bondSecret, behaviour{dup500: true})
	dir := t.TempDir()
	env := []string{"HOOKCTL_STORE=" + filepath.Join(dir, "shared.db")}
	r := hookctl(t, env, "check", rc.srv.URL, "--provider", "bond", "--secret", bondSecret, "--only", "acknowledges-duplicate", "-o", "json")
	if r.code != 1 || r.report == nil || len(r.report.Checks) != 1 {
		t.Fatalf("got %s", r.dump())
	}
	c := r.report.Checks[0]
	show := hookctl(t, env, "deliveries", "show", c.DeliveryID)
	for _, want := range []string{"Bond-Signature:", "[500]", "duplicate key value", "check"} {
		if !strings.Contains(show.stdout, want) {
			t.Errorf("deliveries show lacks %q:\n%s%s", want, show.stdout, show.stderr)
		}
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String() + "/webhooks"
	ln.Close()
	rc := newReceiver(t, "bond", bondSecret, behaviour{})
	cases := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"unreachable", []string{"check", dead, "--provider", "bond", "--secret", bondSecret}, 3,
			[]string{"hookctl: error: cannot reach " + dead, "connection refused", "hookctl: hint: is the receiver running"}},
		{"bad-only", []string{"check", rc.srv.URL, "--provider", "bond", "--secret", bondSecret, "--only", "accepts-valid,rejects-stale"}, 2,
			[]string{`unknown check "rejects-stale" in --only`, `did you mean "rejects-stale-timestamp"?`}},
		{"bad-skip", []string{"check", rc.srv.URL, "--provider", "bond", "--secret", bondSecret, "--skip", "burst"}, 2,
			[]string{`unknown check "burst" in --skip`, `did you mean "survives-burst"?`}},
		{"inapplicable", []string{"check", rc.srv.URL, "--scheme", "github", "--secret", bondSecret, "--only", "rejects-stale-timestamp,accepts-rotated-secret,accepts-template-methods"}, 2,
			[]string{"none of the selected checks applies to scheme github", "signs no timestamp", "one signature per request", "Mambu only"}},
		{"unknown-scheme", []string{"check", rc.srv.URL, "--scheme", "nope", "--secret", "x"}, 2, []string{`unknown signature scheme "nope"`}},
		{"no-secret", []string{"check", rc.srv.URL, "--provider", "bond"}, 2, []string{"no secret to sign the probes with"}},
		{"no-scheme", []string{"check", rc.srv.URL, "--secret", bondSecret}, 2, []string{"which provider or scheme",
			"--provider {bond|mono|mambu|saas|standard|stripe|github}"}}, // every provider check takes (stripe and github were missing)
		{"no-url", []string{"check"}, 2, []string{"hookctl check takes 1 argument (<url>), got none"}},
		// Was found after every probe had run, the report lost, exit 3.
		{"junit-unwritable", []string{"check", rc.srv.URL, "--provider", "bond", "--secret", bondSecret, "--junit", "/nonexistent-dir/check.xml"}, 2,
			[]string{"hookctl: error: cannot write --junit /nonexistent-dir/check.xml"}},
		// Was "none of the selected checks applies to scheme bond", after
		// sending probes.
		{"dedupe-without-effect", []string{"check", rc.srv.URL, "--provider", "bond", "--secret", bondSecret, "--only", "dedupes-duplicate"}, 2,
			[]string{"hookctl: error: dedupes-duplicate needs --effect-cmd", "hookctl: hint: e.g. --effect-cmd"}},
		// Was taken as the default deadline.
		{"zero-deadline", []string{"check", rc.srv.URL, "--provider", "bond", "--secret", bondSecret, "--deadline", "0s"}, 2,
			[]string{"invalid --deadline 0s: want a positive duration"}},
		// Was unbounded: 2,000,000 held 4 GB and ignored signals.
		{"huge-burst", []string{"check", rc.srv.URL, "--provider", "bond", "--secret", bondSecret, "--burst", "2000000"}, 2,
			[]string{"invalid --burst 2000000: want 1 to 10000"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := hookctl(t, nil, tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tc.code, r.dump())
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
		})
	}
}

// The secret may come from $HOOKCTL_SECRET, as for sign and verify (the
// GitHub Action passes it so, out of the logged command line); --secret
// wins over it.
func TestSecretFromEnvironment(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, "bond", bondSecret, behaviour{})
	r := hookctl(t, []string{"HOOKCTL_SECRET=" + bondSecret}, "check", rc.srv.URL, "--provider", "bond", "--only", "accepts-valid", "-o", "json")
	if r.code != 0 || r.report == nil || len(r.report.Checks) != 1 || r.report.Checks[0].Verdict != check.Pass {
		t.Fatalf("secret from the environment: %s", r.dump())
	}
	r = hookctl(t, []string{"HOOKCTL_SECRET=whsec_wrong"}, "check", rc.srv.URL, "--provider", "bond", "--secret", bondSecret, "--only", "accepts-valid", "-o", "json")
	if r.code != 0 {
		t.Fatalf("--secret did not win over the environment: %s", r.dump())
	}
}

// The report names its run's length as trigger and replay do: elapsed_ms.
func TestReportElapsedMS(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, "bond", bondSecret, behaviour{})
	r := hookctl(t, nil, "check", rc.srv.URL, "--provider", "bond", "--secret", bondSecret, "--only", "accepts-valid", "-o", "json")
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v: %s", err, r.dump())
	}
	if ms, ok := doc["elapsed_ms"].(float64); !ok || ms < 0 {
		t.Errorf("elapsed_ms = %v, want a number of milliseconds:\n%s", doc["elapsed_ms"], r.stdout)
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	r := hookctl(t, nil, "check", "--list")
	for _, id := range check.IDs() {
		if !strings.Contains(r.stdout, id) {
			t.Errorf("--list lacks %s", id)
		}
	}
	r = hookctl(t, nil, "check", "--list", "-o", "json")
	var doc struct{ Checks []check.Def }
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc.Checks) != len(check.Defs) {
		t.Fatalf("--list -o json: %v\n%s", err, r.stdout)
	}
}

// TestTerminalTable: on a terminal the verdicts are coloured and the
// summary line and hints are printed.
func TestTerminalTable(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, "bond", bondSecret, behaviour{unknownStatus: 500})
	r := hookctl(t, []string{"HOOKCTL_FORCE_TTY=1", "CLICOLOR_FORCE=1", "NO_COLOR="}, append([]string{"check", rc.srv.URL, "--provider", "bond", "--secret", bondSecret}, fast...)...)
	if r.code != 1 {
		t.Fatalf("got %s", r.dump())
	}
	for _, want := range []string{"accepts-valid", "\x1b[32mPASS\x1b[0m", "\x1b[31mFAIL\x1b[0m", "\x1b[31mFAIL\x1b[0m ignores-unknown-event: the receiver failed (500): see its log; answer 2xx to event types you do not handle",
		"hookctl deliveries show", "1 failed\x1b[0m, 0 warnings, ", "4 skipped\x1b[0m ("} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("terminal output lacks %q:\n%s", want, r.stdout)
		}
	}
}

// TestPipedRowsOnly: piped, stdout has the table's rows only, three
// tab-separated fields each; the hints and the summary are on stderr (they
// were printed among the rows, so 'cut -f2' read them as verdicts).
func TestPipedRowsOnly(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, "bond", bondSecret, behaviour{unknownStatus: 500})
	r := hookctl(t, nil, append([]string{"check", rc.srv.URL, "--provider", "bond", "--secret", bondSecret}, fast...)...)
	if r.code != 1 {
		t.Fatalf("got %s", r.dump())
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) < 5 {
		t.Fatalf("stdout: %q", r.stdout)
	}
	for _, line := range lines {
		if f := strings.Split(line, "\t"); len(f) != 3 || !slices.Contains([]string{"PASS", "FAIL", "WARN", "SKIP"}, f[1]) {
			t.Errorf("stdout line is not a row: %q", line)
		}
	}
	for _, want := range []string{"FAIL ignores-unknown-event: ", "hookctl deliveries show", " passed, 1 failed, "} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

// TestMambu: template methods (PUT XML, PATCH text) and Basic auth.
func TestMambu(t *testing.T) {
	t.Parallel()
	secret := "hookctl:s3cret-password"
	rc := newReceiver(t, "mambu", secret, behaviour{})
	r := runAgainst(t, rc.srv.URL, "--provider", "mambu", "--secret", secret, "--effect-cmd", "wc -l < "+rc.effect)
	if r.code != 0 || len(r.verdicts(check.Fail)) != 0 || !slices.Contains(r.verdicts(check.Pass), check.AcceptsTemplateMethods) ||
		!slices.Contains(r.verdicts(check.Pass), check.RejectsWrongSecret) {
		t.Fatalf("got %s", r.dump())
	}
}

// startExample runs an example receiver and returns its URL.
func startExample(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	c := exec.Command(name, args...)
	c.Dir = dir
	c.Env = append(os.Environ(), env...)
	c.Env = append(c.Env, "PORT=0")
	out, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c.Stderr = os.Stderr
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Process.Kill(); c.Wait() })
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				lines <- u
			}
		}
	}()
	select {
	case u := <-lines:
		return u
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not start", name)
	}
	return ""
}

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// TestExampleReceivers: every example receiver passes every applicable
// check, dedupes-duplicate included through its own effect command.
func TestExampleReceivers(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	examples := filepath.Join(root, "examples", "receivers")
	cases := []struct {
		name, secret string
		flags        []string
		start        func(t *testing.T, env []string) string
	}{
		{"python", bondSecret, []string{"--provider", "bond"}, func(t *testing.T, env []string) string {
			py, err := exec.LookPath("python3")
			if err != nil {
				t.Skip("SKIP: python3 not found: the Python example receiver is not checked")
			}
			return startExample(t, filepath.Join(examples, "python"), env, py, "receiver.py")
		}},
		{"go", stripeSecret, []string{"--scheme", "stripe"}, func(t *testing.T, env []string) string {
			bin := filepath.Join(t.TempDir(), "receiver")
			build := exec.Command("go", "build", "-o", bin, "./examples/receivers/go")
			build.Dir = root
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("go build: %v\n%s", err, out)
			}
			return startExample(t, t.TempDir(), env, bin)
		}},
		{"node", stdSecret, []string{"--scheme", "standard"}, func(t *testing.T, env []string) string {
			node, err1 := exec.LookPath("node")
			npm, err2 := exec.LookPath("npm")
			if err1 != nil || err2 != nil {
				t.Skip("SKIP: node or npm not found: the Node example receiver is not checked")
			}
			dir := t.TempDir()
			for _, f := range []string{"package.json", "server.js"} {
				data, err := os.ReadFile(filepath.Join(examples, "node", f))
				if err != nil {
					t.Fatal(err)
				}
				os.WriteFile(filepath.Join(dir, f), data, 0o644)
			}
			install := exec.Command(npm, "install", "--no-audit", "--no-fund", "--loglevel=error")
			install.Dir = dir
			if out, err := install.CombinedOutput(); err != nil {
				t.Skipf("SKIP: npm install failed (offline?), the Node example receiver is not checked: %v\n%s", err, out)
			}
			return startExample(t, dir, env, node, "server.js")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			log := filepath.Join(t.TempDir(), "processed.log")
			url := tc.start(t, []string{"WEBHOOK_SECRET=" + tc.secret, "EVENTS_LOG=" + log})
			args := append(tc.flags, "--secret", tc.secret, "--effect-cmd", "wc -l < "+log, "--burst", "20", "--deadline", "2s")
			junit := filepath.Join(t.TempDir(), "check.xml")
			r := hookctl(t, nil, append([]string{"check", url, "-o", "json", "--junit", junit}, args...)...)
			if r.code != 0 || len(r.verdicts(check.Fail)) > 0 || len(r.verdicts(check.Warn)) > 0 ||
				!slices.Contains(r.verdicts(check.Pass), check.DedupesDuplicate) {
				t.Fatalf("the %s example should pass every check:\n%s", tc.name, r.dump())
			}
			checkJUnit(t, r, nil)
		})
	}
}

// TestMisbehavingConnections: receivers that close the connection,
// redirect, answer 500 to everything or sit behind TLS get verdicts (or an
// unreachable error) whose explanation names what they did.
func TestMisbehavingConnections(t *testing.T) {
	t.Parallel()
	hint := func(r result, id string) string {
		t.Helper()
		for _, c := range r.report.Checks {
			if c.ID == id {
				return string(c.Verdict) + " " + c.Detail + " | " + c.Hint
			}
		}
		t.Fatalf("no %s in\n%s", id, r.dump())
		return ""
	}
	base := []string{"--provider", "bond", "--secret", bondSecret, "-o", "json", "--deadline", "1s", "--burst", "2", "--effect-wait", "300ms"}

	// Takes the connection, then closes it unanswered: reached (exit 1,
	// each check failed), not "cannot reach" (exit 3, is it running?).
	closer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			c.Close()
		}
	}))
	defer closer.Close()
	r := hookctl(t, nil, append([]string{"check", closer.URL, "--only", "accepts-valid,rejects-wrong-secret,ignores-unknown-event"}, base...)...)
	if r.code != 1 || r.report == nil || len(r.verdicts(check.Fail)) != 3 {
		t.Fatalf("closing receiver: want exit 1 and 3 FAILs, got\n%s", r.dump())
	}
	for _, id := range []string{check.AcceptsValid, check.RejectsWrongSecret, check.IgnoresUnknownEvent} {
		if h := hint(r, id); !strings.Contains(h, "closed the connection without an HTTP answer") || strings.Contains(h, "5xx") {
			t.Errorf("closing receiver, %s: %s", id, h)
		}
	}

	// Redirects: the Location is in the evidence, the hint says providers
	// do not follow redirects (not "verify the signature", not "a 5xx").
	redir := httptest.NewServer(http.RedirectHandler("/webhooks/", http.StatusMovedPermanently))
	defer redir.Close()
	r = hookctl(t, nil, append([]string{"check", redir.URL + "/webhooks", "--only", "accepts-valid,ignores-unknown-event,rejects-wrong-secret"}, base...)...)
	if r.code != 1 || r.report == nil {
		t.Fatalf("redirecting receiver: want exit 1, got\n%s", r.dump())
	}
	for _, id := range []string{check.AcceptsValid, check.IgnoresUnknownEvent, check.RejectsWrongSecret} {
		if h := hint(r, id); !strings.Contains(h, "301 in") || !strings.Contains(h, "to /webhooks/") ||
			!strings.Contains(h, "providers do not follow redirects") || strings.Contains(h, "5xx") || strings.Contains(h, "verify the signature") {
			t.Errorf("redirecting receiver, %s: %s", id, h)
		}
	}

	// 500 to everything: dedupes-duplicate says the first delivery was not
	// taken, not that the effect command is wrong.
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer broken.Close()
	effect := filepath.Join(t.TempDir(), "effect.log")
	os.WriteFile(effect, nil, 0o644)
	r = hookctl(t, nil, append([]string{"check", broken.URL, "--only", "dedupes-duplicate", "--effect-cmd", "wc -l < " + effect}, base...)...)
	if r.code != 1 || r.report == nil {
		t.Fatalf("500 receiver: want exit 1, got\n%s", r.dump())
	}
	if h := hint(r, check.DedupesDuplicate); !strings.Contains(h, "the first delivery was not accepted (500 in") || strings.Contains(h, "effect command must print") {
		t.Errorf("500 receiver, dedupes-duplicate: %s", h)
	}
	// Its other checks send to the receiver's logs first.
	r = hookctl(t, nil, append([]string{"check", broken.URL, "--only", "accepts-valid,rejects-wrong-secret,ignores-unknown-event,survives-burst"}, base...)...)
	for _, id := range []string{check.AcceptsValid, check.RejectsWrongSecret, check.IgnoresUnknownEvent, check.SurvivesBurst} {
		if h := hint(r, id); !strings.Contains(h, "| the receiver failed (500): see its log; ") {
			t.Errorf("500 receiver, %s: %s", id, h)
		}
	}

	// TLS: an untrusted certificate names --insecure; --insecure reaches
	// it; https:// to a plain HTTP receiver says to use http://.
	ok := newReceiver(t, "bond", bondSecret, behaviour{})
	tlsRecv := httptest.NewTLSServer(ok.srv.Config.Handler)
	defer tlsRecv.Close()
	r = hookctl(t, nil, append([]string{"check", tlsRecv.URL, "--only", "accepts-valid"}, base...)...)
	if r.code != 3 || !strings.Contains(r.stderr, "x509: ") || !strings.Contains(r.stderr, "hookctl: hint: the receiver's TLS certificate is not trusted here: pass --insecure (-k)") ||
		!strings.Contains(r.stderr, "or point SSL_CERT_FILE at the CA that signed it") {
		t.Errorf("untrusted certificate: want exit 3 and the --insecure and SSL_CERT_FILE hint, got\n%s", r.dump())
	}
	// The hint holds: SSL_CERT_FILE naming the certificate's CA reaches it.
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsRecv.Certificate().Raw}), 0o644)
	if r = hookctl(t, []string{"SSL_CERT_FILE=" + ca}, append([]string{"check", tlsRecv.URL, "--only", "accepts-valid"}, base...)...); r.code != 0 {
		t.Errorf("SSL_CERT_FILE: want exit 0, got\n%s", r.dump())
	}
	// No report, so no JUnit file (an empty one is not XML).
	junit := filepath.Join(t.TempDir(), "check.xml")
	if r = hookctl(t, nil, append([]string{"check", tlsRecv.URL, "--only", "accepts-valid", "--junit", junit}, base...)...); r.code != 3 {
		t.Errorf("untrusted certificate with --junit: exit %d", r.code)
	}
	if _, err := os.Stat(junit); !os.IsNotExist(err) {
		t.Errorf("an unreachable run left a JUnit file: %v", err)
	}
	r = hookctl(t, nil, append([]string{"check", tlsRecv.URL, "--only", "accepts-valid", "--insecure"}, base...)...)
	if r.code != 0 {
		t.Errorf("--insecure: want exit 0, got\n%s", r.dump())
	}
	r = hookctl(t, nil, append([]string{"check", strings.Replace(ok.srv.URL, "http://", "https://", 1), "--only", "accepts-valid"}, base...)...)
	if r.code != 3 || !strings.Contains(r.stderr, "hookctl: hint: the receiver does not speak TLS on that port: use an http:// URL") {
		t.Errorf("https to a plain receiver: want exit 3 and the http:// hint, got\n%s", r.dump())
	}
}

// TestReceiverRefusingEverything: a receiver answering 401 to every
// request, correctly signed ones included, fails the rejects-* checks:
// its 401 to a bad signature proves nothing.
func TestReceiverRefusingEverything(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "invalid signature", http.StatusUnauthorized)
	}))
	defer srv.Close()
	only := []string{check.AcceptsValid, check.RejectsMissingSig, check.RejectsWrongSecret, check.RejectsStaleTimestamp}
	r := hookctl(t, nil, "check", srv.URL, "--provider", "bond", "--secret", bondSecret, "-o", "json", "--only", strings.Join(only, ","))
	slices.Sort(only)
	if r.code != 1 || r.report == nil || !slices.Equal(r.verdicts(check.Fail), only) {
		t.Fatalf("want exit 1 and FAIL %v, got\n%s", only, r.dump())
	}
	for _, c := range r.report.Checks {
		if c.ID != check.AcceptsValid && !strings.Contains(c.Hint, "the valid delivery was rejected as well (401)") {
			t.Errorf("%s hint: %q", c.ID, c.Hint)
		}
	}
}

// rawReceiver listens on loopback and hands each connection to serve on
// its own goroutine (receivers net/http cannot play: one that never
// answers, one that stalls mid-body); it is closed after the test.
func rawReceiver(t *testing.T, serve func(net.Conn)) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	return ln
}

// TestHangingReceiver: a receiver that takes connections and never
// answers fails check in one request timeout, not one per probe, and the
// verdicts name the probe that hung.
func TestHangingReceiver(t *testing.T) {
	t.Parallel()
	ln := rawReceiver(t, func(c net.Conn) { io.Copy(io.Discard, c) }) // reads, never answers
	only := []string{check.AcceptsValid, check.RespondsFast, check.RejectsMissingSig, check.RejectsWrongSecret}
	start := time.Now()
	// --deadline 1s: a request times out after 6s (the deadline + 5s).
	r := hookctl(t, nil, "check", "http://"+ln.Addr().String()+"/hooks", "--provider", "bond", "--secret", bondSecret,
		"-o", "json", "--deadline", "1s", "--only", strings.Join(only, ","))
	took := time.Since(start)
	slices.Sort(only)
	if r.code != 1 || r.report == nil || !slices.Equal(r.verdicts(check.Fail), only) {
		t.Fatalf("want exit 1 and FAIL %v, got\n%s", only, r.dump())
	}
	if took > 10*time.Second {
		t.Errorf("check took %s: more than one 6s timeout", took)
	}
	for _, c := range r.report.Checks {
		var want string
		switch c.ID {
		case check.AcceptsValid:
			want = "a valid event: no answer after 6"
		case check.RespondsFast:
			want = "the one valid event: no answer after 6"
		default:
			want = "not run: the receiver did not answer the accepts-valid probe within 6s"
		}
		if !strings.Contains(c.Detail, want) {
			t.Errorf("%s: %q, want %q", c.ID, c.Detail, want)
		}
	}
}

// TestStalledBodyIsAHang: a receiver that sends its status and headers
// and then stalls on the body is judged as one that does not answer: a
// timeout in the evidence and the hint, and no more probes. Before, it
// was told "Bond counts only 200 and 201 as delivered … answer 200" (its
// 200 came with an error), and every later probe waited the timeout too.
// A check not run because of it (dedupes-duplicate, without --effect-cmd)
// is skipped as it would have been, not failed.
func TestStalledBodyIsAHang(t *testing.T) {
	t.Parallel()
	ln := rawReceiver(t, func(c net.Conn) {
		defer c.Close()
		c.Read(make([]byte, 64<<10)) // the request (small)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nxxxx")
		time.Sleep(30 * time.Second) // the rest never comes
	})
	only := []string{check.AcceptsValid, check.RejectsWrongSecret, check.DedupesDuplicate}
	start := time.Now()
	r := hookctl(t, nil, "check", "http://"+ln.Addr().String()+"/hooks", "--provider", "bond", "--secret", bondSecret,
		"-o", "json", "--deadline", "1s", "--only", strings.Join(only, ","))
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("check took %s: more than one 6s timeout", took)
	}
	if r.code != 1 || r.report == nil {
		t.Fatalf("want exit 1, got\n%s", r.dump())
	}
	for _, c := range r.report.Checks {
		switch c.ID {
		case check.AcceptsValid:
			if c.Verdict != check.Fail || !strings.Contains(c.Detail, "timeout after") || strings.Contains(c.Hint, "answer 200") ||
				!strings.Contains(c.Hint, "no answer before the timeout") {
				t.Errorf("accepts-valid: %s %q hint %q", c.Verdict, c.Detail, c.Hint)
			}
		case check.RejectsWrongSecret:
			if c.Verdict != check.Fail || !strings.Contains(c.Detail, "not run") {
				t.Errorf("rejects-wrong-secret: %s %q", c.Verdict, c.Detail)
			}
		case check.DedupesDuplicate:
			if c.Verdict != check.Skip {
				t.Errorf("dedupes-duplicate without --effect-cmd: %s %q, want SKIP", c.Verdict, c.Detail)
			}
		}
	}
}

// TestUnknownHost: a host that does not resolve is unreachable (exit 3)
// with a hint to check the URL, not to start the receiver.
func TestUnknownHost(t *testing.T) {
	t.Parallel()
	r := hookctl(t, nil, "check", "http://nosuch-receiver.invalid/hooks", "--provider", "bond", "--secret", bondSecret, "--only", "accepts-valid")
	if r.code != 3 || !strings.Contains(r.stderr, "hookctl: hint: could not resolve nosuch-receiver.invalid: check the URL\n") ||
		strings.Contains(r.stderr, "is the receiver running") {
		t.Errorf("want exit 3 and the resolve hint, got\n%s", r.dump())
	}
}

// TestH2COnlyReceiver: a receiver speaking only HTTP/2 without TLS cannot
// take a provider's HTTP/1.1 request: exit 3, saying so.
func TestH2COnlyReceiver(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	defer srv.Close()
	r := hookctl(t, nil, "check", srv.URL+"/hooks", "--provider", "bond", "--secret", bondSecret, "--only", "accepts-valid")
	if r.code != 3 || !strings.Contains(r.stderr, "the receiver speaks only HTTP/2 without TLS (h2c)") ||
		!strings.Contains(r.stderr, "hookctl: hint: providers send webhooks over HTTP/1.1: enable HTTP/1.1 on the receiver") {
		t.Errorf("want exit 3 and the h2c error, got\n%s", r.dump())
	}
}

// TestTLSReceiverAtHTTPURL: an https receiver given as an http:// URL is
// not reached (exit 3, use https://), whether it answers plain HTTP with
// a 400 (Go's "Client sent an HTTP request to an HTTPS server") or
// closes the connection (Node's and Python's): it was judged as a
// receiver that refuses valid events, or crashes on them.
func TestTLSReceiverAtHTTPURL(t *testing.T) {
	t.Parallel()
	answers := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer answers.Close()
	closes, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer closes.Close()
	cfg := answers.TLS.Clone()
	go func() {
		for {
			c, err := closes.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				tc := tls.Server(c, cfg)
				if tc.Handshake() == nil {
					http.ReadRequest(bufio.NewReader(tc))
				}
			}()
		}
	}()
	for name, hostport := range map[string]string{"answers-400": answers.Listener.Addr().String(), "closes": closes.Addr().String()} {
		t.Run(name, func(t *testing.T) {
			url := "http://" + hostport + "/hooks"
			r := hookctl(t, nil, "check", url, "--provider", "bond", "--secret", bondSecret, "--only", "accepts-valid,rejects-wrong-secret")
			if r.code != 3 || !strings.Contains(r.stderr, "hookctl: error: cannot reach "+url+" over plain HTTP: the receiver speaks HTTPS (TLS) on that port") ||
				!strings.Contains(r.stderr, "hookctl: hint: use an https:// URL: hookctl check https://"+hostport+"/hooks") || r.stdout != "" {
				t.Errorf("want exit 3 and use https, got\n%s", r.dump())
			}
		})
	}
}

// TestBurstBeyondOpenFilesLimit: a burst that needs more connections
// than hookctl may open files is no verdict on the receiver (exit 3, say
// why); it failed survives-burst, blaming the receiver ("did it exit or
// crash?").
func TestBurstBeyondOpenFilesLimit(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("ulimit -n in sh")
	}
	rc := newReceiver(t, "bond", bondSecret, behaviour{})
	dir := t.TempDir()
	c := exec.Command("sh", "-c", `ulimit -n 48 && exec "$0" "$@"`, os.Args[0], "check", rc.srv.URL, "--provider", "bond", "--secret", bondSecret,
		"--only", "accepts-valid,survives-burst", "--burst", "200", "-o", "json")
	c.Env = append(os.Environ(), "HOOKCTL_CHECK_TEST_AS_HOOKCTL=1",
		"HOOKCTL_CONFIG_DIR="+filepath.Join(dir, "config"), "HOOKCTL_STORE="+filepath.Join(dir, "hookctl.db"),
		"XDG_DATA_HOME="+filepath.Join(dir, "data"), "HOME="+dir)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	// -o json: the error is also stdout's one document, with its exit code.
	var doc struct {
		Error    string `json:"error"`
		ExitCode int    `json:"exit_code"`
	}
	if jerr := json.Unmarshal(out.Bytes(), &doc); jerr != nil || doc.ExitCode != 3 || !strings.Contains(doc.Error, "too many open files") {
		t.Errorf("stdout is not the JSON error document (exit_code 3) (%v):\n%s", jerr, out.String())
	}
	if code != 3 ||
		!strings.Contains(errb.String(), "hookctl: error: hookctl could not send every probe for want of its own resources, so no verdict is given: ") ||
		!strings.Contains(errb.String(), "too many open files") || !strings.Contains(errb.String(), "hookctl: hint: raise the limit of open files (ulimit -n)") {
		t.Errorf("want exit 3 and the open files error, got %d (%v)\nstdout: %s\nstderr: %s", code, err, out.String(), errb.String())
	}
}

// TestMalformedAnswer: a receiver whose answer is not HTTP/1.1 Go can
// read (a header with a control character) is told so, not asked
// whether it crashes (it answered).
func TestMalformedAnswer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				io.Copy(io.Discard, req.Body)
				io.WriteString(c, "HTTP/1.1 200 OK\r\nX-Trace: a\x01b\r\nContent-Length: 0\r\n\r\n")
			}()
		}
	}()
	r := hookctl(t, nil, "check", "http://"+ln.Addr().String()+"/hooks", "--provider", "bond", "--secret", bondSecret,
		"--only", "accepts-valid,rejects-wrong-secret", "-o", "json")
	if r.code != 1 || r.report == nil || len(r.report.Checks) != 2 {
		t.Fatalf("want exit 1 and 2 checks, got\n%s", r.dump())
	}
	for _, c := range r.report.Checks {
		if c.Verdict != check.Fail || !strings.Contains(c.Detail, "malformed MIME header line") ||
			!strings.Contains(c.Hint, "the receiver's answer is not valid HTTP/1.1") || strings.Contains(c.Hint, "closed the connection") {
			t.Errorf("%s: %s %q hint %q", c.ID, c.Verdict, c.Detail, c.Hint)
		}
	}
}

// TestConfiguredSchemeGivesWayToSubscription: a default scheme and
// provider in the configuration (HOOKCTL_SCHEME, scheme: in config.yaml,
// set for sign and verify) give way to the subscription's own, named
// with --subscription or found by its URL. They made --subscription a
// usage error ("cannot be used with --secret or --scheme"), and the
// subscription of the URL was not looked for.
func TestConfiguredSchemeGivesWayToSubscription(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, "bond", bondSecret, behaviour{})
	path := filepath.Join(t.TempDir(), "hookctl.db")
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	sub := &store.Subscription{CallbackURL: rc.srv.URL, Events: []string{"card.*"}, Status: "enabled", Secret: bondSecret,
		Provider: "bond", Scheme: "bond"}
	if err := st.CreateSubscription(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
	st.Close()
	env := []string{"HOOKCTL_STORE=" + path, "HOOKCTL_SCHEME=stripe", "HOOKCTL_PROVIDER=mono"}
	for _, args := range [][]string{{"--subscription", sub.ID}, nil} {
		r := hookctl(t, env, append([]string{"check", rc.srv.URL, "--only", "accepts-valid,rejects-wrong-secret", "-o", "json"}, args...)...)
		if r.code != 0 || r.report == nil || r.report.Scheme != "bond" || r.report.Provider != "bond" ||
			!strings.Contains(r.stderr, "Using subscription "+sub.ID) {
			t.Errorf("check %v: want exit 0 with the subscription's scheme and provider (bond), got\n%s", args, r.dump())
		}
	}
	// Given on the command line, --scheme still excludes --subscription.
	r := hookctl(t, env, "check", rc.srv.URL, "--subscription", sub.ID, "--scheme", "bond")
	if r.code != 2 || !strings.Contains(r.stderr, "--subscription cannot be used with --secret or --scheme") {
		t.Errorf("--subscription with --scheme: want exit 2, got\n%s", r.dump())
	}
}

// TestSubscriptionHeaderInvalid: a subscription header whose value has a
// control character (stored before --header refused them) is named
// before any probe is sent, not answered 400 as if the signature failed.
func TestSubscriptionHeaderInvalid(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "hookctl.db")
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	sub := &store.Subscription{CallbackURL: srv.URL + "/hooks", Events: []string{"*"}, Status: "enabled", Secret: bondSecret,
		Provider: "bond", Scheme: "bond", Headers: map[string]string{"X-Token": "a\x01b"}}
	if err := st.CreateSubscription(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
	st.Close()
	r := hookctl(t, []string{"HOOKCTL_STORE=" + path}, "check", srv.URL+"/hooks", "--only", "accepts-valid")
	want := `hookctl: error: header X-Token of subscription ` + sub.ID + ` has an invalid value "a\x01b": control characters are not allowed
hookctl: hint: fix it: hookctl subscriptions update ` + sub.ID + ` --header 'X-Token: VALUE' (or --remove-header X-Token)
`
	if r.code != 2 || !strings.HasSuffix(r.stderr, want) || hits.Load() != 0 {
		t.Errorf("want exit 2, no request and\n%s\ngot %d requests,\n%s", want, hits.Load(), r.dump())
	}
}

// TestReceiverHangingAfterFirst: a receiver that answers the first probe
// and then hangs: a check sending several probes (tolerates-out-of-order
// sends two) waits out one timeout, not one per probe.
func TestReceiverHangingAfterFirst(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // then a closed connection ends the context
		if n.Add(1) > 1 {
			<-r.Context().Done() // until the client gives up
		}
	}))
	defer srv.Close()
	start := time.Now()
	r := hookctl(t, nil, "check", srv.URL, "--provider", "bond", "--secret", bondSecret, "-o", "json", "--deadline", "1s",
		"--only", "tolerates-out-of-order,ignores-unknown-event")
	took := time.Since(start)
	if r.code != 1 || r.report == nil || len(r.verdicts(check.Fail)) != 2 {
		t.Fatalf("want exit 1 and 2 FAILs, got\n%s", r.dump())
	}
	if took > 10*time.Second {
		t.Errorf("check took %s: more than one 6s timeout", took)
	}
	for _, c := range r.report.Checks {
		want := "card.status.active then card.created: card.status.active got no answer after 6"
		if c.ID == check.IgnoresUnknownEvent {
			want = "not run: the receiver did not answer the tolerates-out-of-order probe within 6s"
		}
		if !strings.Contains(c.Detail, want) {
			t.Errorf("%s: %q, want %q", c.ID, c.Detail, want)
		}
	}
}

// TestSubscriptionWithSchemeAuto: a subscription made by a plain
// `subscribe --events 'card.*'` (scheme auto, no provider) is checked as
// the provider of the events it takes (Bond's card.*); before, check
// asked "which provider or scheme" and hinted at --subscription, which
// had been given. Two subscriptions on one URL are each named.
func TestSubscriptionWithSchemeAuto(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, "bond", bondSecret, behaviour{})
	path := filepath.Join(t.TempDir(), "hookctl.db")
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	sub := &store.Subscription{CallbackURL: rc.srv.URL, Events: []string{"card.*"}, Status: "enabled", Secret: bondSecret, Scheme: "auto"}
	if err := st.CreateSubscription(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOOKCTL_STORE=" + path}
	r := hookctl(t, env, "check", rc.srv.URL, "--subscription", sub.ID[:8], "--only", "accepts-valid", "-o", "json")
	if r.code != 0 || r.report == nil || len(r.verdicts(check.Pass)) != 1 {
		t.Fatalf("want exit 0 and accepts-valid PASS, got\n%s", r.dump())
	}
	other := &store.Subscription{CallbackURL: rc.srv.URL, Events: []string{"*"}, Status: "enabled", Secret: bondSecret, Provider: "bond", Scheme: "bond"}
	if err := st.CreateSubscription(t.Context(), other); err != nil {
		t.Fatal(err)
	}
	st.Close()
	r = hookctl(t, env, "check", rc.srv.URL, "--only", "accepts-valid")
	if r.code != 2 || !strings.Contains(r.stderr, sub.ID) || !strings.Contains(r.stderr, other.ID) {
		t.Errorf("want exit 2 naming both subscriptions, got\n%s", r.dump())
	}
}

// TestBurstHintSaysWhy: a burst whose answers are all redirects is told
// what is wrong with them (providers do not follow redirects), not to
// "acknowledge first and queue the work"; evidence bytes that are not
// UTF-8 show as U+FFFD, as -o json shows them elsewhere (they were "?").
func TestBurstHintSaysWhy(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Location", "/elsewhere")
		w.WriteHeader(http.StatusFound)
		w.Write([]byte("moved \xff"))
	}))
	defer srv.Close()
	r := hookctl(t, nil, "check", srv.URL+"/hooks", "--provider", "bond", "--secret", bondSecret,
		"--only", "accepts-valid,survives-burst", "--burst", "5", "-o", "json")
	if r.report == nil {
		t.Fatalf("no report:\n%s", r.dump())
	}
	for _, c := range r.report.Checks {
		if !strings.Contains(c.Hint, "do not follow redirects") {
			t.Errorf("%s: hint %q, want the redirect named", c.ID, c.Hint)
		}
		if !strings.Contains(c.Body, "moved \uFFFD") {
			t.Errorf("%s: body %q, want U+FFFD for the byte that is not UTF-8", c.ID, c.Body)
		}
	}
}

// TestEventOfAnotherProviderWithScheme: --scheme says how the probes are
// signed, not whose events they are. --event bond:card.created (what the
// hint for card.created says to write) or card.created, which only bond
// has, sends bond events signed with the stripe scheme, as trigger --url
// --scheme stripe does. Was exit 2: "names provider bond but --provider
// is stripe", a flag the user had not given.
func TestEventOfAnotherProviderWithScheme(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, "stripe", stripeSecret, behaviour{})
	for _, ev := range []string{"bond:card.created", "card.created"} {
		r := hookctl(t, nil, "check", rc.srv.URL, "--scheme", "stripe", "--secret", stripeSecret, "--event", ev,
			"--only", "accepts-valid,rejects-wrong-secret", "-o", "json")
		if r.code != 0 || r.report == nil || r.report.Provider != "bond" || r.report.Event != "card.created" || r.report.Scheme != "stripe" {
			t.Errorf("--scheme stripe --event %s: want exit 0, bond's card.created signed with stripe, got\n%s", ev, r.dump())
		}
	}
	// A --provider given still conflicts with an event of another provider.
	r := hookctl(t, nil, "check", rc.srv.URL, "--provider", "stripe", "--secret", stripeSecret, "--event", "bond:card.created")
	if r.code != 2 || !strings.Contains(r.stderr, "names provider bond but --provider is stripe") {
		t.Errorf("--provider stripe --event bond:card.created: want exit 2, got\n%s", r.dump())
	}
}

// A burst of one is "1 event at once", not "1 events".
func TestBurstOfOneIsSingular(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, "bond", bondSecret, behaviour{})
	for burst, want := range map[string]string{"1": "1 event at once in ", "2": "2 events at once in "} {
		r := hookctl(t, nil, "check", rc.srv.URL, "--provider", "bond", "--secret", bondSecret, "--only", "survives-burst", "--burst", burst, "-o", "json")
		if r.code != 0 || len(r.report.Checks) != 1 || !strings.HasPrefix(r.report.Checks[0].Detail, want) {
			t.Errorf("--burst %s: want evidence starting %q, got:\n%s", burst, want, r.dump())
		}
	}
}
