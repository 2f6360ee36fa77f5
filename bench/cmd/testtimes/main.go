// Command testtimes reads `go test -json` output and prints where the time
// went: each package's elapsed time, then the slowest tests (top-level
// tests and subtests alike), longest first, and -timeline when each
// package's test binary ran (seconds since the first event): with go
// test's -p packages at once, which ones are the long poles and which
// start last.
//
//	go test ./... -count=1 -json > /tmp/t.json
//	go run ./bench/cmd/testtimes -n 40 < /tmp/t.json
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

type event struct {
	Time    time.Time
	Action  string
	Package string
	Test    string
	Elapsed float64
}

// span is when a package's first and last events came.
type span struct {
	pkg        string
	start, end time.Time
}

type row struct {
	pkg, test, action string
	elapsed           float64
}

func main() {
	n := flag.Int("n", 30, "how many of the slowest tests to print")
	subtests := flag.Bool("subtests", false, "list subtests too (top-level tests only by default)")
	timeline := flag.Bool("timeline", false, "print when each package ran, in the order they started")
	flag.Parse()
	pkgs, tests, spans, err := read(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testtimes:", err)
		os.Exit(1)
	}
	if *timeline {
		printTimeline(spans)
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].elapsed > pkgs[j].elapsed })
	fmt.Println("package elapsed (s):")
	for _, p := range pkgs {
		fmt.Printf("%8.1f  %-4s  %s\n", p.elapsed, p.action, p.pkg)
	}
	var top []row
	var sum float64
	for _, t := range tests {
		if !*subtests && strings.Contains(t.test, "/") {
			continue
		}
		top = append(top, t)
		sum += t.elapsed
	}
	sort.Slice(top, func(i, j int) bool { return top[i].elapsed > top[j].elapsed })
	fmt.Printf("\n%d tests, %.1f s summed; the %d slowest:\n", len(top), sum, min(*n, len(top)))
	for i, t := range top {
		if i == *n {
			break
		}
		fmt.Printf("%8.2f  %-4s  %s %s\n", t.elapsed, t.action, short(t.pkg), t.test)
	}
}

func short(pkg string) string {
	s := strings.TrimPrefix(pkg, "github.com/hookctl/hookctl")
	if s == "" {
		return "."
	}
	return "." + s
}

// printTimeline prints each package's test run as seconds since the
// first event (build output included), in the order the runs started,
// with a bar per 5 s; packages that ran under 1 s are left out.
func printTimeline(spans []span) {
	if len(spans) == 0 {
		return
	}
	t0 := spans[0].start
	for _, s := range spans {
		if s.start.Before(t0) {
			t0 = s.start
		}
	}
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].start.Before(spans[j].start) })
	fmt.Println("timeline (s since the first event; runs of 1 s or more):")
	var last time.Time
	for _, s := range spans {
		if s.end.After(last) {
			last = s.end
		}
		if s.end.Sub(s.start) < time.Second {
			continue
		}
		from, to := s.start.Sub(t0).Seconds(), s.end.Sub(t0).Seconds()
		fmt.Printf("%7.1f %7.1f %6.1f  %-40s %s%s\n", from, to, to-from, short(s.pkg),
			strings.Repeat(" ", int(from/5)), strings.Repeat("#", max(1, int((to-from)/5))))
	}
	fmt.Printf("wall (first to last event): %.1f s\n\n", last.Sub(t0).Seconds())
}

func read(r io.Reader) (pkgs, tests []row, spans []span, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	index := map[string]int{}
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue // go build's own lines
		}
		if e.Package != "" && !e.Time.IsZero() {
			i, ok := index[e.Package]
			if !ok {
				i = len(spans)
				index[e.Package] = i
				spans = append(spans, span{pkg: e.Package, start: e.Time, end: e.Time})
			}
			if e.Time.Before(spans[i].start) {
				spans[i].start = e.Time
			}
			if e.Time.After(spans[i].end) {
				spans[i].end = e.Time
			}
		}
		switch e.Action {
		case "pass", "fail", "skip":
		default:
			continue
		}
		r := row{pkg: e.Package, test: e.Test, action: e.Action, elapsed: e.Elapsed}
		if e.Test == "" {
			pkgs = append(pkgs, r)
		} else {
			tests = append(tests, r)
		}
	}
	return pkgs, tests, spans, sc.Err()
}
