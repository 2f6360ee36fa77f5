package check_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/check"
)

// The providers' official Node libraries, pinned: the receivers of
// testdata/checksdk/receiver.mjs import them.
var sdkNodePackages = []string{"svix@1.99.1", "stripe@23.1.0", "@octokit/webhooks@14.2.0", "express@5.1.0"}

var (
	sdkOnce sync.Once
	sdkDir  string // the npm install, shared by the tests of this binary
	sdkErr  error
	// The loud skip messages, once per binary.
	sdkSkipNode, sdkSkipPython sync.Once
)

// removeSDKModules removes the npm install (TestMain, after the tests).
func removeSDKModules() {
	if sdkDir != "" {
		os.RemoveAll(sdkDir)
	}
}

// sdkNode installs the pinned packages from the npm registry once per
// test binary into a temporary directory, beside a copy of
// receiver.mjs (ES modules resolve imports from the script's directory,
// not NODE_PATH), and returns the directory. Skipped, loudly, without
// HOOKCTL_NODE=1 (.ci/test sets it when node and npm are installed).
func sdkNode(t *testing.T) string {
	t.Helper()
	skip := func(why string) {
		msg := "SKIPPED: hookctl check was not run against receivers written with the svix, @octokit/webhooks and stripe Node libraries: " + why
		sdkSkipNode.Do(func() { fmt.Fprintln(os.Stderr, msg) }) // once, not per case
		t.Skip(msg)
	}
	if os.Getenv("HOOKCTL_NODE") == "" {
		skip("set HOOKCTL_NODE=1 to run them (.ci/test does when node and npm are installed)")
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			skip(tool + " is not on PATH")
		}
	}
	sdkOnce.Do(func() {
		if sdkDir, sdkErr = os.MkdirTemp("", "hookctl-checksdk-"); sdkErr != nil {
			return
		}
		cmd := exec.Command("npm", append([]string{"install", "--no-audit", "--no-fund", "--no-save", "--prefix", sdkDir}, sdkNodePackages...)...)
		cmd.Dir = sdkDir
		if out, err := cmd.CombinedOutput(); err != nil {
			sdkErr = fmt.Errorf("npm install %v: %v\n%s", sdkNodePackages, err, out)
			return
		}
		var src []byte
		if src, sdkErr = os.ReadFile(filepath.Join("testdata", "checksdk", "receiver.mjs")); sdkErr == nil {
			sdkErr = os.WriteFile(filepath.Join(sdkDir, "receiver.mjs"), src, 0o644)
		}
	})
	if sdkErr != nil {
		t.Fatal(sdkErr)
	}
	return sdkDir
}

// sdkPython returns the python3 that imports the official stripe library
// (Debian's python3-stripe, in /usr/bin/python3's dist-packages, which a
// pyenv python3 on PATH does not see). Skipped, loudly, without
// HOOKCTL_PYTHON=1 (.ci/test sets it when the library imports).
func sdkPython(t *testing.T) string {
	t.Helper()
	if os.Getenv("HOOKCTL_PYTHON") == "" {
		msg := "SKIPPED: hookctl check was not run against a receiver written with the stripe Python library: set HOOKCTL_PYTHON=1 to run it (.ci/test does when python3 can import stripe)"
		sdkSkipPython.Do(func() { fmt.Fprintln(os.Stderr, msg) })
		t.Skip(msg)
	}
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(py, "-c", "import stripe").Run() == nil {
			return py
		}
	}
	t.Fatal("HOOKCTL_PYTHON is set but no python3 can import stripe (apt-get install python3-stripe)")
	return ""
}

// sdkReceiver starts a receiver process (env: its SDK, VARIANT, SECRET),
// waits for the port it prints, and returns its URL and the file it
// appends a line to for each event it processes. It is killed when the
// test ends.
func sdkReceiver(t *testing.T, cmd *exec.Cmd, env ...string) (url, effect string) {
	t.Helper()
	effect = filepath.Join(t.TempDir(), "processed.log")
	if err := os.WriteFile(effect, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(append(os.Environ(), env...), "EFFECT="+effect)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("receiver's stderr:\n%s", stderr.String())
		}
	})
	port := make(chan int, 1)
	go func() {
		var doc struct{ Port int }
		line, _ := bufio.NewReader(out).ReadString('\n')
		if json.Unmarshal([]byte(line), &doc) == nil {
			port <- doc.Port
		}
		close(port)
		io.Copy(io.Discard, out)
	}()
	select {
	case p, ok := <-port:
		if !ok || p == 0 {
			cmd.Wait()
			t.Fatalf("%v did not print its port: %s", cmd.Args, stderr.String())
		}
		return fmt.Sprintf("http://127.0.0.1:%d/webhooks", p), effect
	case <-time.After(60 * time.Second):
		t.Fatalf("%v did not print its port within 60s: %s", cmd.Args, stderr.String())
	}
	return "", ""
}

// Secrets of the receivers, in each provider's format.
const (
	sdkStandardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	sdkGitHubSecret   = "It's a Secret to Everybody"
	sdkStripeSecret   = "whsec_test_checksdk_0123456789abcdef"
)

// What a re-serialising Stripe receiver fails: every valid event is
// refused (Stripe's events are pretty-printed), so every check of one,
// and the rejects-* checks, whose 400 proves nothing then.
var stripeRefusesAll = []string{check.AcceptsRotatedSecret, check.AcceptsLargePayload, check.AcceptsValid, check.AcknowledgesDuplicate,
	check.DedupesDuplicate, check.RejectsMalformedSig, check.RejectsMissingSig, check.RejectsStaleTimestamp, check.RejectsTamperedBody, check.RejectsWrongSecret,
	check.SurvivesBurst, check.ToleratesOutOfOrder, check.VerifiesRawBody}

type sdkCase struct {
	name     string
	sdk      string // svix, octokit, octokit-middleware, stripe; python
	variant  string
	args     []string          // beyond URL, --provider, --secret, --effect-cmd
	failed   []string          // exactly the checks that FAIL
	warnings []string          // exactly the WARNs (nil: none)
	hints    map[string]string // check id: in its hint
	env      []string
}

// TestSDKReceivers runs hookctl check (the real binary) against receivers
// written the way users write them with the providers' official
// libraries — Node: svix's Webhook.verify (Standard Webhooks),
// @octokit/webhooks' verify and its Node middleware (GitHub), stripe's
// constructEvent, in express; Python: stripe.Webhook.construct_event in
// http.server — each in its correct form (no check fails) and in the
// broken forms real code has (exactly the check the defect breaks fails,
// with a hint that names the fix).
//
// It found that a receiver verifying the signature over
// JSON.stringify(express.json()'s object) passed every check with svix
// and @octokit/webhooks: their compact events survive the round trip
// byte for byte; verifies-raw-body catches it (reserialize cases). And
// that one comparing with crypto.timingSafeEqual without a length check
// passed every check, though any request with a short signature header
// makes it fail: rejects-malformed-signature catches it. And that one
// answering 400 and processing the event all the same passed every
// check: ignores-rejected watches --effect-cmd across those probes.
func TestSDKReceivers(t *testing.T) {
	t.Parallel()
	// --deadline 30s (the providers' own are 10-30 s): a Node receiver
	// answers a burst one event at a time on its one thread, a few ms
	// each alone, and on a busy machine (load 35) the tenth answer took
	// 4 s, over a quarter of Standard Webhooks' 15 s (survives-burst
	// warned, 1 run in 20). What these cases assert is what each
	// library's receiver verifies; the timing verdicts keep a margin
	// that load does not eat (stripe-slow sets its own deadline).
	fast := []string{"--burst", "10", "--effect-wait", "1s", "--deadline", "30s"}
	cases := []sdkCase{
		{name: "svix", sdk: "svix"},
		{name: "svix-reserialized", sdk: "svix", variant: "reserialize", failed: []string{check.VerifiesRawBody},
			hints: map[string]string{check.VerifiesRawBody: "it verifies a re-serialised body (JSON.stringify(req.body) after express.json()"}},
		{name: "svix-200-on-bad-signature", sdk: "svix", variant: "always200", failed: []string{
			check.RejectsFutureTimestamp, check.RejectsMalformedSig, check.RejectsMissingSig, check.RejectsStaleTimestamp, check.RejectsTamperedBody, check.RejectsWrongSecret},
			// It drops them after answering: --effect-cmd says so, and the
			// hints say what the 200 costs, not that it acted on them.
			hints: map[string]string{check.RejectsWrongSecret: "the app did not act on this request (--effect-cmd unchanged, see ignores-rejected) but answered it 200",
				check.RejectsStaleTimestamp: "the app did not act on this request"}},
		// 400 to a failed verification, then on to process the event (no
		// return after the answer): every rejects-* check passed it.
		{name: "svix-400-then-processed", sdk: "svix", variant: "noreturn", failed: []string{check.IgnoresRejected},
			hints: map[string]string{check.IgnoresRejected: "return after sending the 400 or 401"}},
		{name: "svix-nodedupe", sdk: "svix", variant: "nodedupe", failed: []string{check.DedupesDuplicate},
			hints: map[string]string{check.DedupesDuplicate: "de-duplicate by the event id (webhook-id header)"}},
		{name: "svix-express-default-limit", sdk: "svix", variant: "defaultlimit", failed: []string{check.AcceptsLargePayload},
			hints: map[string]string{check.AcceptsLargePayload: "raise the body size limit"}},
		{name: "octokit", sdk: "octokit"},
		{name: "octokit-reserialized", sdk: "octokit", variant: "reserialize", failed: []string{check.VerifiesRawBody},
			hints: map[string]string{check.VerifiesRawBody: "verify the signature over the raw body bytes"}},
		{name: "octokit-unsigned-accepted", sdk: "octokit", variant: "missingok", failed: []string{check.RejectsMissingSig},
			hints: map[string]string{check.RejectsMissingSig: "accepted without x-hub-signature, x-hub-signature-256"}},
		// The comparison GitHub's docs showed: crypto.timingSafeEqual,
		// which throws on a header of another length (a 500 in express),
		// behind a guard for a missing one. It passed every check before
		// rejects-malformed-signature.
		{name: "octokit-timingsafeequal-unchecked-length", sdk: "octokit", variant: "timingsafe", failed: []string{check.RejectsMalformedSig},
			hints: map[string]string{check.RejectsMalformedSig: "Node's crypto.timingSafeEqual"}},
		{name: "octokit-middleware", sdk: "octokit-middleware"},
		{name: "octokit-middleware-nodedupe", sdk: "octokit-middleware", variant: "nodedupe", failed: []string{check.DedupesDuplicate},
			hints: map[string]string{check.DedupesDuplicate: "X-GitHub-Delivery"}},
		{name: "stripe", sdk: "stripe"},
		{name: "stripe-reserialized", sdk: "stripe", variant: "reserialize", failed: stripeRefusesAll, warnings: []string{check.IgnoresUnknownEvent},
			hints: map[string]string{check.AcceptsValid: "before any JSON parsing", check.VerifiesRawBody: "valid events are refused with 400 as well"}},
		{name: "stripe-first-signature-only", sdk: "stripe", variant: "firstsig", failed: []string{check.AcceptsRotatedSecret},
			hints: map[string]string{check.AcceptsRotatedSecret: "check every signature in the header"}},
		{name: "stripe-tolerance-0", sdk: "stripe", variant: "notolerance", failed: []string{check.RejectsStaleTimestamp},
			hints: map[string]string{check.RejectsStaleTimestamp: "the timestamp is not checked at all"}},
		{name: "stripe-tolerance-1h", sdk: "stripe", variant: "hourtolerance", failed: []string{check.RejectsStaleTimestamp},
			hints: map[string]string{check.RejectsStaleTimestamp: "with a tolerance wider than the scheme's 5 minutes"}},
		// constructEvent's exception left to express: a 500 to every
		// request that fails verification, which the provider retries.
		{name: "stripe-uncaught-exception", sdk: "stripe", variant: "uncaught", failed: []string{
			check.RejectsMalformedSig, check.RejectsMissingSig, check.RejectsStaleTimestamp, check.RejectsTamperedBody, check.RejectsWrongSecret},
			hints: map[string]string{check.RejectsWrongSecret: "a 5xx makes the provider retry it for days: answer 400 or 401"}},
		// 1.5 s of work before the answer, deadline 1 s: it cannot be
		// in time, however fast the machine.
		{name: "stripe-slow", sdk: "stripe", variant: "slow", env: []string{"SLOW_MS=1500"},
			args: []string{"--deadline", "1s", "--only", "accepts-valid,responds-fast"}, failed: []string{check.RespondsFast},
			hints: map[string]string{check.RespondsFast: "answer 2xx first, then process the event asynchronously"}},
		{name: "python", sdk: "python", variant: "threads"},
		{name: "python-reserialized", sdk: "python", variant: "threads+reserialize", failed: stripeRefusesAll, warnings: []string{check.IgnoresUnknownEvent},
			hints: map[string]string{check.AcceptsValid: "before any JSON parsing"}},
		{name: "python-tolerance-none", sdk: "python", variant: "threads+notolerance", failed: []string{check.RejectsStaleTimestamp},
			hints: map[string]string{check.RejectsStaleTimestamp: "the timestamp is not checked at all"}},
		{name: "python-200-on-bad-signature", sdk: "python", variant: "threads+always200", failed: []string{
			check.RejectsMalformedSig, check.RejectsMissingSig, check.RejectsStaleTimestamp, check.RejectsTamperedBody, check.RejectsWrongSecret}},
		{name: "python-nodedupe", sdk: "python", variant: "threads+nodedupe", failed: []string{check.DedupesDuplicate},
			hints: map[string]string{check.DedupesDuplicate: "the event's id in the body (evt_…)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var cmd *exec.Cmd
			if tc.sdk == "python" {
				cmd = exec.Command(sdkPython(t), filepath.Join("testdata", "checksdk", "receiver.py"))
			} else {
				dir := sdkNode(t)
				cmd = exec.Command("node", filepath.Join(dir, "receiver.mjs"))
			}
			t.Parallel()
			provider, secret := "stripe", sdkStripeSecret
			switch tc.sdk {
			case "svix":
				provider, secret = "standard", sdkStandardSecret
			case "octokit", "octokit-middleware":
				provider, secret = "github", sdkGitHubSecret
			}
			variant := tc.variant
			if variant == "" {
				variant = "ok"
			}
			url, effect := sdkReceiver(t, cmd, append([]string{"SDK=" + tc.sdk, "VARIANT=" + variant, "SECRET=" + secret}, tc.env...)...)
			args := append([]string{"check", url, "--provider", provider, "--effect-cmd", "wc -l < " + effect, "-o", "json"}, fast...)
			r := hookctl(t, []string{"HOOKCTL_SECRET=" + secret}, append(args, tc.args...)...)
			code := 0
			if len(tc.failed) > 0 {
				code = 1
			}
			if r.report == nil {
				t.Fatalf("no report:\n%s", r.dump())
			}
			warnings := r.verdicts(check.Warn)
			if tc.sdk == "python" {
				// http.server's listen backlog is 5: a burst's SYNs beyond
				// it wait for a retransmission, which survives-burst may
				// warn of (it does for the tutorials' HTTPServer).
				warnings = slices.DeleteFunc(warnings, func(id string) bool { return id == check.SurvivesBurst })
			}
			if r.code != code || !slices.Equal(r.verdicts(check.Fail), slices.Sorted(slices.Values(tc.failed))) || !slices.Equal(warnings, tc.warnings) {
				t.Fatalf("want exit %d, FAIL %v, WARN %v; got\n%s", code, tc.failed, tc.warnings, r.dump())
			}
			for _, c := range r.report.Checks {
				if want, ok := tc.hints[c.ID]; ok && !strings.Contains(c.Hint, want) {
					t.Errorf("hint of %s = %q, want it to say %q", c.ID, c.Hint, want)
				}
			}
			for id := range tc.hints {
				if !slices.ContainsFunc(r.report.Checks, func(c check.Result) bool { return c.ID == id }) {
					t.Errorf("no verdict for %s", id)
				}
			}
		})
	}
}
