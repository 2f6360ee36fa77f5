package delivery

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hookctl/hookctl/internal/store"
)

// transientError marks a failure to prepare an attempt that deserves the
// retry schedule (the store was busy), unlike a missing secret.
type transientError struct{ error }

func (t transientError) Unwrap() error { return t.error }

// errSubscriptionDisabled is the attempt not made because the delivery's
// subscription is disabled.
var errSubscriptionDisabled = errors.New("not sent: the subscription is disabled")

// errExpunged is the attempt not made because the event's payload was
// expunged.
var errExpunged = errors.New(store.ExpungedError)

func isTransient(err error) bool {
	var t transientError
	return errors.As(err, &t)
}

// Decide applies the retry rules to an attempt: success is 2xx (Bond:
// 200/201 only); 410 Gone fails the delivery and asks to disable the
// subscription whose endpoint answered it; Svix's "webhook-delivery: abort-message" stops retries;
// anything else is retried on the delivery's schedule, later when a 429 or
// 503 carries Retry-After, until the attempts run out.
func Decide(d *store.Delivery, scheme string, a *store.Attempt, respHeader http.Header, now time.Time, jitter func(time.Duration) time.Duration) (u store.DeliveryUpdate, disable bool) {
	u.LastStatus = a.ResponseStatus
	status := a.ResponseStatus
	if a.Error == "" && Success(scheme, status) {
		u.Status = store.DeliverySucceeded
		return u, false
	}
	u.LastError = a.Error
	if u.LastError == "" {
		u.LastError = StatusError(scheme, a)
	}
	switch {
	case status == http.StatusGone:
		// disable asks the caller to disable the subscription whose
		// callback URL answered (the engine knows whether there is one)
		u.Status = store.DeliveryFailed
		u.LastError = "HTTP 410 Gone: endpoint removed"
		return u, true
	case strings.EqualFold(strings.TrimSpace(respHeader.Get("webhook-delivery")), "abort-message"):
		u.Status = store.DeliveryFailed
		u.LastError += " (receiver asked to abort: webhook-delivery: abort-message)"
		return u, false
	}
	done := d.AttemptCount + 1
	maxAttempts := d.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = 1
	}
	if done >= maxAttempts {
		u.Status = store.DeliveryFailed
		return u, false
	}
	sch, err := ParseSchedule(d.Schedule)
	if err != nil || len(sch) == 0 {
		sch = DefaultSchedule
	}
	// The schedule is aligned to the end of the attempt budget, so a
	// replay (which adds attempts and a schedule) starts at its beginning.
	idx := len(sch) - (maxAttempts - done)
	idx = max(0, min(idx, len(sch)-1))
	delay := sch[idx]
	if jitter != nil {
		delay = jitter(delay)
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		if ra, ok := ParseRetryAfter(respHeader.Get("Retry-After"), now); ok {
			limit := max(sch.Max(), time.Second)
			delay = max(delay, min(ra, limit))
		}
	}
	u.Status = store.DeliveryPending
	u.NextAttemptAt = now.Add(delay)
	return u, false
}

// Success reports whether a provider counts an answer with this status as
// delivered: 2xx, but only 200 or 201 for Bond and only 200 for Mono
// (which retries any other answer). The engine and hookctl check judge
// answers with it alike.
func Success(scheme string, status int) bool {
	switch scheme {
	case "bond":
		return status == http.StatusOK || status == http.StatusCreated
	case "mono":
		return status == http.StatusOK
	}
	return status >= 200 && status < 300
}

// target resolves where and how a delivery is sent: Delivery.URL (as
// stored: a copy claimed before its subscription moved is refreshed) is
// authoritative; the scheme and secrets come from the delivery (ad-hoc) or
// its subscription ("auto" = the event's provider's scheme), with the
// previous secret during a rotation grace period.
func (e *Engine) target(ctx context.Context, d *store.Delivery, ev *store.Event) (*store.Subscription, Target, error) {
	t := Target{URL: d.URL, Method: d.Method}
	var sub *store.Subscription
	if d.SubscriptionID != "" {
		s, err := e.subscription(ctx, d.SubscriptionID)
		if err != nil {
			return nil, t, transientError{fmt.Errorf("reading subscription: %w", err)}
		}
		sub = s
	}
	headers := map[string]string{}
	if sub != nil {
		for k, v := range sub.Headers {
			headers[k] = v
		}
		if t.Method == "" {
			t.Method = sub.Method
		}
		if t.URL == "" {
			t.URL = sub.CallbackURL
		}
		if t.URL != sub.CallbackURL && sub.UpdatedAt.After(d.UpdatedAt) {
			// Claimed before its subscription changed, and elsewhere:
			// the store moves the unfinished deliveries with their
			// subscription (writing their updated_at), so the row says
			// whether this copy is stale or the delivery was sent
			// elsewhere on purpose (replay --to). One read, only then: a
			// --to replay, whose requeue is newer than its subscription,
			// reads nothing.
			fresh, err := e.Store.GetDelivery(ctx, d.ID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, t, transientError{fmt.Errorf("reading delivery: %w", err)}
			}
			if err == nil && fresh.URL != "" {
				d.URL, t.URL = fresh.URL, fresh.URL
			}
		}
	}
	for k, v := range d.Headers {
		headers[k] = v
	}
	t.Headers = headers
	t.Endpoint = d.SubscriptionID
	switch {
	case d.Scheme != "":
		t.Scheme = d.Scheme
		t.Secrets = []string{d.Secret}
	case sub != nil:
		t.Scheme = sub.Scheme
		t.Secrets = []string{sub.Secret}
		if sub.PreviousSecret != "" && e.Now().Before(sub.PreviousSecretExpiresAt) {
			t.Secrets = append(t.Secrets, sub.PreviousSecret)
		}
	}
	if t.Scheme == "auto" || (t.Scheme == "" && sub != nil) {
		t.Scheme = e.SchemeFor(ev.Provider)
	}
	if t.URL == "" {
		return sub, t, errors.New("delivery has no URL")
	}
	return sub, t, nil
}

// event is the event id for an attempt starting now: the cached copy,
// read again when it may predate an expunge (expunge.go).
func (e *Engine) event(ctx context.Context, id string) (*store.Event, error) {
	if c, ok := e.events.get(id); ok {
		if e.suspect(ctx, c.at) {
			return e.fresh(ctx, c.ev)
		}
		return c.ev, nil
	}
	ev, err := e.Store.GetEvent(ctx, id)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			err = transientError{err}
		}
		return nil, fmt.Errorf("reading event: %w", err)
	}
	e.putEvent(ev)
	return ev, nil
}

// ForgetEvent drops an event from the engine's cache: its payload was
// expunged (store.ContentExpunger), and a replay of it must read it so.
func (e *Engine) ForgetEvent(id string) {
	e.init()
	e.events.del(id)
}

// Forget drops a subscription from the engine's cache, so a change made
// in this process (a rotated secret, a new URL) applies to the very next
// attempt rather than within subscriptionTTL.
func (e *Engine) Forget(id string) {
	e.init()
	e.subsMu.Lock()
	delete(e.subs, id)
	e.subsMu.Unlock()
}

// subscriptionTTL bounds how stale a cached subscription may be: a
// rotated secret, new headers or a deletion made by another process (a
// `subscriptions delete` while this engine sends) apply to the attempts
// started after it. Short, so that no attempt starts to an endpoint
// deleted more than this long ago; long enough that a stream of
// deliveries to one subscription reads it a few hundred times a second,
// not once per delivery.
const subscriptionTTL = 2 * time.Millisecond

func (e *Engine) subscription(ctx context.Context, id string) (*store.Subscription, error) {
	e.subsMu.Lock()
	c, ok := e.subs[id]
	e.subsMu.Unlock()
	if ok && time.Since(c.at) < subscriptionTTL {
		return c.s, nil
	}
	s, err := e.Store.GetSubscription(ctx, id)
	if err != nil && e.RecordWait != nil {
		// A store that went away: wait for it (as the recorder does)
		// rather than fail the attempt unsent.
		w := &StoreWait{Patience: e.RecordWait.Patience}
		for err != nil && w.Retry(ctx, err) {
			s, err = e.Store.GetSubscription(ctx, id)
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		s, err = nil, nil // deleted since the claim: process sends nothing
	}
	if err != nil {
		return nil, err
	}
	e.subsMu.Lock()
	if len(e.subs) > 1024 {
		clear(e.subs)
	}
	e.subs[id] = cachedSub{s: s, at: time.Now()}
	e.subsMu.Unlock()
	return s, nil
}

// disable turns a subscription off after 410 Gone.
func (e *Engine) disable(ctx context.Context, id string) bool {
	s, err := store.UpdateSubscriptionFunc(ctx, e.Store, id, func(s *store.Subscription) error {
		if s.Status == store.StatusDisabled {
			return store.ErrNoChange
		}
		s.Status = store.StatusDisabled
		return nil
	})
	if err != nil || s == nil {
		return false
	}
	e.subsMu.Lock()
	e.subs[id] = cachedSub{s: s, at: time.Now()}
	e.subsMu.Unlock()
	return true
}

// bodyReason is the first line of an error response's body, when it reads
// as text, shortened to fit a log line (a delivery's LastError).
func bodyReason(body []byte) string {
	line := bodyLine(body)
	if len(line) > 120 {
		cut := 117
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		line = line[:cut] + "…"
	}
	return line
}

// bodyLine is the first line of an error response's body, whole, when it
// reads as text ("" for an empty or binary body, an HTML error page).
func bodyLine(body []byte) string {
	line, _, _ := strings.Cut(string(body), "\n")
	line = strings.TrimSpace(line)
	if line == "" || !utf8.ValidString(line) || strings.HasPrefix(line, "<") {
		return "" // empty, binary or an HTML error page
	}
	for _, r := range line {
		if r < 0x20 && r != '\t' {
			return ""
		}
	}
	return line
}

// WholeError is lastError, the LastError recorded after attempt a, with
// the receiver's reason whole: LastError keeps the first 117 bytes of the
// body's first line (and "…"), a's ResponseBody its first
// MaxResponseBody bytes. A line with no width to fit (a pipe, a file)
// printed the cut one: listen's 502 ("the app did not answer", and why)
// lost its why. lastError itself when a's body is not its reason.
func WholeError(lastError string, a *store.Attempt) string {
	if a == nil || a.ResponseStatus < 400 || !strings.Contains(lastError, "…") {
		return lastError
	}
	cut, whole := bodyReason(a.ResponseBody), bodyLine(a.ResponseBody)
	if cut == whole || cut == "" {
		return lastError
	}
	i := strings.LastIndex(lastError, ": "+cut)
	if i < 0 {
		return lastError
	}
	i += len(": ")
	return lastError[:i] + whole + lastError[i+len(cut):]
}

// StatusError is the error of an attempt answered with a status its
// scheme does not accept: the status, why a 2xx is not enough for Bond or
// Mono, and for a 4xx or 5xx the receiver's own words (listen: "invalid
// signature: …"). Decide records it; AttemptState says it again for an
// attempt read back; check records its failed probes with it.
func StatusError(scheme string, a *store.Attempt) string {
	status := a.ResponseStatus
	msg := fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
	if status >= 200 && status < 300 {
		switch scheme {
		case "bond":
			msg += " (Bond accepts only 200 or 201)"
		case "mono":
			msg += " (Mono accepts only 200)"
		}
	}
	if reason := bodyReason(a.ResponseBody); reason != "" && status >= 400 {
		msg += ": " + reason
	}
	return msg
}
