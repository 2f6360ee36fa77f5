//go:build !windows

package main

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// The lists at 40, 60 and 80 columns: no line is wider than the
// terminal, and the columns that name a row (the id, the status, a type)
// are there. Before, at 40 the fitter found nothing that fitted once the
// secondary columns were gone, cut nothing, and every row wrapped
// (deliveries list 79 columns wide, subscriptions list 78, events list
// 133, events log 49).
func TestPolish4ListsFit(t *testing.T) {
	t.Parallel()
	e := tablefitEnv(t)
	for _, tc := range []struct {
		args []string
		keep []string // header cells every width shows
	}{
		{[]string{"deliveries", "list"}, []string{"ID", "STATUS", "URL"}},
		{[]string{"subscriptions", "list"}, []string{"ID", "URL", "STATUS"}},
		{[]string{"events", "list"}, []string{"TYPE", "PROVIDER"}},
		{[]string{"events", "log"}, []string{"ID", "TYPE"}},
	} {
		for _, cols := range []int{40, 60, 80} {
			e.cols = uint16(cols)
			r := e.pty([]string{"NO_COLOR=1"}, tc.args...)
			if r.code != 0 {
				t.Fatalf("%v at %d columns: exit %d\n%s", tc.args, cols, r.code, r.out)
			}
			lines := polish3Lines(r.out)
			linesFit(t, lines, cols)
			head := strings.Fields(lines[0])
			for _, k := range tc.keep {
				if !strings.Contains(" "+strings.Join(head, " ")+" ", " "+k+" ") {
					t.Errorf("%v at %d columns: no %s column: %q", tc.args, cols, k, lines[0])
				}
			}
			if t.Failed() {
				t.Logf("%v at %d columns:\n%s", tc.args, cols, r.out)
			}
		}
	}
	// The ids shown at 40 are ones deliveries show takes.
	e.cols = 40
	r := e.pty([]string{"NO_COLOR=1"}, "deliveries", "list")
	_, rows := tablefitCells(t, r.out)
	if len(rows) != 3 {
		t.Fatalf("40 columns: %d rows, want 3\n%s", len(rows), r.out)
	}
	for _, row := range rows {
		if s := e.pty([]string{"NO_COLOR=1"}, "deliveries", "show", row["ID"]); s.code != 0 {
			t.Errorf("deliveries show %s: exit %d\n%s", row["ID"], s.code, s.out)
		}
	}
}

// serve on a 40-column terminal: its banner was wrapped to the terminal,
// but the lines it prints when it stops were not ("Shutting down: …" 70
// columns, "Stopped after 2s: no deliveries attempted." 42).
func TestPolish4ServeLinesFit(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	c := e.command([]string{"NO_COLOR=1"}, "serve", "--port", "0")
	f, out, drained := e.startDrained(c, 40)
	defer f.Close()
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "Point an SDK at") {
		if time.Now().After(deadline) {
			c.Process.Kill()
			t.Fatalf("serve did not get ready:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := c.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v\n%s", err, out.String())
		}
	case <-time.After(60 * time.Second):
		c.Process.Kill()
		t.Fatalf("serve did not stop:\n%s", out.String())
	}
	select {
	case <-drained:
	case <-time.After(10 * time.Second):
		t.Fatal("the terminal's output did not end")
	}
	s := out.String()
	for _, want := range []string{"Shutting down", "Stopped after"} {
		if !strings.Contains(s, want) {
			t.Errorf("no %q:\n%s", want, s)
		}
	}
	linesFit(t, polish3Lines(s), 40)
}
