// Command benchapp is the minimal webhook app of the listen benchmark: it
// reads the body and answers 200 "ok".
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	ok := []byte("ok")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/plain")
		w.Write(ok)
	})
	log.Fatal(http.ListenAndServe(*addr, h))
}
