// Command goproxy is the reference of the listen benchmark: a plain,
// non-verifying net/http/httputil.ReverseProxy in front of the app.
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	target := flag.String("target", "", "app URL")
	flag.Parse()
	u, err := url.Parse(*target)
	if err != nil {
		log.Fatal(err)
	}
	p := httputil.NewSingleHostReverseProxy(u)
	// The default transport keeps only 2 idle connections per host, which
	// would make every proxy request dial; give it what a user would.
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 1024
	p.Transport = t
	// Without a BufferPool, ReverseProxy allocates a 32 KiB copy buffer
	// per request; the garbage cost it 20–30 µs of CPU per request (and
	// 25–40 % of its throughput) in bench/listen.sh. Pooling them is the
	// first thing anyone tuning a ReverseProxy does.
	p.BufferPool = &bufferPool{}
	// wrk cancels requests in flight when a run ends: not worth a line each.
	p.ErrorLog = log.New(io.Discard, "", 0)
	log.Fatal(http.ListenAndServe(*addr, p))
}

// bufferPool is an httputil.BufferPool of 32 KiB copy buffers.
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte {
	if v, ok := b.p.Get().(*[]byte); ok {
		return *v
	}
	return make([]byte, 32<<10)
}

func (b *bufferPool) Put(v []byte) { b.p.Put(&v) }
