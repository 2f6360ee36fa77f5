package web_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/subscription"
	"github.com/hookctl/hookctl/internal/web"
)

// FuzzInspector sends one fuzzed request (method, path, query, form; with
// the CSRF token read from a page, or without) to the inspector's handler
// over a real SQLite store holding subscriptions, events and deliveries
// (some of them with markup in their descriptions, payloads and answers),
// and checks:
//
//   - no panic, no hang, no 5xx;
//   - an HTML answer carries no markup from the request or the store: no
//     element the templates do not have (<svg onload>, <img>, <iframe>…),
//     no script but the page's own /static/ one, no on…= attribute, no
//     javascript: URL;
//   - a refused request (4xx) changed nothing in the store;
//   - after a form that was accepted, the pages (log, events,
//     subscriptions, overview, a failed delivery) still answer 200.
//
// Placeholders in the fuzzed strings ($SUB, $DLV, $FAILED, $EVT) are
// replaced by fixtures' ids; /live (an event stream, which lasts as long
// as its client) is left out.
func FuzzInspector(f *testing.F) {
	for _, s := range []struct{ method, path, query, form string }{
		{"GET", "/", "status=failed&provider=bond&type=card.*&q=%3Cscript%3Ealert(1)%3C/script%3E&before=99", ""},
		{"GET", "/", "subscription=$SUB&source=triggered&fragment=1", ""},
		{"GET", "/", "flash=%3Cscript%3E&fs=x", ""},
		{"GET", "/events", "type=card.*&source=triggered&before=$EVT", ""},
		{"GET", "/events", "after=$EVT&type=%3Cimg%20src=x%20onerror=alert(1)%3E", ""},
		{"GET", "/events/$EVT", "", ""},
		{"GET", "/events/$EVT/body", "", ""},
		{"GET", "/deliveries/$DLV", "fragment=1", ""},
		{"GET", "/deliveries/$FAILED/body", "", ""},
		{"GET", "/deliveries/$FAILED/edit", "", ""},
		{"GET", "/diff", "a=$DLV&b=$FAILED", ""},
		{"GET", "/diff", "a=%3Cscript%3E&b=", ""},
		{"GET", "/subscriptions", "", ""},
		{"GET", "/subscriptions/$SUB/edit", "", ""},
		{"GET", "/trigger", "type=card.created", ""},
		{"GET", "/trigger", "type=%22%3E%3Csvg%20onload=alert(1)%3E", ""},
		{"GET", "/overview", "", ""},
		{"GET", "/static/app.js", "", ""},
		{"POST", "/deliveries/$FAILED/replay", "", ""},
		{"POST", "/deliveries/$FAILED/resend", "", "body=%7B%22edited%22%3Atrue%7D&headers=X-Try%3A+2"},
		{"POST", "/deliveries/$FAILED/resend", "", "keep_body=1&headers=%3Cscript%3E"},
		{"POST", "/subscriptions", "", "url=http%3A%2F%2F127.0.0.1%3A9%2Fx&events=card.*&description=%3Cscript%3Ealert(1)%3C%2Fscript%3E&provider=bond"},
		{"POST", "/subscriptions", "", "url=javascript%3Aalert(1)&events=%3Cb%3E"},
		{"POST", "/subscriptions/$SUB/edit", "", "url=http%3A%2F%2F127.0.0.1%3A9%2Fy&events=card.created&description=d&enabled=on"},
		{"POST", "/subscriptions/$SUB/edit", "", "url=%3Cscript%3E&events=nope.*"},
		{"POST", "/subscriptions/$SUB/disable", "", ""},
		{"POST", "/subscriptions/$SUB/rotate", "", ""},
		{"POST", "/subscriptions/$SUB/delete", "", ""},
		{"POST", "/subscriptions/$SUB/%3Cscript%3E", "", ""},
		{"POST", "/trigger", "", "type=card.created&body=%7B%7D&subscription=$SUB"},
		{"POST", "/trigger", "", "type=%3Cscript%3Ealert(1)%3C%2Fscript%3E&body=%3Cx"},
		{"GET", "/", "before=-1&status=%3Cx&provider=%00&type=**&q=%ff", ""},
		{"GET", "/", "before=99999999999999999999&subscription=$SUB&fragment=1&source=received", ""},
		{"GET", "/events", "before=nope&after=nope", ""},
		{"GET", "/events", "before=$EVT&after=$EVT", ""},
		{"GET", "/events/%3Cscript%3E", "", ""},
		{"GET", "/deliveries/%3Cscript%3E/edit", "", ""},
		{"GET", "/diff", "a=$DLV&b=$DLV", ""},
		{"GET", "/diff", "a=$FAILED", ""},
		{"GET", "/diff", "a=x&b=$FAILED", ""},
		{"GET", "/subscriptions/%3Cb%3E/edit", "", ""},
		{"GET", "/trigger", "type=%00", ""},
		{"GET", "/static/../templates/layout.html", "", ""},
		{"GET", "/static/%2e%2e/web.go", "", ""},
		{"GET", "/static/\xd8", "0", ""}, // a name fs.FS refuses: http.FileServerFS answered 500
		{"GET", "/static/", "", ""},
		{"POST", "/deliveries/$DLV/replay", "", ""},
		{"POST", "/deliveries/nope/replay", "", ""},
		{"POST", "/deliveries/$FAILED/resend", "", "body=%ff%00&headers=Host%3A+evil"},
		{"POST", "/deliveries/$FAILED/resend", "", "body=x&headers=%3Cscript%3E%3A+1%0AContent-Length%3A+9"},
		{"POST", "/deliveries/$FAILED/resend", "", "headers=X%3A+%0D%0AY%3A+2"},
		{"POST", "/subscriptions", "", "url=http%3A%2F%2F127.0.0.1%3A9%2Fx&events=card.*&provider=%3Cscript%3E&scheme=%3Cscript%3E"},
		{"POST", "/subscriptions", "", "url=http%3A%2F%2F127.0.0.1%3A9%2Fx&events=&description=%ff"},
		{"POST", "/subscriptions", "", "url=http%3A%2F%2F127.0.0.1%3A9%2Fx&events=card.*&description=%00"},
		{"POST", "/subscriptions/$SUB/edit", "", "url=http%3A%2F%2F127.0.0.1%3A9%2Fy&events=&enabled=1"},
		{"POST", "/subscriptions/$SUB/edit", "", "url=&events=card.created"},
		{"POST", "/subscriptions/$SUB/edit", "", "url=http%3A%2F%2F127.0.0.1%3A9%2Fy&events=card.created&description=%ff%fe"},
		{"POST", "/subscriptions/nope/edit", "", "url=http%3A%2F%2F127.0.0.1%3A9%2Fy&events=card.created"},
		{"POST", "/subscriptions/nope/delete", "", ""},
		{"POST", "/subscriptions/$SUB/enable", "", ""},
		{"POST", "/trigger", "", "type=card.created&body=%5B%5D"},
		{"POST", "/trigger", "", "type=card.created&body=&subscription=nope"},
		{"POST", "/trigger", "", "type=card.created&body=%7B%22a%22%3A%22%3Cscript%3E%22%7D&subscription=$SUB"},
		{"POST", "/trigger", "", "type=card.created&body=%ff"},
		{"POST", "/", "", ""},
		{"PUT", "/subscriptions", "", ""},
	} {
		f.Add(s.method, s.path, s.query, s.form, true)
	}
	f.Add("POST", "/deliveries/$FAILED/replay", "", "", false)
	e := newInspectorFuzzEnv(f)
	f.Fuzz(func(t *testing.T, method, path, query, form string, token bool) {
		e.fuzzOne(t, method, path, query, form, token)
	})
}

type inspectorFuzzEnv struct {
	tb   testing.TB
	st   store.Store
	h    *web.Handler
	csrf string
	ids  map[string]string
	// snap is the store's rows after the previous input, dv its
	// data_version then, read on a connection of its own (it changes when
	// the store commits: the rows are compared only then).
	snap string
	dv   int64
	ver  *sql.DB
	// tags are the elements the templates write.
	tags map[string]bool
}

const fuzzAddr = "127.0.0.1:4040"

func newInspectorFuzzEnv(tb testing.TB) *inspectorFuzzEnv {
	path := filepath.Join(tb.TempDir(), "hookctl.db")
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	ver, err := sql.Open("sqlite", path)
	if err != nil {
		tb.Fatal(err)
	}
	ver.SetMaxOpenConns(1)
	tb.Cleanup(func() { ver.Close() })
	h, err := web.New(web.Config{Store: st, Addr: fuzzAddr})
	if err != nil {
		tb.Fatal(err)
	}
	e := &inspectorFuzzEnv{tb: tb, st: st, h: h, tags: map[string]bool{}, ver: ver}
	err = fs.WalkDir(os.DirFS("templates"), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(filepath.Join("templates", p))
		for _, m := range regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9]*)`).FindAllSubmatch(b, -1) {
			e.tags[strings.ToLower(string(m[1]))] = true
		}
		return err
	})
	if err != nil || len(e.tags) < 10 {
		tb.Fatalf("templates' tags: %v %v", err, e.tags)
	}
	// The token as a browser gets it: from a page's form.
	code, body, _ := e.do("GET", "/subscriptions", "", "")
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(body)
	if code != 200 || m == nil {
		tb.Fatalf("no CSRF token on /subscriptions: %d %s", code, body)
	}
	e.csrf = m[1]
	e.fixtures()
	return e
}

func (e *inspectorFuzzEnv) do(method, target, ctype, body string) (int, string, http.Header) {
	req := httptest.NewRequest(method, "http://"+fuzzAddr+target, strings.NewReader(body))
	req.RemoteAddr = "127.0.0.1:40000"
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String(), rec.Header()
}

// fixtures empties the store and fills it again: markup everywhere a
// user or a receiver can put some.
func (e *inspectorFuzzEnv) fixtures() {
	ctx := context.Background()
	if err := service.Reset(ctx, e.st); err != nil {
		e.tb.Fatal(err)
	}
	const xss = `<script>alert(1)</script><img src=x onerror=alert(2)>"'`
	cat, _ := catalog.Load(catalog.Options{})
	svc := &subscription.Service{Store: e.st, Catalog: cat}
	sub, err := svc.Create(ctx, subscription.CreateInput{URL: "http://127.0.0.1:9/hook?x=" + url.QueryEscape(xss), Events: []string{"card.*"},
		Description: xss, Provider: "bond", Metadata: map[string]string{"k" + xss: xss}})
	if err != nil {
		e.tb.Fatal(err)
	}
	d := &service.Dispatcher{Store: e.st, Catalog: cat}
	data, _ := json.Marshal(map[string]any{"card": map[string]any{"last_four": xss}})
	pub, err := d.Trigger(ctx, service.TriggerInput{Type: "card.created", Provider: "bond", Data: data})
	if err != nil {
		e.tb.Fatal(err)
	}
	pub2, err := d.Trigger(ctx, service.TriggerInput{Type: "card.created", Provider: "bond"})
	if err != nil {
		e.tb.Fatal(err)
	}
	e.ids = map[string]string{"$SUB": sub.ID, "$EVT": pub.Event.ID, "$DLV": pub2.Deliveries[0].ID, "$FAILED": pub.Deliveries[0].ID}
	due, err := e.st.ClaimDue(ctx, "fuzz", time.Now().Add(time.Hour), time.Minute, 10, "")
	if err != nil {
		e.tb.Fatal(err)
	}
	for _, dl := range due {
		if dl.ID != e.ids["$FAILED"] {
			continue
		}
		a := &store.Attempt{DeliveryID: dl.ID, Number: 1, StartedAt: time.Now(), RequestURL: dl.URL, RequestMethod: "POST",
			RequestHeaders: map[string][]string{"X-" + "Evil": {xss}}, ResponseStatus: 500,
			ResponseHeaders: map[string][]string{"Content-Type": {"text/html"}, "X-Evil": {xss}}, ResponseBody: []byte(xss), Error: xss}
		if err := e.st.RecordAttempt(ctx, "fuzz", a, store.DeliveryUpdate{Status: "failed", LastStatus: 500, LastError: xss}); err != nil {
			e.tb.Fatal(err)
		}
	}
	e.refresh()
}

func (e *inspectorFuzzEnv) refresh() { e.dv, e.snap = e.dataVersion(), e.snapshot() }

func (e *inspectorFuzzEnv) dataVersion() int64 {
	var v int64
	if err := e.ver.QueryRow("PRAGMA data_version").Scan(&v); err != nil {
		e.tb.Fatalf("data_version: %v", err)
	}
	return v
}

func (e *inspectorFuzzEnv) snapshot() string {
	ctx := context.Background()
	subs, err1 := e.st.ListSubscriptions(ctx, store.SubscriptionFilter{})
	evs, err2 := e.st.ListEvents(ctx, store.EventFilter{})
	dls, err3 := e.st.ListDeliveries(ctx, store.DeliveryFilter{})
	if err1 != nil || err2 != nil || err3 != nil {
		e.tb.Fatalf("snapshot: %v %v %v", err1, err2, err3)
	}
	var b strings.Builder
	for _, v := range []any{subs, evs, dls} {
		j, _ := json.Marshal(v)
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}

func (e *inspectorFuzzEnv) fill(s string) string {
	for k, v := range e.ids {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

func (e *inspectorFuzzEnv) fuzzOne(t *testing.T, method, path, query, form string, token bool) {
	e.tb = t
	if e.snap == "" {
		e.refresh()
	}
	path, query, form = e.fill(path), e.fill(query), e.fill(form)
	target := path
	if query != "" {
		target += "?" + query
	}
	body := form
	if token && method != "GET" && method != "HEAD" {
		if body != "" {
			body += "&"
		}
		body += "_csrf=" + url.QueryEscape(e.csrf)
	}
	raw := fmt.Appendf(nil, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s",
		method, target, fuzzAddr, len(body), body)
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return // Go's server answers 400 itself
	}
	if p := strings.TrimRight(req.URL.Path, "/"); p == "/live" {
		return // an event stream: it lasts as long as its client
	}
	req.RemoteAddr = "127.0.0.1:40000"
	rec := httptest.NewRecorder()
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		e.h.ServeHTTP(rec, req)
	}()
	select {
	case p := <-done:
		if p != nil {
			buf := make([]byte, 64<<10)
			t.Fatalf("panic on %q: %v\n%s", raw, p, buf[:runtime.Stack(buf, false)])
		}
	case <-time.After(10 * time.Second):
		buf := make([]byte, 1<<20)
		t.Fatalf("no answer within 10s to %q\n%s", raw, buf[:runtime.Stack(buf, true)])
	}
	fail := func(why string) {
		t.Helper()
		t.Fatalf("%s\nrequest: %q\nanswer: %d %v\n%s", why, raw, rec.Code, rec.Header(), rec.Body)
	}
	if rec.Code >= 500 {
		fail("a 5xx")
	}
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		if msg := e.markupProblem(rec.Body.String()); msg != "" {
			fail(msg)
		}
	}
	if rec.Code >= 400 {
		before, after := e.snap, e.snap
		if dv := e.dataVersion(); dv != e.dv {
			e.dv, after = dv, e.snapshot()
			e.snap = after
		}
		if before != after {
			fail("refused, but the store changed:\n--- before\n" + before + "\n+++ after\n" + after)
		}
		return
	}
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		return // (a page changes nothing: a refused request after it compares with the same snapshot)
	}
	e.snap = ""
	for _, p := range []string{"/", "/events", "/subscriptions", "/overview", "/?status=failed", "/deliveries/$FAILED"} {
		p = e.fill(p)
		code, body, _ := e.do("GET", p, "", "")
		if code != 200 && !(code == 404 && strings.HasPrefix(p, "/deliveries/")) {
			fail(fmt.Sprintf("afterwards GET %s answers %d %s", p, code, body))
		}
		if msg := e.markupProblem(body); msg != "" {
			fail("afterwards GET " + p + ": " + msg)
		}
	}
	subs, _ := e.st.ListSubscriptions(context.Background(), store.SubscriptionFilter{Limit: 9})
	evs, _ := e.st.ListEvents(context.Background(), store.EventFilter{Limit: 9})
	if len(subs) > 8 || len(evs) > 8 {
		e.fixtures()
	}
}

// markupProblem scans an HTML page's tags (attribute values quoted or
// not) for markup that is not the templates'.
func (e *inspectorFuzzEnv) markupProblem(page string) string {
	s := page
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			return ""
		}
		s = s[i+1:]
		if strings.HasPrefix(s, "!--") {
			if j := strings.Index(s, "-->"); j >= 0 {
				s = s[j+3:]
			}
			continue
		}
		if strings.HasPrefix(s, "/") || strings.HasPrefix(s, "!") {
			continue
		}
		n := 0
		for n < len(s) && (s[n] >= 'a' && s[n] <= 'z' || s[n] >= 'A' && s[n] <= 'Z' || n > 0 && s[n] >= '0' && s[n] <= '9') {
			n++
		}
		if n == 0 {
			continue // a '<' in text (html/template writes &lt;, but it is harmless)
		}
		tag := strings.ToLower(s[:n])
		if !e.tags[tag] {
			return "an element the templates do not have: <" + tag
		}
		s = s[n:]
		attrs := map[string]string{}
		for {
			s = strings.TrimLeft(s, " \t\n\r\f/")
			if s == "" || s[0] == '>' {
				break
			}
			k := 0
			for k < len(s) && !strings.ContainsRune(" \t\n\r\f/>=", rune(s[k])) {
				k++
			}
			name := strings.ToLower(s[:k])
			s = strings.TrimLeft(s[k:], " \t\n\r\f")
			val := ""
			if strings.HasPrefix(s, "=") {
				s = strings.TrimLeft(s[1:], " \t\n\r\f")
				if s != "" && (s[0] == '"' || s[0] == '\'') {
					j := strings.IndexByte(s[1:], s[0])
					if j < 0 {
						return "an unterminated attribute value in <" + tag
					}
					val, s = s[1:1+j], s[2+j:]
				} else {
					j := strings.IndexAny(s, " \t\n\r\f>")
					if j < 0 {
						j = len(s)
					}
					val, s = s[:j], s[j:]
				}
			}
			if name == "" {
				if s != "" {
					s = s[1:]
				}
				continue
			}
			attrs[name] = val
			if strings.HasPrefix(name, "on") {
				return "an event handler attribute " + name + " in <" + tag
			}
			switch name {
			case "href", "src", "action", "formaction", "xlink:href":
				if v := strings.ToLower(strings.TrimSpace(val)); strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:text") {
					return "a script URL " + name + "=" + val + " in <" + tag
				}
			}
		}
		if tag == "script" && !strings.HasPrefix(attrs["src"], "/static/") {
			return "a script that is not the page's own: " + fmt.Sprint(attrs)
		}
	}
}
