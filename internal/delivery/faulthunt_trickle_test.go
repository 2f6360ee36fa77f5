package delivery

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"
)

// A receiver that trickles its head and is still in the middle of a line
// when the attempt's timeout ends: the attempt is a timeout. It was
// recorded as "malformed MIME header line: "X-Slow"" (bufio's ReadLine
// hands back the line the deadline cut, without its error), which hookctl
// check took for a receiver speaking broken HTTP, so it went on sending
// every probe to it, each waiting out the whole timeout.
func TestFaulthuntHeadCutByTimeoutIsTimeout(t *testing.T) {
	t.Parallel()
	for name, head := range map[string]string{
		"header line":  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Slow",
		"status line":  "HTTP/1.1 20",
		"line with CR": "HTTP/1.1 200 OK\r\nContent-Length: 2\r",
	} {
		t.Run(name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					go func() {
						defer c.Close()
						br := bufio.NewReader(c)
						for { // the request's head
							l, err := br.ReadString('\n')
							if err != nil || l == "\r\n" {
								break
							}
						}
						c.Write([]byte(head))
						// then nothing, until the client gives up
						c.SetReadDeadline(time.Now().Add(time.Minute))
						var b [1]byte
						for {
							if _, err := c.Read(b[:]); err != nil {
								return
							}
						}
					}()
				}
			}()
			s := &Sender{Client: NewHTTPClient(300*time.Millisecond, 1), UserAgent: "hookctl/test"}
			status, _, e := sendOnce(t, s, "http://"+ln.Addr().String()+"/", nil)
			if status != 0 || e != "timeout after 300ms" {
				t.Fatalf("status %d, error %q; want no status and %q", status, e, "timeout after 300ms")
			}
			if strings.Contains(e, "malformed") {
				t.Fatal(e)
			}
		})
	}
}
