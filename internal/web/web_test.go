package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/web"
)

func newHandler(t *testing.T) (*web.Handler, *httptest.Server, store.Store) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := httptest.NewUnstartedServer(nil)
	h, err := web.New(web.Config{Store: st, Addr: srv.Listener.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)
	return h, srv, st
}

func send(t *testing.T, req *http.Request) (int, string, http.Header) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestSecurity(t *testing.T) {
	h, srv, st := newHandler(t)
	cat, _ := catalog.Load(catalog.Options{})
	d := &service.Dispatcher{Store: st, Catalog: cat}
	pub, err := d.Trigger(context.Background(), service.TriggerInput{Type: "card.created", Provider: "bond",
		Target: service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}})
	if err != nil {
		t.Fatal(err)
	}
	id := pub.Deliveries[0].ID
	form := func(tok string) io.Reader { return strings.NewReader(url.Values{"_csrf": {tok}}.Encode()) }
	post := func(tok string, hdr map[string]string) *http.Request {
		req, _ := http.NewRequest("POST", srv.URL+"/deliveries/"+id+"/replay", form(tok))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		return req
	}
	cases := []struct {
		name string
		req  *http.Request
		want int
	}{
		{"page", func() *http.Request { r, _ := http.NewRequest("GET", srv.URL+"/", nil); return r }(), 200},
		{"wrong host (DNS rebinding)", func() *http.Request {
			r, _ := http.NewRequest("GET", srv.URL+"/", nil)
			r.Host = "evil.example:" + strings.Split(srv.Listener.Addr().String(), ":")[1]
			return r
		}(), http.StatusMisdirectedRequest},
		{"localhost alias", func() *http.Request {
			r, _ := http.NewRequest("GET", srv.URL+"/", nil)
			r.Host = "localhost:" + strings.Split(srv.Listener.Addr().String(), ":")[1]
			return r
		}(), 200},
		{"post without token", post("", nil), 403},
		{"post with a wrong token", post("nope", nil), 403},
		{"cross-origin post with the token", post(h.CSRFToken(), map[string]string{"Origin": "http://evil.example"}), 403},
		{"cross-site fetch metadata", post(h.CSRFToken(), map[string]string{"Sec-Fetch-Site": "cross-site"}), 403},
		{"same-origin post with the token", post(h.CSRFToken(), map[string]string{"Origin": srv.URL}), http.StatusSeeOther},
		{"unknown delivery", func() *http.Request { r, _ := http.NewRequest("GET", srv.URL+"/deliveries/nope", nil); return r }(), 404},
		{"static", func() *http.Request { r, _ := http.NewRequest("GET", srv.URL+"/static/app.js", nil); return r }(), 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body, hdr := send(t, c.req)
			if code != c.want {
				t.Fatalf("status %d, want %d: %s", code, c.want, body)
			}
			if code == 200 && !strings.Contains(hdr.Get("Content-Security-Policy"), "script-src 'self'") {
				t.Errorf("CSP = %q", hdr.Get("Content-Security-Policy"))
			}
		})
	}
	atts, _ := st.GetDelivery(context.Background(), id)
	if atts.Status != store.DeliveryPending {
		t.Errorf("status %s", atts.Status)
	}
}

func TestPagesEscapeBodies(t *testing.T) {
	_, srv, st := newHandler(t)
	d := &service.Dispatcher{Store: st}
	pub, err := d.Publish(context.Background(), &store.Event{Type: "card.created", Provider: "bond",
		Payload: []byte(`{"x":"<script>alert(1)</script>"}`), ContentType: "application/json"},
		service.Target{URL: "http://127.0.0.1:9/<script>", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/", "/deliveries/" + pub.Deliveries[0].ID, "/events", "/?q=script"} {
		req, _ := http.NewRequest("GET", srv.URL+p, nil)
		code, body, _ := send(t, req)
		if code != 200 {
			t.Fatalf("%s: %d %s", p, code, body)
		}
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "/<script>") {
			t.Errorf("%s: unescaped script in the page", p)
		}
	}
}

func TestDiffJSON(t *testing.T) {
	lines, err := web.DiffJSON([]byte(`{"a":1,"b":{"c":"x","d":[1,2]},"gone":true}`), []byte(`{"a":1,"b":{"c":"y","d":[1,2,3]},"new":null}`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range lines {
		got = append(got, l.Kind+" "+l.Path)
	}
	want := "changed b.c|added b.d[2]|removed gone|added new"
	if strings.Join(got, "|") != want {
		t.Errorf("diff = %q, want %q", strings.Join(got, "|"), want)
	}
}
