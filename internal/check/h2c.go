package check

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/url"
	"time"
)

// h2cPreface is HTTP/2's connection preface with an empty SETTINGS frame.
const h2cPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + "\x00\x00\x00\x04\x00\x00\x00\x00\x00"

// plainHostPort is an http:// URL's host:port to dial (port 80 when it
// names none); ok is false for any other URL.
func plainHostPort(rawURL string) (u *url.URL, host string, ok bool) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "http" {
		return nil, "", false
	}
	host = u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	return u, host, true
}

// speaksOnlyH2C reports whether the receiver at an http:// URL answers
// HTTP/2's connection preface with a SETTINGS frame. Asked only when an
// HTTP/1.1 request got no answer at all, it tells a receiver that talks
// only HTTP/2 without TLS (h2c with prior knowledge), which no provider's
// HTTP/1.1 request can reach.
func speaksOnlyH2C(ctx context.Context, rawURL string) bool {
	_, host, ok := plainHostPort(rawURL)
	if !ok {
		return false
	}
	d := net.Dialer{Timeout: 2 * time.Second}
	c, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(c, h2cPreface); err != nil {
		return false
	}
	var h [9]byte // a frame header: length (3), type, flags, stream (4)
	if _, err := io.ReadFull(c, h[:]); err != nil {
		return false
	}
	return h[3] == 0x04 && h[4]&0x01 == 0 // SETTINGS, not an ACK
}

// speaksTLS reports whether the receiver at an http:// URL completes a
// TLS handshake. Asked only when a plain HTTP request got no answer or a
// 400 (what HTTPS servers do with one: Node's and Python's close the
// connection, Go's answers "Client sent an HTTP request to an HTTPS
// server"), it tells a URL that should be https://. The certificate is
// not checked: only the protocol spoken on the port is asked, and
// nothing is sent over the connection.
func speaksTLS(ctx context.Context, rawURL string) bool {
	u, host, ok := plainHostPort(rawURL)
	if !ok {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	d := tls.Dialer{Config: &tls.Config{InsecureSkipVerify: true, ServerName: u.Hostname()}}
	c, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// httpsURL is rawURL with the https scheme.
func httpsURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	u.Scheme = "https"
	return u.String()
}
