//go:build !windows

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// README (Custom fixtures): "A file holds one fixture or a list of them"
// and errors name the file and line. A YAML file of several fixtures
// separated by --- (the usual way to put YAML objects in one file) gave
// the first alone: the others were dropped without a word, and `hookctl
// trigger` of one of them said "unknown event"; whatever followed a first
// fixture written in flow style ({type: …}) was dropped too. Every
// document is read now, and text after a flow value is an error naming
// the file and line (exit 2).
func TestDocauditFixtureDocumentsAllRead(t *testing.T) {
	e := newPTYEnv(t)
	dir := filepath.Join(e.dir, "fx")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "orders.yaml"), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("type: order.created\nbody:\n  order: \"{{id ord_}}\"\n---\ntype: order.shipped\nbody:\n  shipped: true\n---\n- type: order.refunded\n  body: {refunded: true}\n")
	list := e.plain("events", "list", "--fixtures", dir)
	for _, typ := range []string{"order.created", "order.shipped", "order.refunded"} {
		if !strings.Contains(list, typ+"\tstandard") {
			t.Errorf("events list --fixtures: %s missing (a document of orders.yaml dropped):\n%s", typ, list)
		}
	}
	if out := e.plain("events", "show", "order.shipped", "--fixtures", dir); out != `{"shipped":true}` {
		t.Errorf("events show order.shipped = %q, want the second document's body", out)
	}

	write("{type: order.created, body: {a: 1}}\ntype: order.shipped\n")
	c := e.command(nil, "events", "list", "--fixtures", dir)
	out, _ := c.CombinedOutput()
	if code := c.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(out), "orders.yaml:1: invalid YAML") {
		t.Errorf("a fixture after a flow-style one: exit %d, want 2 naming orders.yaml:1:\n%s", code, out)
	}
}
