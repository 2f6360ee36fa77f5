package catalog

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// NodePackages installs npm packages into a fresh temporary directory
// and returns its node_modules path; the test is skipped, loudly, without
// HOOKCTL_NODE=1 (it needs the npm registry and takes seconds) or without
// node and npm on PATH.
func nodePackages(t *testing.T, pkgs ...string) string {
	t.Helper()
	if os.Getenv("HOOKCTL_NODE") == "" {
		t.Skip("SKIPPED: set HOOKCTL_NODE=1 to run the Node.js checks (.ci/test does when node is installed)")
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("SKIPPED: %s is not on PATH: the Node.js checks did not run", tool)
		}
	}
	dir := t.TempDir()
	cmd := exec.Command("npm", append([]string{"install", "--no-audit", "--no-fund", "--no-save", "--prefix", dir}, pkgs...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm install %v: %v\n%s", pkgs, err, out)
	}
	return filepath.Join(dir, "node_modules")
}

// TestGitHubSchemas validates every GitHub event body against GitHub's
// published webhook schemas (@octokit/webhooks-schemas, with ajv).
func TestGitHubSchemas(t *testing.T) {
	modules := nodePackages(t, "@octokit/webhooks-schemas", "ajv@8", "ajv-formats@3")
	c := mustLoad(t)
	type item struct {
		Type string          `json:"type"`
		Body json.RawMessage `json:"body"`
	}
	var items []item
	for _, et := range c.List("github", "") {
		ev, err := c.Build(et, BuildOptions{Now: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, item{et.Type, ev.Body})
	}
	data, _ := json.Marshal(items)
	file := filepath.Join(t.TempDir(), "events.json")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	script, _ := filepath.Abs("testdata/node/validate-github.js")
	cmd := exec.Command("node", script, file)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("schema validation failed: %v", err)
	}
}
