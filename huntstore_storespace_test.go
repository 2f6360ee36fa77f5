package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestHuntstoreStorePathSpacesTrimmed: a SQLite store path given with
// spaces around it (HOOKCTL_STORE="…/hooks.db ", a CI variable pasted
// with its space) names the file without them, as a postgres:// URL with
// spaces around it already did. Before, subscribe created a second store
// "hooks.db " beside hooks.db, and the readers given the path as meant
// found nothing there.
func TestHuntstoreStorePathSpacesTrimmed(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	c := newCrashEnv(t)
	file := filepath.Join(c.dir, "hooks.db")
	c.env = append(c.env, "HOOKCTL_STORE= "+file+" ")
	c.hookctl(0, "subscribe", "--url", "http://127.0.0.1:9/x", "--events", "*")
	if _, err := os.Stat(file + " "); !os.IsNotExist(err) {
		t.Errorf("subscribe with HOOKCTL_STORE=%q created %q (%v)", " "+file+" ", file+" ", err)
	}
	var info struct{ Location string }
	if err := json.Unmarshal(c.hookctl(0, "store", "info", "-o", "json", "--store", file), &info); err != nil {
		t.Fatal(err)
	}
	var subs []struct{}
	if err := json.Unmarshal(c.hookctl(0, "subscriptions", "list", "-o", "json", "--store", file), &subs); err != nil || len(subs) != 1 {
		t.Errorf("subscriptions list --store %s: %d subscriptions (%v), want the 1 subscribe created", file, len(subs), err)
	}
	if info.Location != file {
		t.Errorf("store info location %q, want %q", info.Location, file)
	}
}
