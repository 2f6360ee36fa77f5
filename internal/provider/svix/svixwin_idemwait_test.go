package svix_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	svixgo "github.com/svix/svix-webhooks/go"
	"github.com/svix/svix-webhooks/go/models"

	"github.com/hookctl/hookctl/internal/provider"
	"github.com/hookctl/hookctl/internal/provider/svix"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/subscription"
)

// heldStore holds the first write of a Svix application until released:
// the request creating it runs on as long as a test needs.
type heldStore struct {
	store.Store
	once    sync.Once
	started chan struct{}
	release chan struct{}
}

func (h *heldStore) ChangeObject(ctx context.Context, kind, id string, fn func(*store.Object) (*store.Object, error)) (*store.Object, error) {
	if kind == "svix.app" {
		held := false
		h.once.Do(func() { held = true })
		if held {
			close(h.started)
			<-h.release
		}
	}
	return h.Store.ChangeObject(ctx, kind, id, fn)
}

// A POST sent again with the idempotency-key of a request still running
// waits for it at most as long as svix-server does (20 s, its lock on the
// key; shortened here to 300 ms by Idempotency.MaxWait), then gets a 500,
// while the first goes on; once the first is done, the key gives its
// answer. serve waited as long as the first ran: the retry below waited
// on the held create until the test released it (it failed "still
// waiting" on the old code).
func TestSvixwinIdempotencyWaitIsBounded(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	held := &heldStore{Store: st, started: make(chan struct{}), release: make(chan struct{})}
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(held.release) }) }
	api := svix.New(&provider.Services{Store: held, Loose: &subscription.Service{Store: held},
		Idempotency: &provider.Idempotency{MaxWait: 300 * time.Millisecond}})
	mux := http.NewServeMux()
	for _, r := range api.Routes {
		mux.HandleFunc(r.Method+" "+r.Path, r.Handler)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(release) // before srv.Close: it waits for the held request

	post := func() (int, string) {
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/app?get_if_exists=false", strings.NewReader(`{"name":"held"}`))
		req.Header.Set("Authorization", "Bearer testsk_local")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "k-1")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	type answer struct {
		code int
		body string
	}
	first := make(chan answer, 1)
	go func() { c, b := post(); first <- answer{c, b} }()
	select {
	case <-held.started:
	case <-time.After(30 * time.Second):
		t.Fatal("the first create never reached the store")
	}
	second := make(chan answer, 1)
	go func() { c, b := post(); second <- answer{c, b} }()
	select {
	case a := <-second:
		if a.code != http.StatusInternalServerError || !strings.Contains(a.body, "still running") {
			t.Fatalf("the retry while the first runs: %d %s, want a 500 saying so", a.code, a.body)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the retry is still waiting for the held first request: the wait is not bounded")
	}
	select {
	case a := <-first:
		t.Fatalf("the first request ended before its store write was released: %d %s", a.code, a.body)
	default:
	}

	// The official library with that key, while the first still runs: its
	// POST (to the same URL: Svix keys by it; its retries of the 500s keep
	// the key) ends with Svix's 500, not with a wait as long as the first's.
	u, _ := url.Parse(srv.URL)
	sv, err := svixgo.New("testsk_local", &svixgo.SvixOptions{ServerUrl: u})
	if err != nil {
		t.Fatal(err)
	}
	sdk := make(chan error, 1)
	go func() {
		_, err := sv.Application.Create(t.Context(), models.ApplicationIn{Name: "held"}, &svixgo.ApplicationCreateOptions{IdempotencyKey: ptr("k-1")})
		sdk <- err
	}()
	select {
	case err := <-sdk:
		var se *svixgo.Error
		if !errors.As(err, &se) || se.Status() != http.StatusInternalServerError {
			t.Fatalf("the library's create while the first runs: %v, want a 500", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the library's create is still waiting for the held first request")
	}

	release()
	a := <-first
	if a.code != http.StatusCreated {
		t.Fatalf("the first create: %d %s", a.code, a.body)
	}
	if c, b := post(); c != http.StatusCreated || b != a.body {
		t.Fatalf("the key once the first is done: %d %s, want its answer %s", c, b, a.body)
	}
}
