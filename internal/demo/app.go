// Package demo holds the sample webhook app of `hookctl demo`: a receiver
// that verifies signatures itself (the way a developer's handler should),
// de-duplicates by event id, and fails the first attempt of chosen event
// types on purpose so retries and replays have something to show.
package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/signature"
)

// Received is one request the app handled.
type Received struct {
	EventID   string
	EventType string
	Scheme    string
	Status    int
	Reason    string // why it was refused, when it was
	Duplicate bool
}

// App is the sample receiver.
type App struct {
	// FailFirst: event types whose first attempt is answered 500.
	FailFirst map[string]bool

	mu       sync.Mutex
	secrets  []string
	failed   map[string]bool
	seen     map[string]bool
	received []Received
	notify   chan struct{}

	ln  net.Listener
	srv *http.Server
	now func() time.Time
}

// NewApp binds a free port on 127.0.0.1 and serves.
func NewApp(failFirst ...string) (*App, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a := &App{FailFirst: map[string]bool{}, failed: map[string]bool{}, seen: map[string]bool{},
		notify: make(chan struct{}, 1), ln: ln, now: time.Now}
	for _, t := range failFirst {
		a.FailFirst[t] = true
	}
	a.srv = &http.Server{Handler: a, ReadHeaderTimeout: 5 * time.Second}
	go a.srv.Serve(ln)
	return a, nil
}

// URL is the app's webhook endpoint.
func (a *App) URL() string { return "http://" + a.ln.Addr().String() + "/webhooks" }

// SetSecrets sets the signing secrets the app trusts.
func (a *App) SetSecrets(s ...string) {
	a.mu.Lock()
	a.secrets = append([]string(nil), s...)
	a.mu.Unlock()
}

// Received returns what the app handled so far.
func (a *App) Received() []Received {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Received(nil), a.received...)
}

// WaitFor waits until n requests were handled or ctx ends.
func (a *App) WaitFor(ctx context.Context, n int) error {
	for {
		if len(a.Received()) >= n {
			return nil
		}
		select {
		case <-a.notify:
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Close stops the app.
func (a *App) Close() error { return a.srv.Close() }

// eventID is what the app de-duplicates by, as a handler for each
// provider should: the scheme's id header (webhook-id, X-GitHub-Delivery,
// Mambu's idempotency key), else the id the body carries (Stripe's id,
// Mono's event_id), else for Bond, whose events carry no id, the event's
// name and occurred_at, else a hash of the body (a retry sends the same
// bytes). Bond and Mono's older events have neither an id header nor an
// id in the body: keyed on "" they were all one event, and the second
// counted as a duplicate of the first.
func eventID(h http.Header, body []byte, res []gjson.Result) string {
	if id := signature.EventIDFromHeaders(h); id != "" {
		return id
	}
	if id := res[2].Str; id != "" {
		return id
	}
	if id := res[3].Str; id != "" {
		return id
	}
	if at := gjson.GetBytes(body, "occurred_at").Str; res[1].Str != "" && at != "" {
		return res[1].Str + " " + at
	}
	sum := sha256.Sum256(body)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// ServeHTTP verifies the signature, then answers.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	rec := Received{}
	res := gjson.GetManyBytes(body, "type", "event", "id", "event_id")
	for _, x := range res[:2] {
		if x.Str != "" {
			rec.EventType = x.Str
			break
		}
	}
	rec.EventID = eventID(r.Header, body, res)
	a.mu.Lock()
	secrets := a.secrets
	a.mu.Unlock()
	status, answer := http.StatusOK, map[string]any{"ok": true}
	sc, ok := signature.Detect(r.Header)
	switch {
	case !ok:
		status, rec.Reason = http.StatusUnauthorized, "no signature"
	default:
		rec.Scheme = sc.Name()
		if err := sc.Verify(signature.VerifyInput{Secrets: secrets, Header: r.Header, Body: body, Now: a.now()}); err != nil {
			var ve *signature.VerifyError
			rec.Reason = err.Error()
			if errors.As(err, &ve) {
				rec.Reason = ve.Msg
			}
			status = http.StatusUnauthorized
		}
	}
	a.mu.Lock()
	if status == http.StatusOK {
		switch {
		case a.FailFirst[rec.EventType] && !a.failed[rec.EventID]:
			a.failed[rec.EventID] = true
			status, rec.Reason = http.StatusInternalServerError, "failing the first attempt on purpose"
		case a.seen[rec.EventID]:
			rec.Duplicate = true
			answer["duplicate"] = true
		default:
			a.seen[rec.EventID] = true
		}
	}
	rec.Status = status
	a.received = append(a.received, rec)
	a.mu.Unlock()
	select {
	case a.notify <- struct{}{}:
	default:
	}
	if status != http.StatusOK {
		answer = map[string]any{"ok": false, "error": rec.Reason}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(answer)
}
