// Command goproxy is the reference of the listen benchmark: a plain,
// non-verifying net/http/httputil.ReverseProxy in front of the app.
package main

import (
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
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
	log.Fatal(http.ListenAndServe(*addr, p))
}
