// Command sink is the minimal webhook receiver the trigger benchmark sends
// to: it reads the body, answers 200 "ok", and can save the first request
// it receives (body and headers) so hey can replay the same signed request.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	urlFile := flag.String("url-file", "", "write the base URL here once listening")
	dump := flag.String("dump", "", "save the first request's body here (headers in FILE.headers, one 'K: V' per line)")
	flag.Parse()
	var n atomic.Int64
	var once sync.Once
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		n.Add(1)
		if *dump != "" {
			once.Do(func() {
				os.WriteFile(*dump, body, 0o644)
				var lines []string
				for k, vs := range r.Header {
					switch k {
					case "User-Agent", "Content-Length", "Accept-Encoding":
						continue
					}
					for _, v := range vs {
						lines = append(lines, k+": "+v)
					}
				}
				sort.Strings(lines)
				os.WriteFile(*dump+".headers", []byte(strings.Join(lines, "\n")+"\n"), 0o644)
			})
		}
		w.Write([]byte("ok"))
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sink:", err)
		os.Exit(3)
	}
	if *urlFile != "" {
		os.WriteFile(*urlFile+".tmp", []byte("http://"+ln.Addr().String()), 0o644)
		os.Rename(*urlFile+".tmp", *urlFile)
	}
	srv := &http.Server{Handler: h}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); srv.Close() }()
	srv.Serve(ln)
	fmt.Fprintf(os.Stderr, "sink: %d requests\n", n.Load())
}
