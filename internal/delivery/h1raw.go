package delivery

import (
	"bufio"
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// RawRequest is a request whose parts the caller already holds (listen's
// forwards): written as is — request line, Host, Header sorted by name,
// Content-Length, Body — with no *http.Request built and serialised again.
type RawRequest struct {
	Addr     string // host:port dialled (the pool's key)
	Host     string // the Host header
	Method   string
	URI      string      // the request-target (path and query)
	Header   http.Header // besides Host and the framing fields
	Body     []byte
	Deadline time.Time // for the whole exchange
}

// RawSender sends RawRequests over the lean transport's kept-alive
// connections (what NewH1Transport returns implements it).
type RawSender interface {
	SendRaw(r *RawRequest) (*http.Response, error)
}

// SendRaw sends r and reads the answer's head; the caller must read the
// body to its end or close it (the connection is pooled then).
func (t *h1Transport) SendRaw(r *RawRequest) (*http.Response, error) {
	return t.send(context.Background(), r.Addr, &http.Request{Method: r.Method}, r.Deadline,
		func(w *bufio.Writer) error { return writeRaw(w, r) },
		func() bool { return true }) // the bytes can always be written again
}

// rawSkip are the fields the request line and framing own.
func rawSkip(k string) bool {
	return k == "Host" || k == "Content-Length" || k == "Transfer-Encoding" || k == "Trailer"
}

func writeRaw(w *bufio.Writer, r *RawRequest) error {
	w.WriteString(r.Method)
	w.WriteByte(' ')
	w.WriteString(r.URI)
	w.WriteString(" HTTP/1.1\r\nHost: ")
	writeClean(w, r.Host)
	w.WriteString("\r\n")
	var arr [24]string
	keys := arr[:0]
	for k := range r.Header {
		if !rawSkip(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys) // as net/http writes them
	for _, k := range keys {
		for _, v := range r.Header[k] {
			w.WriteString(k)
			w.WriteString(": ")
			writeClean(w, v)
			w.WriteString("\r\n")
		}
	}
	if len(r.Body) > 0 || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		w.WriteString("Content-Length: ")
		var nb [20]byte
		w.Write(strconv.AppendInt(nb[:0], int64(len(r.Body)), 10))
		w.WriteString("\r\n")
	}
	w.WriteString("\r\n")
	_, err := w.Write(r.Body)
	return err
}

// writeClean writes v with CR and LF turned to spaces (as net/http does),
// so no value can start another header line.
func writeClean(w *bufio.Writer, v string) {
	if strings.ContainsAny(v, "\r\n") {
		v = strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
	}
	w.WriteString(v)
}
