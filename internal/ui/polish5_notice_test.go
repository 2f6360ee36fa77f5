package ui

import (
	"bytes"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// WrapNotice wraps a hint between words, but what the reader copies
// stays whole: a hookctl command (on one line), a path, an id, a flag
// with its value.
func TestPolish5WrapNoticeKeepsCommands(t *testing.T) {
	const path = "/tmp/TestSomething123/001/hookctl.db"
	for _, tc := range []struct {
		line  string
		whole []string // each on one line of the result
		width int
	}{
		{`hookctl: hint: "hookctl store export --store ` + path + ` > dump.jsonl" keeps what can still be read; import it into a new store (hookctl store import dump.jsonl --store NEW), or restore the file from a copy`,
			[]string{`"hookctl store export --store ` + path + ` > dump.jsonl"`, "(hookctl store import dump.jsonl --store NEW),"}, 60},
		{"hookctl: hint: free space on the disk that holds " + path + " (what was recorded before is kept), then run the command again",
			[]string{path}, 60},
		{"hookctl: hint: after a fix, re-forward failures with: hookctl replay --failed --source listen --since 10m",
			[]string{"hookctl replay --failed --source listen --since 10m"}, 60},
		{"hookctl: error: trigger found no enabled subscription: enable it: hookctl subscriptions enable 7c0ffee1-1111-4a51-9d0e-1f2a3b4c5d6e, then replay",
			[]string{"hookctl subscriptions enable 7c0ffee1-1111-4a51-9d0e-1f2a3b4c5d6e,"}, 80},
		{`hookctl: hint: e.g. --port 8787 (the default), or --port 0 for a free port, or --port 9000 maybe`,
			[]string{"--port 8787", "--port 0", "--port 9000"}, 40},
		{`hookctl: hint: pass --provider {bond|mono|mambu|saas|standard|stripe|github} or --scheme S with --secret, or --subscription ID`,
			[]string{"--provider {bond|mono|mambu|saas|standard|stripe|github}", "--scheme S", "--subscription ID"}, 60},
	} {
		got := WrapNotice(tc.line, tc.width)
		lines := strings.Split(got, "\n")
		if len(lines) < 2 {
			t.Errorf("WrapNotice(%q, %d) = %q: not wrapped", tc.line, tc.width, got)
		}
		if strings.Join(strings.Fields(got), " ") != strings.Join(strings.Fields(tc.line), " ") {
			t.Errorf("WrapNotice(%q, %d) = %q: words changed", tc.line, tc.width, got)
		}
		if strings.Contains(got, nbsp) {
			t.Errorf("WrapNotice(%q, %d) = %q: a non-breaking space left", tc.line, tc.width, got)
		}
		for _, w := range tc.whole {
			found := false
			for _, l := range lines {
				found = found || strings.Contains(l, w)
			}
			if !found {
				t.Errorf("WrapNotice(%d): %q cut over two lines:\n%s", tc.width, w, got)
			}
		}
		for i, l := range lines {
			if i > 0 && !strings.HasPrefix(l, "  ") {
				t.Errorf("WrapNotice(%d): line %q not indented:\n%s", tc.width, l, got)
			}
			if len([]rune(l)) > tc.width {
				whole := false
				for _, w := range tc.whole {
					whole = whole || strings.TrimSpace(l) == w
				}
				if !whole {
					t.Errorf("WrapNotice(%d): line %q wider than %d:\n%s", tc.width, l, tc.width, got)
				}
			}
		}
	}
	// "hookctl uses …" is prose, not a command: wrapped between words.
	got := WrapNotice("hookctl: hint: check --store, HOOKCTL_STORE or the store setting (without any, hookctl uses /root/.local/share/hookctl/hookctl.db)", 60)
	if !strings.Contains(got, "hookctl\n") && !strings.Contains(got, "uses\n") && !strings.Contains(got, "any,\n") {
		t.Logf("%s", got)
	}
	for _, l := range strings.Split(got, "\n") {
		if len([]rune(l)) > 60 {
			t.Errorf("prose: line %q wider than 60:\n%s", l, got)
		}
	}
}

// The writer wraps whole notice lines only: anything else (a prompt, a
// progress line, a partial line, other text) goes through byte for
// byte, and with no width (unknown) nothing is wrapped.
func TestPolish5NoticeWriter(t *testing.T) {
	long := "hookctl: hint: valid keys: fixtures_dir, forward, listen_host, listen_port, no_color, output, provider, retry_profile, retry_schedule, scheme, store, store_wait, timeout\n"
	for _, tc := range []struct {
		in    string
		width int
		same  bool
	}{
		{long, 60, false},
		{"hookctl: error: x\n" + long, 60, false},
		{"\x1b[2m" + strings.TrimSuffix(long, "\n") + "\x1b[0m\n", 60, false},
		{long, 0, true},
		{strings.TrimSuffix(long, "\n"), 60, true},                     // a partial line
		{"Delete 3 deliveries? " + strings.Repeat("x ", 50), 60, true}, // a prompt
		{"Ready! " + strings.Repeat("word ", 30) + "\n", 60, true},     // not a notice
		{"hookctl: hint: short\n", 60, true},
	} {
		var b bytes.Buffer
		w := &noticeWriter{w: &b, width: func() int { return tc.width }}
		n, err := w.Write([]byte(tc.in))
		if err != nil || n != len(tc.in) {
			t.Errorf("Write(%q) = %d, %v; want %d, nil", tc.in, n, err, len(tc.in))
		}
		if got := b.String(); (got == tc.in) != tc.same {
			t.Errorf("Write(%q) at %d wrote %q (same: %v, want %v)", tc.in, tc.width, got, got == tc.in, tc.same)
		}
		if !tc.same {
			for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
				if w := ansi.StringWidth(l); w > tc.width {
					t.Errorf("Write(%q): line %q is %d wide", tc.in, l, w)
				}
			}
		}
	}
}

// A usage synopsis is wrapped between words (it is read, not run as it
// is: <url>, [flags]); a ':' inside a command's quoted argument does not
// end it.
func TestPolish5WrapNoticeSynopsis(t *testing.T) {
	syn := "hookctl: hint: usage: hookctl subscribe --url <url> --events <list> [--description <text>] [--provider <p>] [--scheme <s>] [--header 'K: V']... [flags]"
	for _, l := range strings.Split(WrapNotice(syn, 60), "\n") {
		if len([]rune(l)) > 60 {
			t.Errorf("synopsis: line %q wider than 60", l)
		}
	}
	cmd := "hookctl subscribe --url http://localhost:3000/x --events 'card.*' --header 'X-Env: dev'"
	got := WrapNotice("hookctl: hint: e.g. "+cmd, 60)
	if !strings.Contains(got, cmd) {
		t.Errorf("a command with a ':' in an argument was cut:\n%s", got)
	}
}
