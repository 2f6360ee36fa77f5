package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// inspbytesEnc is a header value as -o json and the export file write one
// that is not UTF-8: "\u0001base64:" and its bytes in base64.
func inspbytesEnc(s string) string {
	return "\x01base64:" + base64.StdEncoding.EncodeToString([]byte(s))
}

// inspbytesApp is a receiver that records the X-Sub and X-Raw headers of
// every request, answers the first with 503 (so that the retry reads the
// delivery back from the store) and every one with X-Resp: ok\xe9.
type inspbytesApp struct {
	*httptest.Server
	mu  sync.Mutex
	got [][2]string
}

func newInspbytesApp(t *testing.T) *inspbytesApp {
	a := &inspbytesApp{}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.got = append(a.got, [2]string{r.Header.Get("X-Sub"), r.Header.Get("X-Raw")})
		first := len(a.got) == 1
		a.mu.Unlock()
		w.Header()["X-Resp"] = []string{"ok\xe9"}
		if first {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *inspbytesApp) received() [][2]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([][2]string(nil), a.got...)
}

// TestInspbytesHeaderBytesSentAsGiven: a header value that is not UTF-8
// (caf\xe9, Latin-1 from an old client) given with subscribe --header and
// trigger --header is sent byte for byte by every attempt (the first, and
// the retry that reads the delivery back from the store), and again by a
// replay from a store the export was imported into (SQLite and
// PostgreSQL); subscriptions list and update -o json and deliveries show
// -o json write such bytes "\u0001base64:"+base64 (the request's, and
// the response's X-Resp: ok\xe9), and the human output escapes them
// (\xe9).
// A value with a line break is still refused (exit 2, nothing stored).
// Before, both stores kept these header sets as JSON, which turned each
// such byte into U+FFFD: the app got "caf\uFFFD" from the subscription's
// header on the first attempt and from --header on the retry, and -o json
// printed U+FFFD.
func TestInspbytesHeaderBytesSentAsGiven(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	stores := map[string]func(c *crashEnv) string{
		"sqlite":   func(c *crashEnv) string { return c.dir + "/other.db" },
		"postgres": func(*crashEnv) string { return pgtest.URL(t) },
	}
	const sub, raw = "caf\xe9", "caf\xe9 \xff"
	for _, from := range []string{"sqlite", "postgres"} {
		t.Run(from, func(t *testing.T) {
			if from == "postgres" && os.Getenv("HOOKCTL_TEST_POSTGRES") == "" {
				t.Skip("needs HOOKCTL_TEST_POSTGRES")
			}
			app := newInspbytesApp(t)
			c := newCrashEnv(t)
			c.env = append(c.env, "HOOKCTL_STORE="+stores[from](c))

			// A line break is refused before anything is stored.
			for _, bad := range []string{"X-Bad: a\rb", "X-Bad: a\nb"} {
				cmd := c.cmd("hookctl", "subscribe", "--url", app.URL, "--events", "card.*", "--header", bad)
				out, err := cmd.CombinedOutput()
				if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "line break") || !strings.Contains(string(out), "hint:") {
					t.Fatalf("subscribe --header %q: %v, want exit 2 saying line break with a hint:\n%s", bad, err, out)
				}
			}

			c.hookctl(0, "subscribe", "--url", app.URL, "--events", "card.*", "--header", "X-Sub: "+sub,
				"--secret", "whsec_dGVzdHNlY3JldA==")
			var subs []struct {
				WebhookID string            `json:"webhook_id"`
				Headers   map[string]string `json:"headers"`
			}
			if err := json.Unmarshal(c.hookctl(0, "subscriptions", "list", "-o", "json"), &subs); err != nil || len(subs) != 1 {
				t.Fatalf("subscriptions list: %v %v", subs, err)
			}
			if got := subs[0].Headers["X-Sub"]; got != inspbytesEnc(sub) {
				t.Errorf("subscriptions list -o json: X-Sub %q, want %q", got, inspbytesEnc(sub))
			}
			if show := string(c.hookctl(0, "subscriptions", "get", subs[0].WebhookID)); !strings.Contains(show, `X-Sub: caf\xe9`) {
				t.Errorf("subscriptions get does not show the header escaped (caf\\xe9):\n%s", show)
			}

			var upd struct {
				Headers map[string]string `json:"headers"`
			}
			if err := json.Unmarshal(c.hookctl(0, "subscriptions", "update", subs[0].WebhookID, "--header", "X-Upd: \xe9t\xe9", "-o", "json"), &upd); err != nil {
				t.Fatal(err)
			}
			if upd.Headers["X-Upd"] != inspbytesEnc("\xe9t\xe9") || upd.Headers["X-Sub"] != inspbytesEnc(sub) {
				t.Errorf("subscriptions update -o json: headers %q, want X-Upd %q and X-Sub %q", upd.Headers, inspbytesEnc("\xe9t\xe9"), inspbytesEnc(sub))
			}

			c.hookctl(0, "trigger", "card.created", "--header", "X-Raw: "+raw)
			want := [2]string{sub, raw}
			if r := app.received(); len(r) != 2 || r[0] != want || r[1] != want {
				t.Fatalf("the app got (X-Sub, X-Raw) %q, want %q twice (the first attempt, and its retry)", r, want)
			}

			var list []struct{ ID string }
			if err := json.Unmarshal(c.hookctl(0, "deliveries", "list", "-o", "json"), &list); err != nil || len(list) != 1 {
				t.Fatalf("deliveries list: %v %v", list, err)
			}
			id := list[0].ID
			check := func(c *crashEnv, where string) {
				t.Helper()
				var d struct {
					Attempts []struct {
						Request  struct{ Headers map[string][]string }
						Response struct{ Headers map[string][]string }
					}
				}
				if err := json.Unmarshal(c.hookctl(0, "deliveries", "show", id, "-o", "json"), &d); err != nil || len(d.Attempts) == 0 {
					t.Fatalf("%s: deliveries show -o json: %v %v", where, d, err)
				}
				for i, a := range d.Attempts {
					if g := a.Request.Headers["X-Raw"]; len(g) != 1 || g[0] != inspbytesEnc(raw) {
						t.Errorf("%s: attempt %d's X-Raw in -o json is %q, want %q", where, i+1, g, inspbytesEnc(raw))
					}
					if g := a.Request.Headers["X-Sub"]; len(g) != 1 || g[0] != inspbytesEnc(sub) {
						t.Errorf("%s: attempt %d's X-Sub in -o json is %q, want %q", where, i+1, g, inspbytesEnc(sub))
					}
					if g := a.Response.Headers["X-Resp"]; len(g) != 1 || g[0] != inspbytesEnc("ok\xe9") {
						t.Errorf("%s: attempt %d's response X-Resp in -o json is %q, want %q", where, i+1, g, inspbytesEnc("ok\xe9"))
					}
				}
				show := string(c.hookctl(0, "deliveries", "show", id))
				for _, s := range []string{`X-Raw: caf\xe9 \xff`, `X-Sub: caf\xe9`, `X-Resp: ok\xe9`} {
					if !strings.Contains(show, s) {
						t.Errorf("%s: deliveries show does not print %s:\n%s", where, s, show)
					}
				}
				var got []struct {
					Headers map[string]string `json:"headers"`
				}
				if err := json.Unmarshal(c.hookctl(0, "subscriptions", "list", "-o", "json"), &got); err != nil || len(got) != 1 || got[0].Headers["X-Sub"] != inspbytesEnc(sub) {
					t.Errorf("%s: subscriptions list -o json: %q %v", where, got, err)
				}
			}
			check(c, from)

			dump := c.hookctl(0, "store", "export")
			for _, line := range bytes.Split(dump, []byte("\n")) {
				if bytes.Contains(line, []byte(`"subscription"`)) && !bytes.Contains(line, []byte(`"X-Sub":"\u0001base64:`)) ||
					bytes.Contains(line, []byte(`"delivery"`)) && !bytes.Contains(line, []byte(`"X-Raw":"\u0001base64:`)) {
					t.Errorf("the export does not keep the header bytes:\n%s", line)
				}
			}
			for _, to := range []string{"sqlite", "postgres"} {
				if to == "postgres" && os.Getenv("HOOKCTL_TEST_POSTGRES") == "" {
					continue
				}
				d := newCrashEnv(t)
				d.env = append(d.env, "HOOKCTL_STORE="+stores[to](d))
				imp := d.cmd("hookctl", "store", "import", "-")
				imp.Stdin = bytes.NewReader(dump)
				if out, err := imp.CombinedOutput(); err != nil {
					t.Fatalf("store import into %s: %v: %s", to, err, out)
				}
				where := from + " exported, imported into " + to
				check(d, where)
				if again := d.hookctl(0, "store", "export"); !bytes.Equal(inspbytesNoHeader(again), inspbytesNoHeader(dump)) {
					t.Errorf("%s: exported again, the file differs:\n%s\nwas\n%s", where, again, dump)
				}
				n := len(app.received())
				d.hookctl(0, "replay", id, "--force")
				if r := app.received(); len(r) != n+1 || r[n] != want {
					t.Errorf("%s: replay sent (X-Sub, X-Raw) %q, want %q", where, r[n:], want)
				}
			}
		})
	}
}

// inspbytesNoHeader is an export without its header line (its time and
// store differ).
func inspbytesNoHeader(b []byte) []byte {
	_, rest, _ := bytes.Cut(b, []byte("\n"))
	return rest
}

// TestInspbytesEventsShowJSONHeaderBytes: events show -o json of an event
// listen received with a header value that is not UTF-8 (caf\xe9 \xff)
// writes it "\u0001base64:"+base64, which gives the bytes back; events
// show escapes it (caf\xe9 \xff). Both stores. Before, -o json wrote
// "caf\uFFFD \uFFFD": the bytes were lost to a script. listen's own
// --header sends obs-text as given (caf\xe9) and refuses a CR, LF or
// other control character (exit 2, with a hint; a NUL cannot be in an
// argument); before, it took them, and every forward failed.
func TestInspbytesEventsShowJSONHeaderBytes(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	const raw = "caf\xe9 \xff"
	for _, where := range []string{"sqlite", "postgres"} {
		t.Run(where, func(t *testing.T) {
			c := newCrashEnv(t)
			if where == "postgres" {
				if os.Getenv("HOOKCTL_TEST_POSTGRES") == "" {
					t.Skip("needs HOOKCTL_TEST_POSTGRES")
				}
				c.env = append(c.env, "HOOKCTL_STORE="+pgtest.URL(t))
			}
			var mu sync.Mutex
			var lat []string
			app := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				mu.Lock()
				lat = append(lat, r.Header.Get("X-Lat"))
				mu.Unlock()
			}))
			defer app.Close()
			port := mustFreePort(t)
			const secret = "whsec_dGVzdHNlY3JldA=="
			for _, bad := range []string{"X-Bad: a\rb", "X-Bad: a\nb", "X-Bad: a\x1bb"} {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				cmd := exec.CommandContext(ctx, "hookctl", "listen", "--port", port, "--forward", app.URL, "--header", bad)
				cmd.Env, cmd.Dir = c.env, c.dir
				out, err := cmd.CombinedOutput() // the old code listened until killed
				cancel()
				if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "the value contains") || !strings.Contains(string(out), "hint:") {
					t.Fatalf("listen --header %q: %v, want exit 2 saying what the value contains, with a hint:\n%s", bad, err, out)
				}
			}
			stop := startListen(t, c, port, "--forward", app.URL, "--scheme", "stripe", "--secret", secret, "--header", "X-Lat: caf\xe9")
			body := []byte(`{"id":"evt_inspbytes_1","object":"event","type":"charge.succeeded"}`)
			sc, err := signature.Lookup("stripe")
			if err != nil {
				t.Fatal(err)
			}
			h, err := sc.Sign(signature.SignInput{Secrets: []string{secret}, Timestamp: time.Now(), Body: body})
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest("POST", "http://127.0.0.1:"+port+"/hook", bytes.NewReader(body))
			for k, v := range h {
				req.Header[k] = v
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header["X-Raw"] = []string{raw}
			resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if sout, serr := stop(); resp.StatusCode != 200 {
				t.Fatalf("listen answered %d\n%s\n%s", resp.StatusCode, sout, serr)
			}
			mu.Lock()
			if len(lat) != 1 || lat[0] != "caf\xe9" {
				t.Errorf("listen's forward carried --header X-Lat %q, want %q", lat, "caf\xe9")
			}
			mu.Unlock()
			var ev struct {
				Headers map[string][]string `json:"headers"`
			}
			if err := json.Unmarshal(c.hookctl(0, "events", "show", "evt_inspbytes_1", "-o", "json"), &ev); err != nil {
				t.Fatal(err)
			}
			g := ev.Headers["X-Raw"]
			if len(g) != 1 || g[0] != inspbytesEnc(raw) {
				t.Fatalf("events show -o json: X-Raw %q, want %q", g, inspbytesEnc(raw))
			}
			if b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(g[0], "\x01base64:")); err != nil || string(b) != raw {
				t.Errorf("the bytes read back are %q (%v), want %q", b, err, raw)
			}
			if show := string(c.hookctl(0, "events", "show", "evt_inspbytes_1")); !strings.Contains(show, `X-Raw: caf\xe9 \xff`) {
				t.Errorf("events show does not print the header escaped:\n%s", show)
			}
		})
	}
}
