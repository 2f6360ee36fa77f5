package ui

import (
	"strings"
	"testing"
)

func TestProgress(t *testing.T) {
	ios, _, _, errOut := Test()
	p := ios.NewProgress("replaying")
	p.SetTotal(4, true)
	p.Add(true)
	p.Add(false)
	if p.Enabled() || errOut.Len() != 0 {
		t.Fatalf("no terminal: nothing drawn, got %q", errOut.String())
	}
	if got := p.Line(); !strings.HasPrefix(got, "replaying [===============>              ] 2/4  2 ok") && !strings.Contains(got, "1 ok") {
		t.Errorf("line = %q", got)
	}
	if got := p.Line(); !strings.Contains(got, "2/4") || !strings.Contains(got, "1 ok") || !strings.Contains(got, "1 failed") {
		t.Errorf("line = %q", got)
	}

	ios.SetTTY(false, false, true)
	p = ios.NewProgress("replaying")
	p.SetTotal(10, false)
	p.Add(true)
	p.Finish()
	out := errOut.String()
	if !strings.Contains(out, "\r\033[K") || !strings.Contains(out, "1/10+") || !strings.HasSuffix(out, "\n") {
		t.Errorf("terminal output = %q", out)
	}
}
