package delivery

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// A receiver that hangs up without an answer (it crashed on the request),
// or in the middle of its answer, is recorded as such, not as a bare
// "unexpected EOF" that reads like hookctl's own fault; over http (the
// lean transport) and https (net/http) alike.
func TestSendReceiverClosedConnection(t *testing.T) {
	hangUp := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if c, _, err := w.(http.Hijacker).Hijack(); err == nil {
			c.Close()
		}
	})
	halfAnswer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		c, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		buf.WriteString("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 100\r\n\r\npartial")
		buf.Flush()
		c.(*net.TCPConn).CloseWrite()
		c.Close()
	})
	body := []byte(`{"type":"card.created"}`)
	for _, tc := range []struct {
		name    string
		h       http.Handler
		tls     bool
		status  int
		wantErr string
	}{
		{"http, no answer", hangUp, false, 0, "the receiver closed the connection without an HTTP answer (unexpected EOF)"},
		{"https, no answer", hangUp, true, 0, "the receiver closed the connection without an HTTP answer (EOF)"},
		{"http, half an answer", halfAnswer, false, 500, "reading response: the receiver closed the connection before the end of its answer (unexpected EOF)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(tc.h)
			if tc.tls {
				srv.StartTLS()
			} else {
				srv.Start()
			}
			defer srv.Close()
			c := NewHTTPClient(2*time.Second, 4)
			if tc.tls {
				c = srv.Client()
				c.Timeout = 2 * time.Second
			}
			s := &Sender{Client: c, UserAgent: "hookctl/test"}
			st, _, e := sendOnce(t, s, srv.URL+"/hooks", body)
			if st != tc.status || e != tc.wantErr {
				t.Errorf("got status %d error %q, want %d %q", st, e, tc.status, tc.wantErr)
			}
		})
	}
}
