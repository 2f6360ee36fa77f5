package serve_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/web"
)

// With --host 0.0.0.0 the inspector at / answers at the URL the ready
// line prints (http://127.0.0.1:PORT/) and still refuses other Host
// names; it answered 421 to every request, its own URL included.
func TestUIOnUnspecifiedHostAnswersAtTheReadyURL(t *testing.T) {
	e := servetest.Start(t, func(o *serve.Options) {
		o.Host, o.APIKey = "0.0.0.0", "k"
		o.UIFunc = func(addr string, d *service.Dispatcher) (http.Handler, error) {
			return web.New(web.Config{Store: o.Store, Dispatcher: d, Addr: addr, Version: "test"})
		}
	})
	if !strings.HasPrefix(e.URL, "http://127.0.0.1:") {
		t.Fatalf("URL %s", e.URL)
	}
	get := func(host string) int {
		req, _ := http.NewRequest("GET", e.URL+"/", nil)
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get(""); code != 200 {
		t.Fatalf("GET %s/: %d, want 200", e.URL, code)
	}
	port := e.URL[strings.LastIndex(e.URL, ":")+1:]
	if code := get("evil.example:" + port); code != 421 {
		t.Fatalf("another Host name: %d, want 421", code)
	}
}
