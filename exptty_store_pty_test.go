//go:build !windows

package main

import (
	"strings"
	"testing"
)

// TestExpttyStoreExportRefusesTerminal: store export on a terminal printed
// every subscription's signing secret on the screen (a redirect
// forgotten); it is refused with exit 2 and a hint, before anything is
// written, while a pipe still gets the whole dump.
func TestExpttyStoreExportRefusesTerminal(t *testing.T) {
	e := newPTYEnv(t)
	e.plain("subscribe", "--url", "http://127.0.0.1:1/hooks", "--events", "card.*", "--secret", "whsec_ExpttyExpttyExpttyExpttyExptty0000")
	r := e.pty(nil, "store", "export")
	if r.code != 2 {
		t.Fatalf("store export on a terminal: exit %d, want 2\n%s", r.code, r.out)
	}
	if strings.Contains(r.out, "whsec_") || strings.Contains(r.out, "hookctl_dump") {
		t.Errorf("store export on a terminal wrote the dump:\n%s", r.out)
	}
	for _, want := range []string{"refusing to write the store's dump to a terminal", "hookctl store export > dump.jsonl"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("store export on a terminal: want %q in\n%s", want, r.out)
		}
	}
	out := e.plain("store", "export")
	if !strings.HasPrefix(out, `{"hookctl_dump"`) || !strings.Contains(out, "whsec_ExpttyExpttyExpttyExpttyExptty0000") {
		t.Errorf("store export into a pipe: want the whole dump, got\n%s", out)
	}
}
