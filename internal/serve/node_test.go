package serve_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// The official Node libraries, pinned.
const (
	nodeSvix   = "svix@1.99.1"
	nodeStripe = "stripe@23.1.0"
)

// TestMain removes the npm install of the Node tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if nodeDir != "" {
		os.RemoveAll(nodeDir)
	}
	os.Exit(code)
}

var (
	nodeOnce sync.Once
	nodeDir  string // a temporary directory, removed by TestMain
	nodeErr  error
)

// nodeModules installs the pinned packages from the npm registry into a
// temporary directory (once per test run) and returns its node_modules.
// Like the other Node.js checks, it runs with HOOKCTL_NODE=1 (.ci/test sets
// it when node is installed) and is skipped loudly otherwise.
func nodeModules(t *testing.T) string {
	t.Helper()
	skip := func(why string) {
		msg := "SKIPPED: the official svix and stripe Node libraries were not tested against hookctl serve: " + why
		fmt.Fprintln(os.Stderr, msg)
		t.Skip(msg)
	}
	if os.Getenv("HOOKCTL_NODE") == "" {
		skip("set HOOKCTL_NODE=1 to run them (.ci/test does when node is installed)")
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			skip(tool + " is not on PATH")
		}
	}
	nodeOnce.Do(func() {
		if nodeDir, nodeErr = os.MkdirTemp("", "hookctl-serve-node-"); nodeErr != nil {
			return
		}
		cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--no-save", "--prefix", nodeDir, nodeSvix, nodeStripe)
		cmd.Dir = nodeDir
		if out, err := cmd.CombinedOutput(); err != nil {
			nodeErr = fmt.Errorf("npm install %s %s: %v\n%s", nodeSvix, nodeStripe, err, out)
		}
	})
	if nodeErr != nil {
		t.Fatal(nodeErr)
	}
	return filepath.Join(nodeDir, "node_modules")
}

func runNode(t *testing.T, mods, script, url string) map[string]any {
	t.Helper()
	abs, _ := filepath.Abs(filepath.Join("testdata", "node", script))
	cmd := exec.Command("node", abs, url)
	cmd.Env = append(os.Environ(), "NODE_PATH="+mods)
	return runClient(t, cmd, "node "+script)
}

// runClient runs an SDK client script (within 60 s) and returns the one
// JSON object it prints.
func runClient(t *testing.T, cmd *exec.Cmd, what string) map[string]any {
	t.Helper()
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.Output(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("%s did not finish within 60s", what)
	}
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("%s: %v\n%s%s", what, err, out, stderr)
	}
	var res map[string]any
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%s printed %q: %v", what, out, err)
	}
	return res
}

// The "done when", with the Node library: an app creates an
// endpoint and sends a message; its receiver verifies the Standard
// Webhooks delivery with the secret from GET …/secret/. A resend of the
// message to the endpoint is delivered again, and the message's attempts
// list it as manual (triggerType 1), the first send as scheduled (0).
func TestNodeSvixClient(t *testing.T) {
	mods := nodeModules(t)
	e := servetest.Start(t, nil)
	r := runNode(t, mods, "svix_client.js", e.URL)
	if r["verified"] != true {
		t.Fatalf("the svix library did not verify the delivery: %v", r)
	}
	if !strings.HasPrefix(r["endpointId"].(string), "ep_") || r["listed"] != float64(1) || r["secretPrefix"] != "whsec_" ||
		r["deliveredId"] != r["msgId"] || r["body"] != `{"invoice":"in_1","amount":42}` || r["messages"] != float64(1) || r["fetchedType"] != "invoice.paid" {
		t.Fatalf("svix node client: %v", r)
	}
	if r["resentId"] != r["msgId"] {
		t.Fatalf("the resend delivered %v, want message %v", r["resentId"], r["msgId"])
	}
	if got := fmt.Sprint(r["typesWalked"], r["typeBefore"]); got != "[-early invoice.paid] [-early]" {
		t.Fatalf("the event types one at a time, and the one before the page after -early: %s", got)
	}
	want := fmt.Sprintf("[map[endpointId:%[1]s status:0 triggerType:1] map[endpointId:%[1]s status:0 triggerType:0]]", r["endpointId"])
	if got := fmt.Sprint(r["attempts"]); got != want {
		t.Fatalf("attempts after a resend (newest first):\n got %s\nwant %s", got, want)
	}
}

func TestNodeStripeClient(t *testing.T) {
	mods := nodeModules(t)
	e := servetest.Start(t, nil)
	r := runNode(t, mods, "stripe_client.js", e.URL)
	if r["verified"] != true {
		t.Fatalf("stripe.webhooks.constructEvent rejected the delivery: %v", r)
	}
	if !strings.HasPrefix(r["id"].(string), "we_") || r["secretPrefix"] != "whsec_" || r["retrievedSecret"] != "" ||
		r["description"] != "from node" || r["fetchedType"] != "payment.succeeded" || r["deleted"] != true || r["missing"] != "resource_missing" ||
		fmt.Sprint(r["enabled"]) != "[payment.succeeded payment.failed]" || fmt.Sprint(r["metadata"]) != "map[team:billing]" {
		t.Fatalf("stripe node client: %v", r)
	}
}

// stripe-node's auto-pagination backwards (ending_before = the oldest
// endpoint) yields every newer endpoint once: it goes on while has_more
// is true, which an ending_before page always answered false, so it
// stopped after the first page.
func TestNodeStripeBackwardPaging(t *testing.T) {
	mods := nodeModules(t)
	e := servetest.Start(t, nil)
	r := runNode(t, mods, "stripe_paging.js", e.URL)
	created := r["created"].([]any)
	var newestFirst []any
	for i := len(created) - 1; i >= 0; i-- {
		newestFirst = append(newestFirst, created[i])
	}
	if got, want := fmt.Sprint(r["forward"]), fmt.Sprint(newestFirst); got != want {
		t.Errorf("forwards: %s, want %s", got, want)
	}
	// Backwards, the library turns each page round: oldest to newest.
	want := created[1:]
	if got := fmt.Sprint(r["backward"]); got != fmt.Sprint(want) {
		t.Errorf("backwards from the oldest: %s, want %s (every newer endpoint once)", got, fmt.Sprint(want))
	}
	if r["newestHasMore"] != true {
		t.Errorf("ending_before the third oldest, limit 2: has_more %v, want true", r["newestHasMore"])
	}
}
