package delivery

import (
	"bufio"
	"bytes"
	"net/http"

	"github.com/hookctl/hookctl/internal/h1wire"
)

// readResponse reads an answer as http.ReadResponse does. The common
// answer — HTTP/1.1, a final status with a body, headers of plain tokens,
// one Content-Length, its whole head already buffered — is parsed in
// place (about half the CPU and a third of the allocations of
// http.ReadResponse, which listen and trigger pay once per request).
// Anything else (1xx, 204/304, HEAD, chunked or unframed bodies,
// Connection or Pragma headers, folded or odd lines, a head still
// arriving) is left to http.ReadResponse, from the same unread bytes.
// FuzzReadResponse holds the two to the same result.
func readResponse(br *bufio.Reader, req *http.Request) (*http.Response, error) {
	if resp, n := leanResponse(br, req); resp != nil {
		br.Discard(n)
		return resp, nil
	}
	return http.ReadResponse(br, req)
}

// leanResponse parses the buffered head; nil when http.ReadResponse must
// read it. n is the head's length, consumed by the caller.
func leanResponse(br *bufio.Reader, req *http.Request) (*http.Response, int) {
	if req != nil && req.Method == http.MethodHead {
		return nil, 0
	}
	if _, err := br.Peek(1); err != nil {
		return nil, 0 // http.ReadResponse reports it
	}
	buf, _ := br.Peek(br.Buffered())
	end := bytes.Index(buf, []byte("\r\n\r\n"))
	if end < 0 {
		return nil, 0
	}
	head := buf[:end+2] // every line with its CRLF
	nl := bytes.Index(head, []byte("\r\n"))
	line := head[:nl]
	// "HTTP/1.1 200 OK": a three-digit final status that has a body.
	if len(line) < 12 || string(line[:9]) != "HTTP/1.1 " || (len(line) > 12 && line[12] != ' ') {
		return nil, 0
	}
	code := 0
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return nil, 0
		}
		code = code*10 + int(c-'0')
	}
	if code < 200 || code > 599 || code == 204 || code == 304 {
		return nil, 0
	}
	for _, c := range line[12:] {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return nil, 0
		}
	}
	lines := head[nl+2:]
	n := bytes.Count(lines, []byte("\r\n"))
	h := make(http.Header, n)
	vals := make([]string, n) // one backing array for single values
	cl := int64(-1)
	for i := 0; len(lines) > 0; i++ {
		e := bytes.Index(lines, []byte("\r\n"))
		l := lines[:e]
		lines = lines[e+2:]
		name, v, ok := h1wire.SplitField(l)
		if !ok {
			return nil, 0
		}
		key := h1wire.Key(name)
		switch key {
		case "Content-Length":
			if cl >= 0 || len(v) == 0 || len(v) > 15 {
				return nil, 0
			}
			cl = 0
			for _, c := range v {
				if c < '0' || c > '9' {
					return nil, 0
				}
				cl = cl*10 + int64(c-'0')
			}
		case "Transfer-Encoding", "Connection", "Pragma", "Trailer":
			return nil, 0
		}
		vals[i] = string(v)
		if prior, ok := h[key]; ok {
			h[key] = append(prior, vals[i])
		} else {
			h[key] = vals[i : i+1 : i+1]
		}
	}
	if cl < 0 {
		return nil, 0 // read to EOF: http.ReadResponse's rules
	}
	resp := &http.Response{
		Status: string(line[9:]), StatusCode: code, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, ContentLength: cl, Request: req, Body: http.NoBody,
	}
	if cl > 0 {
		resp.Body = &h1wire.Body{R: br, N: cl}
	}
	return resp, end + 4
}
