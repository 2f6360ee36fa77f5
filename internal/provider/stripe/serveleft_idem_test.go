package stripe_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// creatingStore fails the next CreateSubscription with a store error
// (serve's 500) when fail is set, and holds every CreateSubscription
// while hold is open (a create still running).
type creatingStore struct {
	store.Store
	fail    atomic.Bool
	creates atomic.Int32
	hold    atomic.Pointer[chan struct{}]
	held    chan struct{}
}

func (s *creatingStore) CreateSubscription(ctx context.Context, sub *store.Subscription) error {
	s.creates.Add(1)
	if h := s.hold.Load(); h != nil {
		s.held <- struct{}{}
		<-*h
	}
	if s.fail.Swap(false) {
		return errors.New("disk I/O error")
	}
	return s.Store.CreateSubscription(ctx, sub)
}

// TestServeleftStripeIdempotencyKeepsWhatRan: Stripe saves the answer of
// every request whose endpoint began running, errors included ("Retries
// with the same key return the saved response, including 500 errors"): a
// 500 and a 404 resource_missing are replayed (Idempotent-Replayed: true,
// the create not run again); a 400 (parameters refused) is not saved, so
// the key then runs with good parameters; and a request sent while
// another with its key still runs is 409 idempotency_key_in_use (the
// libraries retry a 409), not held until the first ends. Serve kept only
// 2xx answers (the 500's retry created an endpoint) and made the
// concurrent request wait for the first answer.
func TestServeleftStripeIdempotencyKeepsWhatRan(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	st := &creatingStore{Store: db, held: make(chan struct{}, 1)}
	e := servetest.StartWith(t, st, nil)
	// A client that gives up (the request held for the first would wait
	// for it, and the first is released only after this one answers).
	client := &http.Client{Timeout: 20 * time.Second}
	do := func(path, key, body string) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", e.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer sk_test_sl")
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Idempotency-Key", key)
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	form := "url=" + e.Recv.URL + "&enabled_events[]=*"

	// A 500: saved and replayed; the create does not run again.
	st.fail.Store(true)
	code, _, first := do("/v1/webhook_endpoints", "k500", form)
	if code != 500 || !strings.Contains(first, `"type":"api_error"`) {
		t.Fatalf("create with the store failing: %d %s", code, first)
	}
	code, h, again := do("/v1/webhook_endpoints", "k500", form)
	if code != 500 || again != first || h.Get("Idempotent-Replayed") != "true" || st.creates.Load() != 1 {
		t.Errorf("the 500's retry: %d (Idempotent-Replayed %q, %d creates) %s\nwant the saved 500 %s, the create not run again",
			code, h.Get("Idempotent-Replayed"), st.creates.Load(), again, first)
	}

	// A 404 on updating an endpoint that is not there: saved.
	code, _, first = do("/v1/webhook_endpoints/we_gone", "k404", "description=x")
	if code != 404 || !strings.Contains(first, `"code":"resource_missing"`) {
		t.Fatalf("update of a missing endpoint: %d %s", code, first)
	}
	code, h, again = do("/v1/webhook_endpoints/we_gone", "k404", "description=x")
	if code != 404 || again != first || h.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the 404's retry: %d (Idempotent-Replayed %q) %s; want the saved 404", code, h.Get("Idempotent-Replayed"), again)
	}

	// A 400 (a parameter refused) is not saved: the key is still free.
	code, _, body := do("/v1/webhook_endpoints", "k400", "url=notaurl&enabled_events[]=*")
	if code != 400 {
		t.Fatalf("create with a bad url: %d %s", code, body)
	}
	if code, h, body := do("/v1/webhook_endpoints", "k400", "url=notaurl&enabled_events[]=*"); code != 400 || h.Get("Idempotent-Replayed") != "" {
		t.Errorf("the 400 sent again: %d (Idempotent-Replayed %q) %s; want it run again", code, h.Get("Idempotent-Replayed"), body)
	}
	if code, _, body := do("/v1/webhook_endpoints", "k400", form); code != 200 {
		t.Errorf("the key of a refused request with good parameters: %d %s; want it to run", code, body)
	}

	// A request while the first with its key runs: 409, nothing saved.
	open := make(chan struct{})
	st.hold.Store(&open)
	type res struct {
		code int
		body string
	}
	firstDone := make(chan res, 1)
	go func() {
		code, _, body := do("/v1/webhook_endpoints", "krun", form)
		firstDone <- res{code, body}
	}()
	select {
	case <-st.held:
	case <-time.After(30 * time.Second):
		t.Fatal("the first create never reached the store")
	}
	code, _, body = do("/v1/webhook_endpoints", "krun", form)
	want := `{"error":{"type":"invalid_request_error","code":"idempotency_key_in_use","doc_url":"https://stripe.com/docs/error-codes/idempotency-key-in-use","message":"There is currently another in-progress request using this Idempotent Key (probably because of a timeout). Please retry this request later."}}`
	if code != 409 || strings.TrimSpace(body) != want {
		t.Errorf("the key while its first request runs: %d %s\nwant 409 %s", code, body, want)
	}
	st.hold.Store(nil)
	close(open)
	var r res
	select {
	case r = <-firstDone:
	case <-time.After(30 * time.Second):
		t.Fatal("the first create never answered")
	}
	if r.code != 200 {
		t.Fatalf("the first create: %d %s", r.code, r.body)
	}
	code, h, body = do("/v1/webhook_endpoints", "krun", form)
	if code != 200 || body != r.body || h.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the retry after the first ended: %d %s; want its answer %s", code, body, r.body)
	}
}

// TestServeleftStripeIdempotencyKeyLength: Stripe's keys are 1 to 255
// characters; an empty Idempotency-Key header or a longer key is its 400
// in its own words ("Idempotent key length is 0, which is outside
// accepted lengths. Idempotent Keys must be 1-255 characters long. …",
// as clients have recorded it), and nothing is created. Serve took an
// empty header for none and kept any length.
func TestServeleftStripeIdempotencyKeyLength(t *testing.T) {
	e := servetest.Start(t, nil)
	post := func(key string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", e.URL+"/v1/webhook_endpoints", strings.NewReader("url="+e.Recv.URL+"&enabled_events[]=*"))
		req.Header.Set("Authorization", "Bearer sk_test_len")
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header["Idempotency-Key"] = []string{key}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tc := range []struct {
		key string
		n   int
	}{{"", 0}, {strings.Repeat("k", 256), 256}, {strings.Repeat("é", 256), 256}} {
		want := `{"error":{"type":"invalid_request_error","message":"Idempotent key length is ` + strconv.Itoa(tc.n) +
			`, which is outside accepted lengths. Idempotent Keys must be 1-255 characters long. If you're looking for a decent generator, try using a UUID defined by IETF RFC 4122."}}`
		if code, body := post(tc.key); code != 400 || strings.TrimSpace(body) != want {
			t.Errorf("a key of %d characters: %d %s\nwant 400 %s", tc.n, code, body, want)
		}
	}
	for _, key := range []string{"k", strings.Repeat("é", 255)} {
		if code, body := post(key); code != 200 {
			t.Errorf("a key of %d characters: %d %s, want 200", len([]rune(key)), code, body)
		}
	}
	code, body := e.Do("GET", "/v1/webhook_endpoints", map[string]string{"Authorization": "Bearer sk_test_len"}, nil)
	if n := len(servetest.JSON(t, body)["data"].([]any)); code != 200 || n != 2 {
		t.Errorf("%d endpoints after the refused keys, want 2: %s", n, body)
	}
}
