package main

import (
	"bufio"
	"bytes"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/tidwall/gjson"
)

// jsonwrite OUT FILE PATH: write the value at gjson PATH in FILE to OUT
// (a string's exact bytes), so scripts can cmp bodies byte for byte.
func cmdJSONWrite(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 || neg {
		ts.Fatalf("usage: jsonwrite OUT FILE PATH")
	}
	b, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	r := gjson.GetBytes(b, args[2])
	if !r.Exists() {
		ts.Fatalf("%s: no value at %s", args[1], args[2])
	}
	v := r.Raw
	if r.Type == gjson.String {
		v = r.Str
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(v), 0o644))
}

// waitlines FILE N [TIMEOUT]: wait until FILE has at least N lines.
func cmdWaitLines(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || len(args) > 3 || neg {
		ts.Fatalf("usage: waitlines FILE N [TIMEOUT]")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	timeout := 15 * time.Second
	if len(args) == 3 {
		timeout, err = time.ParseDuration(args[2])
		ts.Check(err)
	}
	deadline := time.Now().Add(timeout)
	for {
		b, _ := os.ReadFile(ts.MkAbs(args[0]))
		got := bytes.Count(b, []byte("\n"))
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("timed out after %s waiting for %d lines in %s (have %d)", timeout, n, args[0], got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// hostport VAR URL: set $VAR to URL's host:port.
func cmdHostPort(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 || neg {
		ts.Fatalf("usage: hostport VAR URL")
	}
	u, err := url.Parse(args[1])
	ts.Check(err)
	ts.Setenv(args[0], u.Host)
}

// uniqlines FILE PATH N: the gjson PATH of each JSON line in FILE takes
// exactly N distinct values (e.g. every event id arrived).
func cmdUniqLines(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: uniqlines FILE PATH N")
	}
	f, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	want, err := strconv.Atoi(args[2])
	ts.Check(err)
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		if v := gjson.GetBytes(sc.Bytes(), args[1]); v.Exists() {
			seen[v.String()] = true
		}
	}
	if (len(seen) == want) == neg {
		ts.Fatalf("%s: %d distinct values at %s, want %s%d", args[0], len(seen), args[1], map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// sleep DURATION: pause the script.
func cmdSleep(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	time.Sleep(d)
}
