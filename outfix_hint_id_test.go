//go:build !windows

package main

import (
	"bytes"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestOutfixEventIDHintRunsAsPrinted: replay and deliveries show given
// an event's id (not a delivery's) name the event and, when it has no
// delivery, the command that shows it. For an id a sender made with a
// byte that is not UTF-8 (listen records it as received), that command
// printed the escaped id (hookctl events show id_\xe9), which names
// another id ("id_\xe9" as typed: 7 characters): run as printed, it found
// nothing. Now the hint gives the id as the commands take it
// (store.EncodeText, as -o json writes it) quoted for a shell, with no
// raw control byte on the terminal: run by sh as printed, it shows the
// event. Real binary, real listen, SQLite.
func TestOutfixEventIDHintRunsAsPrinted(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	c := newCrashEnv(t)
	const secret = "whsec_dGVzdHNlY3JldA=="
	port := mustFreePort(t)
	stop := startListen(t, c, port, "--secret", secret) // no --forward: no delivery
	const id = "id_\xe9"
	if code := huntstoreSend(t, "http://127.0.0.1:"+port+"/webhooks", secret, id, `{"type":"t.created"}`); code != http.StatusOK {
		t.Fatalf("listen answered %d", code)
	}
	stop()
	for _, args := range [][]string{
		{"replay", id},
		{"deliveries", "show", id},
		{"replay", "\x01base64:aWRf6Q=="}, // as -o json writes it
	} {
		var stderr bytes.Buffer
		cmd := c.cmd("hookctl", args...)
		cmd.Stderr = &stderr
		if err := cmd.Run(); err == nil {
			t.Fatalf("hookctl %q: exit 0, want the not-a-delivery error", args)
		}
		errText := stderr.String()
		if !utf8.ValidString(errText) || strings.ContainsFunc(errText, func(r rune) bool { return r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r < 0xa0 }) {
			t.Errorf("hookctl %q wrote raw bytes to stderr: %q", args, errText)
		}
		const prefix = "hookctl: hint: it has no delivery: "
		var hint string
		for _, l := range strings.Split(errText, "\n") {
			if s, ok := strings.CutPrefix(l, prefix); ok {
				hint = s
			}
		}
		if !strings.Contains(errText, "is not a delivery but an event") || hint == "" {
			t.Fatalf("hookctl %q: no %q hint:\n%s", args, prefix, errText)
		}
		// Run as printed, by a POSIX shell.
		sh := c.cmd("sh", "-c", hint)
		out, err := sh.CombinedOutput()
		if err != nil || !strings.Contains(string(out), `Event id_\xe9`) {
			t.Errorf("hookctl %q hinted %q; run by sh: %v\n%s", args, hint, err, out)
		}
	}
}
