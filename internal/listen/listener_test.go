package listen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/testutil/syncbuf"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stripe/stripe-go/v85/webhook"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/subscription"
	"github.com/hookctl/hookctl/internal/testutil/tcpwait"
)

func startListener(t *testing.T, target string, mod func(*Options)) (*Listener, store.Store, *bytes.Buffer) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/hookctl.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	o := Options{Port: 0, Target: u, Store: st, Out: &out, JSON: true, Timeout: 5 * time.Second, JournalDir: t.TempDir(), StoreKey: "k"}
	if mod != nil {
		mod(&o)
	}
	l, err := Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	return l, st, &out
}

// Signatures made by the reference libraries (what real senders use) are
// accepted: Standard Webhooks with the listener's own secret, Stripe with
// a dashboard secret given as --secret.
func TestReferenceLibrariesAccepted(t *testing.T) {
	var hits atomic.Int32
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer a.Close()
	const stripeSecret = "whsec_from_the_stripe_dashboard"
	l, _, _ := startListener(t, a.URL, func(o *Options) { o.Secrets = []string{stripeSecret} })
	defer l.Shutdown(context.Background())

	body := []byte(`{"type":"invoice.paid","data":{"id":"in_1"}}`)
	wh, err := standardwebhooks.NewWebhook(l.Sub.Secret)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	sig, err := wh.Sign("msg_lib_1", now, body)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", l.URL()+"/", bytes.NewReader(body))
	req.Header.Set("webhook-id", "msg_lib_1")
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	expect(t, req, 200)

	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: []byte(`{"id":"evt_lib","type":"charge.succeeded"}`), Secret: stripeSecret})
	req, _ = http.NewRequest("POST", l.URL()+"/", bytes.NewReader(sp.Payload))
	req.Header.Set("Stripe-Signature", sp.Header)
	expect(t, req, 200)

	// and the same Stripe payload signed with another secret is refused
	bad := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: sp.Payload, Secret: "whsec_someone_else"})
	req, _ = http.NewRequest("POST", l.URL()+"/", bytes.NewReader(bad.Payload))
	req.Header.Set("Stripe-Signature", bad.Header)
	expect(t, req, 401)
	if hits.Load() != 2 {
		t.Fatalf("the app got %d requests, want 2", hits.Load())
	}
}

// waitRefused waits (10 s at most) until url's server no longer accepts
// connections.
func waitRefused(t *testing.T, url string) {
	addr := strings.TrimPrefix(url, "http://")
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return
		}
		c.Close()
	}
	t.Errorf("%s still accepts connections after 10s", url)
}

func expect(t *testing.T, req *http.Request, status int) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != status {
		t.Fatalf("status %d (%s), want %d", resp.StatusCode, b, status)
	}
}

// Shutdown lets an in-flight forward finish, records it, and disables the
// subscription; a restart with the same settings reuses it and its secret.
func TestShutdownFinishesInFlightAndKeepsSecret(t *testing.T) {
	arrived := make(chan struct{}, 1)
	var listenURL atomic.Value
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		// The app answers once the shutdown has begun (listen no longer
		// accepts connections): the forward is surely in flight then.
		waitRefused(t, listenURL.Load().(string))
		w.WriteHeader(202)
	}))
	defer a.Close()
	l, st, _ := startListener(t, a.URL, nil)
	listenURL.Store(l.URL())
	wh, _ := standardwebhooks.NewWebhook(l.Sub.Secret)
	body := []byte(`{"type":"slow.one"}`)
	now := time.Now()
	sig, _ := wh.Sign("msg_slow", now, body)
	req, _ := http.NewRequest("POST", l.URL()+"/", bytes.NewReader(body))
	req.Header.Set("webhook-id", "msg_slow")
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	done := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	<-arrived
	stats, err := l.Shutdown(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != 202 {
		t.Fatalf("in-flight request got %d, want the app's 202", code)
	}
	if stats.ForwardedOK != 1 {
		t.Fatalf("stats = %+v", stats)
	}
	ctx := context.Background()
	ds, err := st.ListDeliveries(ctx, store.DeliveryFilter{EventID: "msg_slow"})
	if err != nil || len(ds) != 1 || ds[0].Status != store.DeliverySucceeded || ds[0].LastStatus != 202 {
		t.Fatalf("deliveries = %+v, %v", ds, err)
	}
	sub, err := st.GetSubscription(ctx, l.Sub.ID)
	if err != nil || sub.Status != store.StatusDisabled {
		t.Fatalf("subscription after shutdown: %+v %v", sub, err)
	}
	u, _ := url.Parse(a.URL)
	var out bytes.Buffer
	l2, err := Start(ctx, Options{Target: u, Store: st, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Shutdown(ctx)
	if l2.Sub.ID != l.Sub.ID || l2.Sub.Secret != l.Sub.Secret || l2.Sub.Status != store.StatusEnabled {
		t.Fatalf("restart: %+v, want the same subscription re-enabled", l2.Sub)
	}
}

// The app's answer goes back as the app sent it: an answer without a
// Content-Type gets none added (the sender and the developer see what the
// app really said, not a type guessed from the body).
func TestAnswerWithoutContentTypeKeepsNone(t *testing.T) {
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = nil // Go's server must not guess one either
		w.WriteHeader(200)
		io.WriteString(w, `{"ok":true}`)
	}))
	defer a.Close()
	l, _, _ := startListener(t, a.URL, nil)
	defer l.Shutdown(context.Background())
	wh, _ := standardwebhooks.NewWebhook(l.Sub.Secret)
	body := []byte(`{"type":"card.created"}`)
	now := time.Now()
	sig, _ := wh.Sign("msg_ct_1", now, body)
	req, _ := http.NewRequest("POST", l.URL()+"/", bytes.NewReader(body))
	req.Header.Set("webhook-id", "msg_ct_1")
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != `{"ok":true}` {
		t.Fatalf("got %d %q", resp.StatusCode, b)
	}
	if ct, ok := resp.Header["Content-Type"]; ok {
		t.Fatalf("the sender got Content-Type %q; the app sent none", ct)
	}
}

// A secret rotated while listen runs (hookctl subscriptions rotate-secret
// on its subscription) is taken up: trigger signs with the new secret, and
// listen verifies with it instead of refusing every event with 401 until
// it is restarted.
func TestRotatedSecretTakenUpWhileListening(t *testing.T) {
	var hits atomic.Int32
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer a.Close()
	l, st, _ := startListener(t, a.URL, nil)
	defer l.Shutdown(context.Background())
	send := func(secret, id string) *http.Request {
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		body := []byte(`{"type":"card.created"}`)
		now := time.Now()
		sig, _ := wh.Sign(id, now, body)
		req, _ := http.NewRequest("POST", l.URL()+"/", bytes.NewReader(body))
		req.Header.Set("webhook-id", id)
		req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
		req.Header.Set("webhook-signature", sig)
		return req
	}
	old := l.Sub.Secret
	expect(t, send(old, "msg_before"), 200)

	sub, err := (&subscription.Service{Store: st}).RotateSecret(context.Background(), l.Sub.ID, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	expect(t, send(sub.Secret, "msg_after"), 200)
	// rotated again at once, with a grace period: the new one and the
	// one before it both verify
	prev := sub.Secret
	sub, err = (&subscription.Service{Store: st}).RotateSecret(context.Background(), l.Sub.ID, time.Hour, "")
	if err != nil {
		t.Fatal(err)
	}
	expect(t, send(sub.Secret, "msg_again"), 200)
	expect(t, send(prev, "msg_prev"), 200)
	if hits.Load() != 4 {
		t.Fatalf("the app got %d requests, want 4", hits.Load())
	}
	// and a secret nobody holds is still refused
	expect(t, send("whsec_"+strings.Repeat("A", 43)+"=", "msg_forged"), 401)
}

// An app answer that cannot be read to its end (the app hangs up after
// part of the body, or stalls past --timeout) is a failed forward: the
// sender gets 502 with the reason, as the record says, not the app's 200
// with the part that came presented as the whole answer.
func TestCutAnswerIs502(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	stall := make(chan struct{})
	defer close(stall)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				b := make([]byte, 4096)
				n, _ := c.Read(b)
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
				if bytes.Contains(b[:n], []byte("/stall")) {
					<-stall
				}
			}()
		}
	}()
	l, st, _ := startListener(t, "http://"+ln.Addr().String(), func(o *Options) { o.Timeout = 300 * time.Millisecond })
	defer l.Shutdown(context.Background())
	wh, _ := standardwebhooks.NewWebhook(l.Sub.Secret)
	for _, tc := range []struct{ path, id, want string }{
		{"/cut", "msg_cut", "closed the connection before the end of its answer"},
		{"/stall", "msg_stall", "did not finish its answer within 300ms (--timeout)"},
	} {
		body := []byte(`{"type":"card.created"}`)
		now := time.Now()
		sig, _ := wh.Sign(tc.id, now, body)
		req, _ := http.NewRequest("POST", l.URL()+tc.path, bytes.NewReader(body))
		req.Header.Set("webhook-id", tc.id)
		req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
		req.Header.Set("webhook-signature", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 502 || !strings.Contains(string(b), tc.want) {
			t.Errorf("%s: the sender got %d %q (%v), want 502 saying %q", tc.path, resp.StatusCode, b, err, tc.want)
		}
	}
	if _, err := l.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"msg_cut", "msg_stall"} {
		ds, err := st.ListDeliveries(context.Background(), store.DeliveryFilter{EventID: id})
		if err != nil || len(ds) != 1 || ds[0].Status != store.DeliveryFailed {
			t.Errorf("%s: deliveries = %+v, %v; want one failed", id, ds, err)
		}
	}
}

// A forward target with credentials (--forward http://user:pass@localhost:3000/hooks,
// an app behind HTTP Basic auth) is forwarded with them, as any HTTP
// client does with such a URL, and so are its replays; they were dropped.
func TestForwardTargetCredentials(t *testing.T) {
	var auth atomic.Value
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		auth.Store(fmt.Sprint(u, ":", p, " ", ok))
		if !ok || u != "bob" || p != "s3 cr3t" {
			w.WriteHeader(401)
		}
	}))
	defer a.Close()
	target := strings.Replace(a.URL, "http://", "http://bob:s3%20cr3t@", 1) + "/hooks"
	l, st, _ := startListener(t, target, nil)
	defer l.Shutdown(context.Background())
	wh, _ := standardwebhooks.NewWebhook(l.Sub.Secret)
	body := []byte(`{"type":"card.created"}`)
	now := time.Now()
	sig, _ := wh.Sign("msg_auth", now, body)
	req, _ := http.NewRequest("POST", l.URL()+"/", bytes.NewReader(body))
	req.Header.Set("webhook-id", "msg_auth")
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("the app answered %d; it got credentials %v", resp.StatusCode, auth.Load())
	}
	if _, err := l.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	ds, err := st.ListDeliveries(context.Background(), store.DeliveryFilter{EventID: "msg_auth"})
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries = %+v, %v", ds, err)
	}
	if strings.Contains(ds[0].URL, "s3") || ds[0].Headers["Authorization"] == "" {
		t.Errorf("recorded forward: URL %q headers %v; want the credentials as its Authorization header, not in the URL", ds[0].URL, ds[0].Headers)
	}
}

// A sender that hangs up before the app answers (its own timeout ran out)
// does not get the answer: the live log says so, instead of the app's
// "<-- [200]" alone as if it had been delivered, and when the sender sends
// the event again it is a retry, not a duplicate. Both of listen's HTTP
// paths: the lean loop (a plain request) and Go's server (a chunked one).
func TestSenderGoneBeforeAnswerLogged(t *testing.T) {
	arrived := make(chan struct{})
	release := make(chan struct{})
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("slow") != "" {
			arrived <- struct{}{}
			<-release // the sender hangs up meanwhile
		}
		w.WriteHeader(200)
		io.WriteString(w, "ok")
	}))
	defer a.Close()
	out := new(syncbuf.Buffer)
	l, _, _ := startListener(t, a.URL, func(o *Options) { o.Out = out })
	wh, _ := standardwebhooks.NewWebhook(l.Sub.Secret)
	signed := func(id, query string, chunked bool) *http.Request {
		body := []byte(`{"type":"card.created"}`)
		now := time.Now()
		sig, _ := wh.Sign(id, now, body)
		req, _ := http.NewRequest("POST", l.URL()+"/hooks"+query, bytes.NewReader(body))
		req.Header.Set("webhook-id", id)
		req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
		req.Header.Set("webhook-signature", sig)
		if chunked {
			req.ContentLength = -1
			req.TransferEncoding = []string{"chunked"}
		}
		return req
	}
	for _, tc := range []struct {
		id      string
		chunked bool
	}{{"msg_gone_lean", false}, {"msg_gone_std", true}} {
		c, err := net.Dial("tcp", l.URL()[len("http://"):])
		if err != nil {
			t.Fatal(err)
		}
		if err := signed(tc.id, "?slow=1", tc.chunked).Write(c); err != nil {
			t.Fatal(err)
		}
		<-arrived // the forward is in flight
		// The sender's timeout: it stops waiting. Its FIN is in listen's
		// socket once acknowledged; Go's server (the chunked request)
		// then cancels the request from a goroutine of its own.
		c.(*net.TCPConn).CloseWrite()
		if err := tcpwait.Acked(c, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		release <- struct{}{}
		// The first forward is logged before the sender sends the event again.
		waitLog(t, out, func(ll LogLine) bool { return ll.Kind == KindForward && ll.EventID == tc.id })
		c.Close()
		// It sends the event again; this time it waits for the answer.
		expect(t, signed(tc.id, "", tc.chunked), 200)
	}
	if _, err := l.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	lines := liveLogLines(t, out.String())
	for _, id := range []string{"msg_gone_lean", "msg_gone_std"} {
		var got []string
		for _, ll := range lines {
			if ll.EventID != id {
				continue
			}
			switch {
			case ll.Kind == KindForward:
				got = append(got, fmt.Sprintf("forward %d %s", ll.Status, ll.Error))
			case ll.Retry:
				got = append(got, "event retry")
			case ll.Duplicate:
				got = append(got, "event duplicate")
			default:
				got = append(got, "event")
			}
		}
		want := []string{"event", "forward 200 the sender hung up before the answer (it did not get it and may send the event again)",
			"event retry", "forward 200 "}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: the live log said\n%s\nwant\n%s", id, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// liveLogLines parses a JSON live log (its complete lines).
func liveLogLines(t *testing.T, out string) []LogLine {
	t.Helper()
	var lines []LogLine
	for _, s := range strings.SplitAfter(out, "\n") {
		if !strings.HasSuffix(s, "\n") {
			break // a line still being written
		}
		var ll LogLine
		if err := json.Unmarshal([]byte(s), &ll); err != nil {
			t.Fatalf("%v: %s", err, s)
		}
		lines = append(lines, ll)
	}
	return lines
}

// waitLog waits (10 s at most) until the live log has a line matching ok.
func waitLog(t *testing.T, out *syncbuf.Buffer, ok func(LogLine) bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		for _, ll := range liveLogLines(t, out.String()) {
			if ok(ll) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no such line in the live log after 10s:\n%s", out.String())
		}
	}
}
