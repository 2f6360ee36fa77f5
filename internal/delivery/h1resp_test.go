package delivery

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// respSeeds: answers the lean parser takes, and ones it must leave to
// http.ReadResponse.
var respSeeds = []string{
	"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}",
	"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
	"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\nX-A: 1\r\nx-a: 2\r\n\r\nboom!",
	"HTTP/1.1 201\r\nContent-Length: 2\r\n\r\nok",
	"HTTP/1.1 404 Not Found\r\ncontent-length: 3\r\nX-Empty:\r\nX-Pad: \t v \t\r\n\r\nno.",
	"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
	"HTTP/1.1 200 OK\r\nContent-Length: 007\r\n\r\n1234567",
	"HTTP/1.1 200 OK\r\nX-Utf8: caf\xc3\xa9\r\nContent-Length: 1\r\n\r\nx",
	// Left to http.ReadResponse:
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
	"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
	"HTTP/1.1 204 No Content\r\n\r\n",
	"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
	"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
	"HTTP/1.1 200 OK\r\n\r\nuntil EOF",
	"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!",
	"HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok",
	"HTTP/1.1 200 OK\r\nX-Fold: a\r\n b\r\nContent-Length: 2\r\n\r\nok",
	"HTTP/1.1 200 OK\r\nX-Bad : a\r\nContent-Length: 2\r\n\r\nok",
	"HTTP/1.1 200 OK\r\nPragma: no-cache\r\nContent-Length: 2\r\n\r\nok",
	"HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok",
	"HTTP/1.1 200 OK\r\nX-Ctl: a\x01b\r\nContent-Length: 2\r\n\r\nok",
	"HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
}

type respView struct {
	Status        string
	StatusCode    int
	Proto         string
	Major, Minor  int
	Header        http.Header
	ContentLength int64
	Close         bool
	Body          string
	BodyErr       string
	Rest          string
}

func viewResponse(t *testing.T, resp *http.Response, br *bufio.Reader) respView {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	v := respView{Status: resp.Status, StatusCode: resp.StatusCode, Proto: resp.Proto, Major: resp.ProtoMajor,
		Minor: resp.ProtoMinor, Header: resp.Header, ContentLength: resp.ContentLength, Close: resp.Close, Body: string(b)}
	if err != nil {
		v.BodyErr = err.Error()
		if errors.Is(err, io.ErrUnexpectedEOF) {
			v.BodyErr = "unexpected EOF"
		}
	}
	rest, _ := io.ReadAll(br)
	v.Rest = string(rest)
	return v
}

// checkResponse: whenever the lean parser takes an answer, the caller
// sees exactly what http.ReadResponse would have given.
func checkResponse(t *testing.T, raw string, method string) (lean bool) {
	req, _ := http.NewRequest(method, "http://x/", nil)
	br := bufio.NewReaderSize(strings.NewReader(raw), 4096)
	got, gerr := readResponse(br, req)
	wbr := bufio.NewReaderSize(strings.NewReader(raw), 4096)
	want, werr := http.ReadResponse(wbr, req)
	if (gerr == nil) != (werr == nil) {
		t.Fatalf("%q: error %v, http.ReadResponse %v", raw, gerr, werr)
	}
	probe := bufio.NewReaderSize(strings.NewReader(raw), 4096)
	r, _ := leanResponse(probe, req)
	if gerr != nil {
		return r != nil
	}
	gv, wv := viewResponse(t, got, br), viewResponse(t, want, wbr)
	if !reflect.DeepEqual(gv, wv) {
		t.Fatalf("%q:\n got  %+v\n want %+v", raw, gv, wv)
	}
	return r != nil
}

func TestReadResponseMatchesNetHTTP(t *testing.T) {
	leanCount := 0
	for _, s := range respSeeds {
		if checkResponse(t, s, http.MethodPost) {
			leanCount++
		}
		checkResponse(t, s, http.MethodHead)
	}
	// The first eight seeds are the lean parser's; the rest are not.
	if leanCount != 8 {
		t.Fatalf("the lean parser took %d of the seeds, want 8", leanCount)
	}
	// Two answers back to back on one connection (keep-alive).
	raw := respSeeds[0] + respSeeds[2]
	br := bufio.NewReaderSize(strings.NewReader(raw), 4096)
	for i, want := range []string{`{"ok":true}`, "boom!"} {
		resp, err := readResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if string(b) != want {
			t.Fatalf("answer %d: body %q, want %q", i, b, want)
		}
	}
	// A head that has not all arrived is left to net/http, which waits.
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte("HTTP/1.1 200 OK\r\nContent-"))
		pw.Write([]byte("Length: 2\r\n\r\nok"))
		pw.Close()
	}()
	resp, err := readResponse(bufio.NewReader(pr), nil)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(resp.Body); string(b) != "ok" {
		t.Fatalf("split head: body %q", b)
	}
}

func FuzzReadResponse(f *testing.F) {
	for _, s := range respSeeds {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, raw []byte, head bool) {
		if bytes.Count(raw, []byte("\r\n\r\n")) > 4 || len(raw) > 4000 {
			return
		}
		m := http.MethodPost
		if head {
			m = http.MethodHead
		}
		checkResponse(t, string(raw), m)
	})
}
