//go:build !windows

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// On a fresh machine, `hookctl config unset store` (or config set with
// an empty value) of a key no config file sets said "✓ Unset store in
// ~/.config/hookctl/config.yaml" and created that file, empty: it
// claimed a change it did not make. It now says the key is not set there
// and writes nothing, as an update that changes nothing does; a key the
// file sets is still removed.
func TestNewcomer2ConfigUnsetOfUnsetKeyWritesNothing(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	file := filepath.Join(e.dir, "config", "config.yaml")
	for _, args := range [][]string{{"config", "unset", "store"}, {"config", "set", "timeout", ""}} {
		c := e.command(nil, args...)
		var stderr bytes.Buffer
		c.Stderr = &stderr
		if err := c.Run(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr.String())
		}
		if strings.Contains(stderr.String(), "✓") || !strings.Contains(stderr.String(), "is not set in "+file+": nothing to unset") {
			t.Errorf("%v of a key no file sets said:\n%s", args, stderr.String())
		}
		if _, err := os.Stat(file); !os.IsNotExist(err) {
			t.Errorf("%v created or touched %s (%v)", args, file, err)
		}
	}
	e.plain("config", "set", "timeout", "3s")
	c := e.command(nil, "config", "unset", "timeout")
	var stderr bytes.Buffer
	c.Stderr = &stderr
	if err := c.Run(); err != nil || !strings.Contains(stderr.String(), "✓ Unset timeout in "+file) {
		t.Fatalf("config unset of a key the file sets: %v\n%s", err, stderr.String())
	}
	if b, err := os.ReadFile(file); err != nil || strings.Contains(string(b), "timeout") {
		t.Errorf("the file still sets timeout (%v):\n%s", err, b)
	}
}
