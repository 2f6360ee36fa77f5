package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// api [-H 'K: V']... [-o FILE] [-until REGEXP] METHOD URL [BODY|@FILE]:
// one HTTP request; prints "status: N" on stderr and the response body on
// stdout (and in FILE with -o). Fails unless the status is 2xx (! api
// expects a failure). With -until the request is repeated (10 s at most)
// until the body matches REGEXP.
func cmdAPI(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("api", flag.ContinueOnError)
	var hs multi
	fs.Var(&hs, "H", "")
	out := fs.String("o", "", "")
	until := fs.String("until", "", "")
	ts.Check(fs.Parse(args))
	var re *regexp.Regexp
	if *until != "" {
		var err error
		re, err = regexp.Compile(*until)
		ts.Check(err)
	}
	if fs.NArg() < 2 || fs.NArg() > 3 {
		ts.Fatalf("usage: api [-H 'K: V']... [-o FILE] METHOD URL [BODY|@FILE]")
	}
	var body []byte
	if fs.NArg() == 3 {
		body = []byte(fs.Arg(2))
		if strings.HasPrefix(fs.Arg(2), "@") {
			var err error
			body, err = os.ReadFile(ts.MkAbs(fs.Arg(2)[1:]))
			ts.Check(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	var resp *http.Response
	var rb []byte
	for {
		var r io.Reader
		if body != nil {
			r = bytes.NewReader(body)
		}
		req, err := http.NewRequest(fs.Arg(0), fs.Arg(1), r)
		ts.Check(err)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		for _, h := range hs {
			k, v, _ := strings.Cut(h, ":")
			req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
		}
		resp, err = (&http.Client{Timeout: 20 * time.Second}).Do(req)
		ts.Check(err)
		rb, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if re == nil || re.Match(rb) {
			break
		}
		if time.Now().After(deadline) {
			ts.Fatalf("api: no answer matching %q within 10s; last: %s", *until, rb)
		}
		time.Sleep(25 * time.Millisecond)
	}
	fmt.Fprintf(ts.Stderr(), "status: %d\n", resp.StatusCode)
	ts.Stdout().Write(rb)
	if *out != "" {
		ts.Check(os.WriteFile(ts.MkAbs(*out), rb, 0o644))
	}
	if neg == (resp.StatusCode < 300) {
		ts.Fatalf("api: unexpected status %d: %s", resp.StatusCode, rb)
	}
}

// recvreq LOG N HEADERS BODY: write the Nth request (1-based) logged by
// testreceiver as "Name: value" lines to HEADERS and its raw body to BODY
// (for `hookctl verify --header-file HEADERS < BODY`).
func cmdRecvReq(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 4 {
		ts.Fatalf("usage: recvreq LOG N HEADERS BODY")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	f, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 4<<20), 4<<20)
	for i := 1; sc.Scan(); i++ {
		if i != n {
			continue
		}
		var r struct {
			Headers map[string][]string
			Body    string
		}
		ts.Check(json.Unmarshal(sc.Bytes(), &r))
		var keys []string
		for k := range r.Headers {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var h strings.Builder
		for _, k := range keys {
			for _, v := range r.Headers[k] {
				fmt.Fprintf(&h, "%s: %s\n", k, v)
			}
		}
		ts.Check(os.WriteFile(ts.MkAbs(args[2]), []byte(h.String()), 0o644))
		ts.Check(os.WriteFile(ts.MkAbs(args[3]), []byte(r.Body), 0o644))
		return
	}
	ts.Fatalf("%s has fewer than %d requests", args[0], n)
}
