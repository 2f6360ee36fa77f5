package delivery

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
)

// CurlCommand's command sends the headers the attempt sent and no others:
// curl adds "Accept: */*" to every request and "Expect: 100-continue" to
// a large body, which hookctl's request did not carry (a receiver that
// does not answer 100 Continue then waited a second for nothing, one that
// refuses Expect answered 417, and one that negotiates on Accept answered
// otherwise). When the attempt did send them, they go as sent.
func TestReviewCurlCommandAddsNoHeaders(t *testing.T) {
	for _, tool := range []string{"sh", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s to run the command", tool)
		}
	}
	var mu sync.Mutex
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		got = r.Header.Clone()
		mu.Unlock()
	}))
	defer srv.Close()
	large := strings.Repeat("x", 2<<20) // over curl's threshold for Expect (1 MiB; 1 KiB before curl 7.69)
	for _, tc := range []struct {
		name    string
		headers map[string][]string
		body    string
	}{
		{"small", map[string][]string{"Content-Type": {"application/json"}, "User-Agent": {"hookctl/test"}}, `{"a":1}`},
		{"large", map[string][]string{"Content-Type": {"application/json"}, "User-Agent": {"hookctl/test"}}, large},
		{"accept sent", map[string][]string{"Accept": {"application/json"}, "User-Agent": {"hookctl/test"}}, `{}`},
	} {
		sh := exec.Command("sh")
		sh.Stdin = strings.NewReader(CurlCommand("POST", srv.URL+"/h", tc.headers, []byte(tc.body)) + " -sS -o /dev/null\n")
		if out, err := sh.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v: %s", tc.name, err, out)
		}
		mu.Lock()
		h := got
		mu.Unlock()
		var names, want []string
		for k := range h {
			names = append(names, k)
		}
		for k := range tc.headers {
			want = append(want, http.CanonicalHeaderKey(k))
		}
		want = append(want, "Content-Length")
		slices.Sort(names)
		slices.Sort(want)
		if !slices.Equal(names, want) {
			t.Errorf("%s: the receiver got headers %v, want %v", tc.name, names, want)
		}
		for k, vs := range tc.headers {
			if g := h.Values(k); !slices.Equal(g, vs) {
				t.Errorf("%s: %s = %q, want %q", tc.name, k, g, vs)
			}
		}
	}
}
