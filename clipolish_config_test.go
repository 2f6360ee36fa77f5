//go:build !windows

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestClipolishConfigReadOnce: the config file is read once per command
// (config list and get included).
// It was read twice (viper's read, then trailingYAML's look for a second
// document), so a config file that can be read only once, a pipe as in
// --config <(…), had its second document silently ignored (the second
// read found the pipe empty) instead of refused as a file's is; a file
// replaced between the reads was checked in one version and used in the
// other. Here the file is a pipe the binary gets as fd 3.
func TestClipolishConfigReadOnce(t *testing.T) {
	bin := hookctlBinary(t)
	dir := t.TempDir()
	run := func(content string, args ...string) (stdout, stderr string, code int) {
		t.Helper()
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.WriteString(content); err != nil {
			t.Fatal(err)
		}
		w.Close()
		defer r.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		c := exec.CommandContext(ctx, bin, append([]string{"--config", "/dev/fd/3"}, args...)...)
		c.ExtraFiles = []*os.File{r}
		c.Env = append(os.Environ(),
			"HOME="+filepath.Join(dir, "home"),
			"HOOKCTL_CONFIG_DIR="+filepath.Join(dir, "config"),
			"XDG_DATA_HOME="+filepath.Join(dir, "data"),
			"HOOKCTL_STORE="+filepath.Join(dir, "hookctl.db"),
			"HOOKCTL_OUTPUT=", "HOOKCTL_PROVIDER=", "HOOKCTL_FORCE_TTY=", "NO_COLOR=1")
		c.Stdin = strings.NewReader("")
		var out, errOut bytes.Buffer
		c.Stdout, c.Stderr = &out, &errOut
		err = c.Run()
		var ee *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &ee):
			code = ee.ExitCode()
		default:
			t.Fatalf("hookctl %q: %v", args, err)
		}
		return out.String(), errOut.String(), code
	}

	// One document: its settings apply (output json, provider stripe).
	out, errOut, code := run("output: json\nprovider: stripe\n", "events", "list")
	var list []struct {
		Provider string `json:"provider"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) == 0 {
		t.Fatalf("events list with a piped config: exit %d\nstdout: %.300s\nstderr: %s", code, out, errOut)
	}
	for _, e := range list {
		if e.Provider != "stripe" {
			t.Fatalf("events list with provider: stripe in the piped config listed a %q event", e.Provider)
		}
	}

	// config list says where each value came from as it read the file:
	// it read the file again per key (InFile), found the pipe empty and
	// called provider's stripe a default.
	out, errOut, code = run("provider: stripe\n", "config", "list", "-o", "json")
	// (Value: no_color's is a JSON boolean.)
	var entries []struct {
		Key    string
		Value  any
		Source string
	}
	if code != 0 || json.Unmarshal([]byte(out), &entries) != nil {
		t.Fatalf("config list -o json with a piped config: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	for _, en := range entries {
		want := map[bool]string{true: "file", false: "default"}[en.Key == "provider"]
		if en.Key == "output" {
			want = "flag" // -o json on its command line (TestClileftConfigSourceFlag)
		}
		if en.Key != "store" && en.Source != want {
			t.Errorf("config list with a piped config: %s = %v from %s, want from %s", en.Key, en.Value, en.Source, want)
		}
	}

	// Two documents: refused as a file's are (exit 3), not the second ignored.
	out, errOut, code = run("output: json\n---\nprovider: stripe\n", "events", "list")
	if code != 3 || !strings.Contains(errOut, "a second YAML document (line 2, after ---) would be ignored") {
		t.Errorf("a piped config with a second document: exit %d, want 3 and the second document refused\nstdout: %.300s\nstderr: %s", code, out, errOut)
	}
}
