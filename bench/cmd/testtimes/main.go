// Command testtimes reads `go test -json` output and prints where the time
// went: each package's elapsed time, then the slowest tests (top-level
// tests and subtests alike), longest first.
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
)

type event struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
}

type row struct {
	pkg, test, action string
	elapsed           float64
}

func main() {
	n := flag.Int("n", 30, "how many of the slowest tests to print")
	subtests := flag.Bool("subtests", false, "list subtests too (top-level tests only by default)")
	flag.Parse()
	pkgs, tests, err := read(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testtimes:", err)
		os.Exit(1)
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

func read(r io.Reader) (pkgs, tests []row, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue // go build's own lines
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
	return pkgs, tests, sc.Err()
}
