package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hookctl/hookctl/internal/demo"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/testutil/freeport"
)

// freeport VAR: set $VAR to a free TCP port on 127.0.0.1 (freePort).
func cmdFreePort(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: freeport VAR")
	}
	port, err := freePort()
	ts.Check(err)
	ts.Setenv(args[0], port)
}

// freePort is freeport.Pick: a free port no :0 listener is given meanwhile.
func freePort() (string, error) { return freeport.Pick() }

// mustFreePort is freePort for a test.
func mustFreePort(t testing.TB) string { return freeport.Must(t) }

// httpwait URL [TIMEOUT]: wait until GET URL answers 200.
func cmdHTTPWait(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: httpwait URL [TIMEOUT]")
	}
	timeout := 10 * time.Second
	if len(args) == 2 {
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		timeout = d
	}
	deadline := time.Now().Add(timeout)
	c := &http.Client{Timeout: time.Second}
	for {
		resp, err := c.Get(args[0])
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s did not answer 200 within %s (last error: %v)", args[0], timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// post [-scheme S -secret X] [-id ID] [-tamper] [-stale] [-H 'K: V']... URL BODY:
// POST BODY (@file reads a file) to URL, signed with scheme S when given;
// -tamper changes the body after signing, -stale signs 10 minutes ago.
// Prints "status: N" and the response headers and body on stdout.
func cmdPost(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("post", flag.ContinueOnError)
	scheme := fs.String("scheme", "", "")
	secret := fs.String("secret", "", "")
	id := fs.String("id", "", "")
	tamper := fs.Bool("tamper", false, "")
	stale := fs.Bool("stale", false, "")
	var hs multi
	fs.Var(&hs, "H", "")
	ts.Check(fs.Parse(args))
	if fs.NArg() != 2 {
		ts.Fatalf("usage: post [-scheme S -secret X] [-id ID] [-tamper] [-stale] [-H 'K: V']... URL BODY")
	}
	body := []byte(fs.Arg(1))
	if strings.HasPrefix(fs.Arg(1), "@") {
		b, err := os.ReadFile(ts.MkAbs(fs.Arg(1)[1:]))
		ts.Check(err)
		body = b
	}
	req, err := http.NewRequest("POST", fs.Arg(0), bytes.NewReader(body))
	ts.Check(err)
	req.Header.Set("Content-Type", "application/json")
	if *scheme != "" {
		sc, err := signature.Lookup(*scheme)
		ts.Check(err)
		now := time.Now()
		if *stale {
			now = now.Add(-10 * time.Minute)
		}
		h, err := sc.Sign(signature.SignInput{Secrets: []string{*secret}, ID: *id, Timestamp: now, Body: body})
		ts.Check(err)
		for k, v := range h {
			req.Header[k] = v
		}
		if *id != "" && req.Header.Get(signature.IDHeader(*scheme)) == "" && signature.IDHeader(*scheme) == "" {
			req.Header.Set("Idempotency-Key", *id)
		}
	}
	for _, h := range hs {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	if *tamper {
		req.Body = io.NopCloser(bytes.NewReader(append(body, ' ')))
		req.ContentLength = int64(len(body) + 1)
	}
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		if neg {
			return
		}
		ts.Fatalf("post: %v", err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	fmt.Fprintf(ts.Stdout(), "status: %d\n", resp.StatusCode)
	for k, v := range resp.Header {
		fmt.Fprintf(ts.Stdout(), "%s: %s\n", k, strings.Join(v, ", "))
	}
	fmt.Fprintf(ts.Stdout(), "\n%s\n", rb)
	if neg == (resp.StatusCode < 300) {
		ts.Fatalf("post: unexpected status %d", resp.StatusCode)
	}
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// demoApp is the `demoapp -url-file F -secret S [-fail-first TYPE]...`
// program: the sample app of `hookctl demo` (verifies signatures itself).
func demoApp() int {
	fs := flag.NewFlagSet("demoapp", flag.ContinueOnError)
	urlFile := fs.String("url-file", "", "write the webhook URL here")
	secret := fs.String("secret", "", "signing secret")
	var fail multi
	fs.Var(&fail, "fail-first", "event type whose first attempt fails")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	a, err := demo.NewApp(fail...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	a.SetSecrets(*secret)
	if *urlFile != "" {
		if err := os.WriteFile(*urlFile, []byte(a.URL()), 0o600); err != nil {
			return 1
		}
	}
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM)
	<-c
	for _, r := range a.Received() {
		fmt.Printf("%d %s %s %s\n", r.Status, r.EventType, r.EventID, r.Reason)
	}
	a.Close()
	return 0
}
