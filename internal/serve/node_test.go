package serve_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// The official Node libraries, pinned.
const (
	nodeSvix   = "svix@1.99.1"
	nodeStripe = "stripe@23.1.0"
)

// nodeModules installs the pinned packages from the npm registry into a
// directory outside the repository (the user cache, reused between runs)
// and returns its node_modules. It skips loudly without node and npm.
func nodeModules(t *testing.T) string {
	t.Helper()
	skip := func(why string) {
		msg := "SKIP (loud): the official svix and stripe Node libraries were NOT tested against hookctl serve: " + why
		fmt.Fprintln(os.Stderr, msg)
		t.Skip(msg)
	}
	if os.Getenv("HOOKCTL_SKIP_NODE") == "1" {
		skip("HOOKCTL_SKIP_NODE=1")
	}
	if _, err := exec.LookPath("node"); err != nil {
		skip("node is not installed")
	}
	if _, err := exec.LookPath("npm"); err != nil {
		skip("npm is not installed")
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "hookctl-test", "node-"+strings.NewReplacer("@", "-").Replace(nodeSvix+"_"+nodeStripe))
	mods := filepath.Join(dir, "node_modules")
	if fileExists(filepath.Join(mods, "svix", "package.json")) && fileExists(filepath.Join(mods, "stripe", "package.json")) {
		return mods
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "install-")
	if err != nil {
		if err = os.MkdirAll(filepath.Dir(dir), 0o755); err == nil {
			tmp, err = os.MkdirTemp(filepath.Dir(dir), "install-")
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--no-package-lock", "--silent", nodeSvix, nodeStripe)
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		if os.Getenv("HOOKCTL_NODE_REQUIRED") == "1" {
			t.Fatalf("npm install: %v\n%s", err, out)
		}
		skip(fmt.Sprintf("npm install %s %s failed (offline?): %v: %s", nodeSvix, nodeStripe, err, out))
	}
	os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil && !fileExists(filepath.Join(mods, "svix", "package.json")) {
		t.Fatal(err)
	}
	return mods
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func runNode(t *testing.T, mods, script, url string) map[string]any {
	t.Helper()
	abs, _ := filepath.Abs(filepath.Join("testdata", "node", script))
	cmd := exec.Command("node", abs, url)
	cmd.Env = append(os.Environ(), "NODE_PATH="+mods)
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.Output(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("node did not finish within 60s")
	}
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("node %s: %v\n%s%s", script, err, out, stderr)
	}
	var res map[string]any
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("node %s printed %q: %v", script, out, err)
	}
	return res
}

// The "done when", with the Node library: an app creates an
// endpoint and sends a message; its receiver verifies the Standard
// Webhooks delivery with the secret from GET …/secret/.
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
