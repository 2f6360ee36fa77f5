// Command soakload drives bench/soak.sh's long runs at a steady, modest
// rate (never flat out):
//
//	soakload recv -url-file F [-fail 0.1] [-hang 0.005] [-delay 0]
//	    a receiver answering 200, or 500 for a fraction of requests, or
//	    hanging (until the client gives up) for another fraction
//	soakload sign -url U -secret whsec_… -rate 300 -dur 5m
//	    POST Standard Webhooks–signed events, each with a fresh id and
//	    timestamp, to U (listen)
//	soakload drop -addr host:port -rate 20 -dur 5m
//	    open connections and drop them: half of them after a partial
//	    request, the others at once
//	soakload svix -url http://serve -app soak -rate 150 -dur 5m
//	    create Svix messages, each with its own idempotency-key (as
//	    Svix's official libraries send)
//	soakload sse -url U -dur 5m [-churn 5]
//	    keep one Server-Sent Events stream open and read it, and open and
//	    drop -churn more streams a second (the inspector's live log)
package main

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: soakload recv|sign|drop|sse|svix [flags]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	var err error
	switch os.Args[1] {
	case "recv":
		err = recv(ctx, fs, os.Args[2:])
	case "sign":
		err = sign(ctx, fs, os.Args[2:])
	case "drop":
		err = drop(ctx, fs, os.Args[2:])
	case "sse":
		err = sse(ctx, fs, os.Args[2:])
	case "svix":
		err = svix(ctx, fs, os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "soakload:", err)
		os.Exit(1)
	}
}

func recv(ctx context.Context, fs *flag.FlagSet, args []string) error {
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	urlFile := fs.String("url-file", "", "write the base URL here once listening")
	fail := fs.Float64("fail", 0, "fraction of requests answered 500")
	hang := fs.Float64("hang", 0, "fraction of requests left hanging until the client gives up (at most 2m)")
	delay := fs.Duration("delay", 0, "answer after this long")
	fs.Parse(args)
	var n, nfail, nhang atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		n.Add(1)
		if *delay > 0 {
			time.Sleep(*delay)
		}
		x := rand.Float64()
		switch {
		case x < *hang:
			nhang.Add(1)
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Minute):
			}
			return
		case x < *hang+*fail:
			nfail.Add(1)
			http.Error(w, "soak: failing on purpose", http.StatusInternalServerError)
			return
		}
		w.Write([]byte("ok"))
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if *urlFile != "" {
		os.WriteFile(*urlFile+".tmp", []byte("http://"+ln.Addr().String()), 0o644)
		os.Rename(*urlFile+".tmp", *urlFile)
	}
	srv := &http.Server{Handler: h}
	go func() { <-ctx.Done(); srv.Close() }()
	srv.Serve(ln)
	fmt.Fprintf(os.Stderr, "soakload recv: %d requests, %d answered 500, %d hung\n", n.Load(), nfail.Load(), nhang.Load())
	return nil
}

// pace calls f rate times a second from conns goroutines until dur or ctx ends.
func pace(ctx context.Context, rate float64, conns int, dur time.Duration, f func(i int64)) {
	ctx, cancel := context.WithTimeout(ctx, dur)
	defer cancel()
	jobs := make(chan int64, conns)
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				f(i)
			}
		}()
	}
	start := time.Now()
	var i int64
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-tick.C:
		}
		due := int64(time.Since(start).Seconds() * rate)
		for ; i < due; i++ {
			select {
			case jobs <- i:
			default: // the senders are behind: skip rather than pile up
			}
		}
	}
	close(jobs)
	wg.Wait()
}

func sign(ctx context.Context, fs *flag.FlagSet, args []string) error {
	u := fs.String("url", "", "listen's URL")
	secret := fs.String("secret", "", "whsec_… secret")
	rate := fs.Float64("rate", 300, "requests a second")
	conns := fs.Int("conns", 8, "requests in flight at most")
	dur := fs.Duration("dur", time.Minute, "how long")
	size := fs.Int("size", 1024, "body size in bytes")
	fs.Parse(args)
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(*secret, "whsec_"))
	if err != nil {
		return fmt.Errorf("bad secret: %v", err)
	}
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *conns}}
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	pad := strings.Repeat("x", max(0, *size-160))
	var ok, bad, errs atomic.Int64
	pace(ctx, *rate, *conns, *dur, func(i int64) {
		id := fmt.Sprintf("msg_soak_%s_%d", run, i)
		typ := [...]string{"payment.succeeded", "payment.failed", "card.created"}[i%3]
		body := fmt.Sprintf(`{"type":%q,"timestamp":%q,"data":{"id":"pay_%d","amount":%d,"note":%q}}`,
			typ, time.Now().UTC().Format(time.RFC3339), i, i%10000, pad)
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		m := hmac.New(sha256.New, key)
		fmt.Fprintf(m, "%s.%s.%s", id, ts, body)
		req, _ := http.NewRequest(http.MethodPost, *u, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("webhook-id", id)
		req.Header.Set("webhook-timestamp", ts)
		req.Header.Set("webhook-signature", "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
		resp, err := c.Do(req)
		if err != nil {
			errs.Add(1)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode < 300 {
			ok.Add(1)
		} else {
			bad.Add(1)
		}
	})
	fmt.Fprintf(os.Stderr, "soakload sign: %d 2xx, %d other, %d errors\n", ok.Load(), bad.Load(), errs.Load())
	return nil
}

func drop(ctx context.Context, fs *flag.FlagSet, args []string) error {
	addr := fs.String("addr", "", "host:port")
	rate := fs.Float64("rate", 20, "connections a second")
	dur := fs.Duration("dur", time.Minute, "how long")
	fs.Parse(args)
	var n atomic.Int64
	pace(ctx, *rate, 4, *dur, func(i int64) {
		c, err := net.DialTimeout("tcp", *addr, 5*time.Second)
		if err != nil {
			return
		}
		n.Add(1)
		switch i % 3 {
		case 1: // a partial request, then gone
			fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"type\":", *addr)
			time.Sleep(50 * time.Millisecond)
		case 2: // a whole request, gone before the answer
			fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", *addr)
		}
		c.Close()
	})
	fmt.Fprintf(os.Stderr, "soakload drop: %d connections dropped\n", n.Load())
	return nil
}

func sse(ctx context.Context, fs *flag.FlagSet, args []string) error {
	u := fs.String("url", "", "the stream's URL")
	dur := fs.Duration("dur", time.Minute, "how long")
	churn := fs.Float64("churn", 0, "streams opened and dropped a second")
	fs.Parse(args)
	ctx, cancel := context.WithTimeout(ctx, *dur)
	defer cancel()
	var events, opened atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the tab left open: reconnects when cut, as a browser does
		defer wg.Done()
		for ctx.Err() == nil {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, *u, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				time.Sleep(time.Second)
				continue
			}
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(make([]byte, 1<<20), 16<<20)
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "event: ") {
					events.Add(1)
				}
			}
			resp.Body.Close()
		}
	}()
	if *churn > 0 {
		pace(ctx, *churn, 4, *dur, func(i int64) {
			cctx, ccancel := context.WithTimeout(ctx, time.Duration(100+i%5*200)*time.Millisecond)
			defer ccancel()
			req, _ := http.NewRequestWithContext(cctx, http.MethodGet, *u, nil)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				opened.Add(1)
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	fmt.Fprintf(os.Stderr, "soakload sse: %d events on the open stream, %d streams opened and dropped\n", events.Load(), opened.Load())
	return nil
}

func svix(ctx context.Context, fs *flag.FlagSet, args []string) error {
	u := fs.String("url", "", "serve's base URL")
	app := fs.String("app", "soak", "the application's uid")
	rate := fs.Float64("rate", 150, "messages a second")
	conns := fs.Int("conns", 4, "requests in flight at most")
	dur := fs.Duration("dur", time.Minute, "how long")
	fs.Parse(args)
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *conns}}
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	var ok, bad, errs atomic.Int64
	pace(ctx, *rate, *conns, *dur, func(i int64) {
		body := fmt.Sprintf(`{"eventType":"order.created","payload":{"order":"o-%d","note":"soak"}}`, i)
		req, _ := http.NewRequest(http.MethodPost, *u+"/api/v1/app/"+*app+"/msg", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer k")
		req.Header.Set("idempotency-key", fmt.Sprintf("auto_%s_%d", run, i))
		resp, err := c.Do(req)
		if err != nil {
			errs.Add(1)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode < 300 {
			ok.Add(1)
		} else {
			bad.Add(1)
		}
	})
	fmt.Fprintf(os.Stderr, "soakload svix: %d 2xx, %d other, %d errors\n", ok.Load(), bad.Load(), errs.Load())
	return nil
}
