// Package receiver is a configurable webhook receiver for end-to-end tests:
// it can succeed, fail the first N requests, answer a fixed status (410,
// 429 with Retry-After, …), be slow, and it logs every request as a JSON
// line. Test binaries expose it as the `testreceiver` program.
package receiver

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// Request is one logged request.
type Request struct {
	N       int                 `json:"n"`
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Query   string              `json:"query"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"`
	Status  int                 `json:"status"`
}

// Config is the receiver's behaviour.
type Config struct {
	Fail       int           // answer FailStatus to the first Fail requests
	FailStatus int           // default 500
	FailEvery  int           // after Fail: fail every Nth request (0 = never)
	Status     int           // status once failures are over (default 200)
	RetryAfter string        // Retry-After value sent with failures
	Location   string        // Location header sent with failures (a redirect)
	Delay      time.Duration // sleep before answering
	Body       string        // response body
}

// Handler returns the receiver's handler; each request is passed to logf.
func Handler(cfg Config, logf func(Request)) http.Handler {
	var mu sync.Mutex
	n := 0
	if cfg.FailStatus == 0 {
		cfg.FailStatus = http.StatusInternalServerError
	}
	if cfg.Status == 0 {
		cfg.Status = http.StatusOK
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		n++
		i := n
		mu.Unlock()
		status := cfg.Status
		if i <= cfg.Fail || (cfg.FailEvery > 0 && i > cfg.Fail && (i-cfg.Fail)%cfg.FailEvery == 0) {
			status = cfg.FailStatus
		}
		// Log on arrival, before any delay: a script can wait for a
		// request to be in flight.
		if logf != nil {
			logf(Request{N: i, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Headers: r.Header, Body: string(body), Status: status})
		}
		if cfg.Delay > 0 {
			select {
			case <-time.After(cfg.Delay):
			case <-r.Context().Done():
			}
		}
		if status != cfg.Status && cfg.RetryAfter != "" {
			w.Header().Set("Retry-After", cfg.RetryAfter)
		}
		if status != cfg.Status && cfg.Location != "" {
			w.Header().Set("Location", cfg.Location)
		}
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(status)
		if cfg.Body != "" {
			io.WriteString(w, cfg.Body)
		} else {
			fmt.Fprintf(w, "request %d: %d\n", i, status)
		}
	})
}

// Main runs the receiver as a program until SIGINT/SIGTERM.
//
//	testreceiver [-addr 127.0.0.1:0] [-url-file F] [-log F] [-fail N] [-fail-status S]
//	             [-fail-every N] [-status S] [-retry-after V] [-delay D] [-body B] [-tls]
func Main() int {
	fs := flag.NewFlagSet("testreceiver", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	urlFile := fs.String("url-file", "", "write the base URL here once listening")
	logFile := fs.String("log", "", "append one JSON line per request here")
	var cfg Config
	fs.IntVar(&cfg.Fail, "fail", 0, "fail the first N requests")
	fs.IntVar(&cfg.FailStatus, "fail-status", 500, "status of failed requests")
	fs.IntVar(&cfg.FailEvery, "fail-every", 0, "then fail every Nth request")
	fs.IntVar(&cfg.Status, "status", 200, "status of other requests")
	fs.StringVar(&cfg.RetryAfter, "retry-after", "", "Retry-After header on failures")
	fs.StringVar(&cfg.Location, "location", "", "Location header on failures (with -fail-status 302: a redirect)")
	fs.DurationVar(&cfg.Delay, "delay", 0, "delay before answering")
	fs.StringVar(&cfg.Body, "body", "", "response body")
	useTLS := fs.Bool("tls", false, "serve https with a self-signed certificate")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	var logMu sync.Mutex
	var logW io.Writer = io.Discard
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, "testreceiver:", err)
			return 1
		}
		defer f.Close()
		logW = f
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testreceiver:", err)
		return 3
	}
	srv := &http.Server{Handler: Handler(cfg, func(r Request) {
		b, _ := json.Marshal(r)
		logMu.Lock()
		logW.Write(append(b, '\n'))
		logMu.Unlock()
	})}
	// Signals are caught before the URL file says we are up: a script
	// that kills the receiver at once must see a clean stop.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	url := "http://" + ln.Addr().String()
	if *useTLS {
		// httptest's self-signed certificate (for 127.0.0.1), served here.
		ts := httptest.NewUnstartedServer(http.NotFoundHandler())
		ts.StartTLS()
		cfg := ts.TLS.Clone()
		ts.Close()
		ln = tls.NewListener(ln, cfg)
		url = "https://" + ln.Addr().String()
	}
	if *urlFile != "" {
		tmp := *urlFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(url), 0o644); err != nil || os.Rename(tmp, *urlFile) != nil {
			fmt.Fprintln(os.Stderr, "testreceiver: cannot write url file")
			return 1
		}
	}
	fmt.Fprintln(os.Stderr, "testreceiver listening on", url)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "testreceiver:", err)
		return 1
	}
	return 0
}
