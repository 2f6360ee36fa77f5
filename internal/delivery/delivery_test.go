package delivery

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
)

func TestParseSchedule(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  string
	}{
		{"0s,5s,5m,30m,2h", "0s,5s,5m0s,30m0s,2h0m0s", ""},
		{" 0 , 1.5 ", "0s,1.5s", ""},
		{"", "", "empty"},
		{"0s,soon", "", `invalid delay "soon"`},
		{"-1s", "", "negative"},
		// past ~292 years: it wrapped around to a negative delay
		{"0s,300000d", "", `invalid duration "300000d": it is too large (at most 2562047h, about 292 years) in retry schedule`},
		{"0,1e12", "", `invalid delay "1e12" in retry schedule: it is too large`},
	}
	for _, tt := range tests {
		got, err := ParseSchedule(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseSchedule(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("ParseSchedule(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestResolveSchedule(t *testing.T) {
	tests := []struct {
		o    ScheduleOptions
		want string
		err  string
	}{
		{ScheduleOptions{}, "0s,1s,2s,4s,8s", ""},
		{ScheduleOptions{NoRetry: true}, "0s", ""},
		// Both given on the command line clash (a configured value gives
		// way before Resolve: config.FlagExcludesAnnotation).
		{ScheduleOptions{NoRetry: true, Profile: "mono"}, "", "--no-retry and --retry-profile cannot be used together"},
		{ScheduleOptions{NoRetry: true, Schedule: "0s,1s"}, "", "--no-retry and --retry-schedule cannot be used together"},
		{ScheduleOptions{Profile: "svix"}, "0s,5s,5m0s,30m0s,2h0m0s,5h0m0s,10h0m0s,10h0m0s", ""},
		{ScheduleOptions{Profile: "svix", TimeScale: 1000}, "0s,5ms,300ms,1.8s,7.2s,18s,36s,36s", ""},
		{ScheduleOptions{Schedule: "0s,10s", TimeScale: 10}, "0s,1s", ""},
		{ScheduleOptions{Profile: "stripe"}, "", `unknown retry profile "stripe"`},
		{ScheduleOptions{Profile: "bond", Schedule: "1s"}, "", "cannot be used together"},
		{ScheduleOptions{TimeScale: -1}, "", "invalid --time-scale"},
	}
	for _, tt := range tests {
		got, err := tt.o.Resolve(DefaultSchedule)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%+v: error = %v, want %q", tt.o, err, tt.err)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("%+v: got %q, %v; want %q", tt.o, got, err, tt.want)
		}
	}
}

func TestProfiles(t *testing.T) {
	mono := Profiles()["mono"]
	if len(mono) != 25 || mono[1] != 30*time.Second || mono[2] != time.Minute || mono.Max() != 4*time.Hour {
		t.Errorf("mono profile = %s: want 25 attempts, first retry 30s, doubling, capped at 4h", mono)
	}
	if b := Profiles()["bond"]; len(b) != 9 || b.Total() > 72*time.Hour {
		t.Errorf("bond profile = %s: want 1+8 attempts within 3 days", b)
	}
	if len(Profiles()["mambu"]) != 5 {
		t.Errorf("mambu profile: want 5 attempts")
	}
}

func TestJitter(t *testing.T) {
	if Jitter(0) != 0 {
		t.Fatal("jitter of 0 must stay 0")
	}
	seen := map[time.Duration]bool{}
	for range 50 {
		d := Jitter(10 * time.Second)
		if d < 8*time.Second || d > 12*time.Second {
			t.Fatalf("Jitter(10s) = %s, outside ±20%%", d)
		}
		seen[d] = true
	}
	if len(seen) < 10 {
		t.Errorf("jitter is not random: %d distinct values", len(seen))
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"3", 3 * time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"", 0, false},
		{"-5", 0, false},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseRetryAfter(%q) = %s, %v; want %s, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDecide(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	noJitter := func(d time.Duration) time.Duration { return d }
	d := func(done, max int) *store.Delivery {
		return &store.Delivery{AttemptCount: done, MaxAttempts: max, Schedule: "0s,1s,2s,4s,8s"}
	}
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	tests := []struct {
		name    string
		d       *store.Delivery
		scheme  string
		status  int
		errText string
		h       http.Header
		want    string
		next    time.Duration
		disable bool
		lastErr string
	}{
		{"2xx succeeds", d(0, 5), "standard", 204, "", nil, "succeeded", 0, false, ""},
		{"bond 200", d(0, 5), "bond", 200, "", nil, "succeeded", 0, false, ""},
		{"bond 202 is a failure", d(0, 5), "bond", 202, "", nil, "pending", time.Second, false, "Bond accepts only 200 or 201"},
		{"bond 201", d(0, 5), "bond", 201, "", nil, "succeeded", 0, false, ""},
		{"mono 200", d(0, 5), "mono", 200, "", nil, "succeeded", 0, false, ""},
		{"mono 201 is a failure", d(0, 5), "mono", 201, "", nil, "pending", time.Second, false, "Mono accepts only 200"},
		{"mono 204 is a failure", d(0, 5), "mono", 204, "", nil, "pending", time.Second, false, "Mono accepts only 200"},
		{"500 retries on schedule", d(1, 5), "standard", 500, "", nil, "pending", 2 * time.Second, false, "HTTP 500"},
		{"3xx is not followed, retried", d(0, 5), "standard", 302, "", nil, "pending", time.Second, false, "HTTP 302"},
		{"network error retried", d(0, 5), "standard", 0, "connection refused", nil, "pending", time.Second, false, "connection refused"},
		{"last attempt fails", d(4, 5), "standard", 500, "", nil, "failed", 0, false, "HTTP 500"},
		{"410 disables", d(0, 5), "standard", 410, "", nil, "failed", 0, true, "HTTP 410 Gone: endpoint removed"},
		{"svix abort", d(0, 5), "standard", 500, "", hdr("webhook-delivery", "abort-message"), "failed", 0, false, "abort-message"},
		{"429 Retry-After honoured", d(0, 5), "standard", 429, "", hdr("Retry-After", "3"), "pending", 3 * time.Second, false, "HTTP 429"},
		{"503 Retry-After capped by the schedule", d(0, 5), "standard", 503, "", hdr("Retry-After", "3600"), "pending", 8 * time.Second, false, ""},
		{"Retry-After shorter than the schedule", d(2, 5), "standard", 429, "", hdr("Retry-After", "1"), "pending", 4 * time.Second, false, ""},
		{"Retry-After ignored on 500", d(0, 5), "standard", 500, "", hdr("Retry-After", "5"), "pending", time.Second, false, ""},
		// a replay: 5 attempts done, budget extended by a 2-attempt schedule
		{"replay uses its own schedule", &store.Delivery{AttemptCount: 5, MaxAttempts: 7, Schedule: "0s,3s"}, "standard", 500, "", nil, "pending", 3 * time.Second, false, ""},
		{"no-retry", &store.Delivery{AttemptCount: 0, MaxAttempts: 1, Schedule: "0s"}, "standard", 500, "", nil, "failed", 0, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &store.Attempt{ResponseStatus: tt.status, Error: tt.errText}
			h := tt.h
			if h == nil {
				h = http.Header{}
			}
			u, disable := Decide(tt.d, tt.scheme, a, h, now, noJitter)
			if u.Status != tt.want || disable != tt.disable {
				t.Fatalf("status %q disable %v, want %q %v (%+v)", u.Status, disable, tt.want, tt.disable, u)
			}
			if tt.want == "pending" && u.NextAttemptAt.Sub(now) != tt.next {
				t.Errorf("next attempt in %s, want %s", u.NextAttemptAt.Sub(now), tt.next)
			}
			if !strings.Contains(u.LastError, tt.lastErr) {
				t.Errorf("last error %q, want it to contain %q", u.LastError, tt.lastErr)
			}
			if u.LastStatus != tt.status {
				t.Errorf("last status %d, want %d", u.LastStatus, tt.status)
			}
		})
	}
}

// fakeScheme signs with a header listing the secrets and the timestamp, so
// tests can see what was signed with what.
type fakeScheme struct{ name string }

func (f fakeScheme) Name() string { return f.name }
func (f fakeScheme) Sign(in signature.SignInput) (http.Header, error) {
	h := http.Header{}
	h.Set("X-Fake-Signature", fmt.Sprintf("t=%d;id=%s;secrets=%s", in.Timestamp.UnixNano(), in.ID, strings.Join(in.Secrets, "|")))
	if f.name == "standard" {
		h.Set("webhook-id", in.ID)
	}
	return h, nil
}
func (f fakeScheme) Verify(signature.VerifyInput) error { return nil }

func fakeLookup(name string) (signature.Scheme, error) {
	if name == "nope" {
		return nil, &signature.ErrUnknownScheme{Name: name}
	}
	return fakeScheme{name}, nil
}

type recorded struct {
	method string
	header http.Header
	body   string
}

// receiver answers with statuses[i] for the i-th request (then 200).
type receiver struct {
	mu       sync.Mutex
	reqs     []recorded
	statuses []int
	inflight atomic.Int32
	peak     atomic.Int32
	delay    time.Duration
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	n := r.inflight.Add(1)
	defer r.inflight.Add(-1)
	for {
		p := r.peak.Load()
		if n <= p || r.peak.CompareAndSwap(p, n) {
			break
		}
	}
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	i := len(r.reqs)
	r.reqs = append(r.reqs, recorded{req.Method, req.Header.Clone(), string(b)})
	status := 200
	if i < len(r.statuses) {
		status = r.statuses[i]
	}
	r.mu.Unlock()
	if r.delay > 0 {
		time.Sleep(r.delay)
	}
	if status == 302 {
		w.Header().Set("Location", "/elsewhere")
	}
	w.Header().Set("X-Receiver", "yes")
	w.WriteHeader(status)
	fmt.Fprintf(w, "answer %d", i+1)
}

func newEngine(st store.Store, runID string, c int) *Engine {
	return &Engine{
		Store:       st,
		Sender:      &Sender{Client: NewHTTPClient(2*time.Second, c), UserAgent: "hookctl/test", Lookup: fakeLookup},
		Concurrency: c,
		RunID:       runID,
		Poll:        5 * time.Millisecond,
		Jitter:      func(d time.Duration) time.Duration { return d },
	}
}

// runUntilFinal runs e until none of the store's deliveries is pending.
func runUntilFinal(t *testing.T, e *Engine, st *memStore) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Run(ctx, func() bool { return st.statuses()[store.DeliveryPending] == 0 }); err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatalf("deliveries still pending: %v", st.statuses())
	}
}

func TestEngineRetriesThenSucceeds(t *testing.T) {
	rcv := &receiver{statuses: []int{500, 302}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	st := newMemStore()
	ctx := context.Background()
	sub := &store.Subscription{ID: "sub-1", CallbackURL: srv.URL + "/ignored", Status: store.StatusEnabled, Events: []string{"card.*"},
		Secret: "whsec_new", PreviousSecret: "whsec_old", PreviousSecretExpiresAt: time.Now().Add(time.Hour),
		Scheme: "auto", Headers: map[string]string{"X-Team": "payments"}}
	st.CreateSubscription(ctx, sub)
	ev := &store.Event{ID: "evt_1", Type: "card.created", Provider: "standard", Payload: []byte(`{"a": 1}`), ContentType: "application/json", Source: store.SourceTriggered}
	plan := Plan{Schedule: Schedule{0, 10 * time.Millisecond, 10 * time.Millisecond}, RunID: "run1", Headers: map[string]string{"X-Run": "1"}}
	d := plan.NewDelivery(sub, time.Now())
	d.URL = srv.URL + "/hooks" // Delivery.URL is authoritative
	if err := Enqueue(ctx, st, ev, []*store.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	var results []Result
	var mu sync.Mutex
	e := newEngine(st, "run1", 2)
	e.OnResult = func(r Result) { mu.Lock(); results = append(results, r); mu.Unlock() }
	runUntilFinal(t, e, st)

	if len(rcv.reqs) != 3 {
		t.Fatalf("receiver saw %d requests, want 3", len(rcv.reqs))
	}
	sigs := map[string]bool{}
	for i, r := range rcv.reqs {
		if r.method != "POST" || r.body != `{"a": 1}` {
			t.Errorf("request %d: %s %q", i, r.method, r.body)
		}
		for k, want := range map[string]string{"User-Agent": "hookctl/test", "Content-Type": "application/json", "webhook-id": "evt_1", "X-Team": "payments", "X-Run": "1"} {
			if got := r.header.Get(k); got != want {
				t.Errorf("request %d: %s = %q, want %q", i, k, got, want)
			}
		}
		sig := r.header.Get("X-Fake-Signature")
		if !strings.Contains(sig, "id=evt_1;secrets=whsec_new|whsec_old") {
			t.Errorf("request %d not signed with both secrets of the rotation: %q", i, sig)
		}
		sigs[sig] = true
	}
	if len(sigs) != 3 {
		t.Errorf("each attempt must be signed afresh: %d distinct signatures", len(sigs))
	}
	got, _ := st.GetDelivery(ctx, d.ID)
	if got.Status != store.DeliverySucceeded || got.AttemptCount != 3 {
		t.Errorf("delivery %s after %d attempts, want succeeded after 3", got.Status, got.AttemptCount)
	}
	atts, _ := st.ListAttempts(ctx, d.ID)
	if len(atts) != 3 || atts[0].ResponseStatus != 500 || atts[1].ResponseStatus != 302 || atts[2].ResponseStatus != 200 {
		t.Fatalf("attempts: %+v", atts)
	}
	a := atts[2]
	if a.Number != 3 || string(a.ResponseBody) != "answer 3" || a.ResponseHeaders["X-Receiver"][0] != "yes" ||
		a.RequestHeaders["Webhook-Id"][0] != "evt_1" || a.Duration <= 0 || a.RequestURL != srv.URL+"/hooks" || a.RequestMethod != "POST" {
		t.Errorf("attempt not fully recorded: %+v", a)
	}
	if len(results) != 3 || !results[2].Final || results[0].Final || results[2].Event.ID != "evt_1" {
		t.Errorf("results: %+v", results)
	}
}

func TestEngineGoneDisablesSubscription(t *testing.T) {
	rcv := &receiver{statuses: []int{410}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	st := newMemStore()
	ctx := context.Background()
	sub := &store.Subscription{ID: "sub-1", CallbackURL: srv.URL, Status: store.StatusEnabled, Secret: "s", Scheme: "stripe", Method: "PUT"}
	st.CreateSubscription(ctx, sub)
	ev := &store.Event{ID: "evt_1", Type: "x", Payload: []byte("{}")}
	d := Plan{}.NewDelivery(sub, time.Now())
	Enqueue(ctx, st, ev, []*store.Delivery{d})
	var disabled atomic.Bool
	e := newEngine(st, "", 1)
	e.OnResult = func(r Result) { disabled.Store(r.Disabled) }
	runUntilFinal(t, e, st)
	got, _ := st.GetSubscription(ctx, "sub-1")
	if got.Status != store.StatusDisabled || !disabled.Load() {
		t.Errorf("subscription %s after 410, want disabled", got.Status)
	}
	if len(rcv.reqs) != 1 || rcv.reqs[0].method != "PUT" || rcv.reqs[0].header.Get("X-Fake-Signature") == "" {
		t.Errorf("requests: %+v", rcv.reqs)
	}
	del, _ := st.GetDelivery(ctx, d.ID)
	if del.Status != store.DeliveryFailed {
		t.Errorf("delivery %s, want failed", del.Status)
	}
}

func TestEngineAdHocAndPermanentErrors(t *testing.T) {
	rcv := &receiver{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	st := newMemStore()
	ctx := context.Background()
	ev := &store.Event{ID: "evt_1", Type: "x", Provider: "bond", Payload: []byte("{}")}
	ok := Plan{}.AdHoc(srv.URL, "github", "s3cret", time.Now())
	badScheme := Plan{}.AdHoc(srv.URL, "nope", "s3cret", time.Now())
	noSecret := Plan{}.AdHoc(srv.URL, "github", "", time.Now())
	Enqueue(ctx, st, ev, []*store.Delivery{ok, badScheme, noSecret})
	runUntilFinal(t, newEngine(st, "", 4), st)
	if len(rcv.reqs) != 1 || !strings.Contains(rcv.reqs[0].header.Get("X-Fake-Signature"), "secrets=s3cret") {
		t.Fatalf("want exactly the valid ad-hoc delivery sent, signed with its secret: %+v", rcv.reqs)
	}
	if got := rcv.reqs[0].header.Get("X-GitHub-Delivery"); got != "evt_1" {
		t.Errorf("github id header = %q", got)
	}
	for _, id := range []string{badScheme.ID, noSecret.ID} {
		d, _ := st.GetDelivery(ctx, id)
		if d.Status != store.DeliveryFailed || d.AttemptCount != 1 || d.LastError == "" {
			t.Errorf("%s: %s after %d attempts (%q): a delivery that cannot be signed fails at once", id, d.Status, d.AttemptCount, d.LastError)
		}
	}
}

func TestEngineConcurrencyAndRunFilter(t *testing.T) {
	rcv := &receiver{delay: 5 * time.Millisecond}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	st := newMemStore()
	ctx := context.Background()
	for i := range 200 {
		ev := &store.Event{ID: fmt.Sprintf("evt_%d", i), Type: "x", Payload: []byte("{}")}
		Enqueue(ctx, st, ev, []*store.Delivery{Plan{RunID: "mine"}.AdHoc(srv.URL, "", "", time.Now())})
	}
	other := &store.Event{ID: "evt_other", Type: "x", Payload: []byte("{}")}
	Enqueue(ctx, st, other, []*store.Delivery{Plan{RunID: "theirs"}.AdHoc(srv.URL, "", "", time.Now())})
	e := newEngine(st, "mine", 8)
	var finals atomic.Int32
	e.OnResult = func(r Result) {
		if r.Final {
			finals.Add(1)
		}
	}
	runCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	e.Run(runCtx, func() bool { return finals.Load() == 200 })
	if finals.Load() != 200 || len(rcv.reqs) != 200 {
		t.Fatalf("%d final, %d requests; want 200", finals.Load(), len(rcv.reqs))
	}
	if p := rcv.peak.Load(); p > 8 || p < 2 {
		t.Errorf("peak concurrency %d, want 2..8", p)
	}
	if st.statuses()[store.DeliveryPending] != 1 {
		t.Errorf("the other run's delivery must stay pending: %v", st.statuses())
	}
}

// Cancelling an engine's run lets the attempts in flight finish and
// records them; what was not started stays pending, none leased. The
// receiver holds the attempts until after the cancel, so they are surely
// in flight when it comes (a cancel after a 100 ms sleep could come
// before the engine had started them on a loaded machine).
func TestEngineCancelFinishesInFlight(t *testing.T) {
	var arrived atomic.Int32
	three := make(chan struct{})
	release := make(chan struct{})
	var released atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if arrived.Add(1) == 3 {
			close(three)
		}
		<-release
		w.WriteHeader(200)
	}))
	defer srv.Close()
	st := newMemStore()
	ctx := context.Background()
	for i := range 10 {
		ev := &store.Event{ID: fmt.Sprintf("evt_%d", i), Type: "x", Payload: []byte("{}")}
		Enqueue(ctx, st, ev, []*store.Delivery{Plan{}.AdHoc(srv.URL, "", "", time.Now())})
	}
	e := newEngine(st, "", 3)
	e.Sender.Client = NewHTTPClient(time.Minute, 3) // the held attempts do not time out
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-three: // all three workers' attempts are at the receiver
		case <-time.After(30 * time.Second):
		}
		cancel()
		time.Sleep(100 * time.Millisecond) // a Run that did not wait returns meanwhile
		released.Store(true)
		close(release)
	}()
	if err := e.Run(runCtx, nil); err != nil {
		t.Fatal(err)
	}
	if !released.Load() {
		t.Errorf("Run returned before the attempts in flight were answered")
	}
	if n := arrived.Load(); n != 3 {
		t.Errorf("the receiver got %d requests, want the 3 in flight at the cancel and none after", n)
	}
	s := st.statuses()
	if s[store.DeliverySucceeded] != 3 || s[store.DeliveryPending] != 7 {
		t.Errorf("after cancel: %v; want the 3 in flight succeeded and 7 pending, none leased", s)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, d := range st.dels {
		if d.LeaseOwner != "" {
			t.Errorf("delivery %s left leased after a clean stop", d.ID)
		}
	}
}

func TestEngineTimeout(t *testing.T) {
	t.Parallel()
	rcv := &receiver{delay: 2 * time.Second}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	st := newMemStore()
	ctx := context.Background()
	ev := &store.Event{ID: "evt_1", Type: "x", Payload: []byte("{}")}
	Enqueue(ctx, st, ev, []*store.Delivery{Plan{Schedule: Schedule{0}}.AdHoc(srv.URL, "", "", time.Now())})
	e := newEngine(st, "", 1)
	e.Sender.Client = NewHTTPClient(200*time.Millisecond, 1)
	runUntilFinal(t, e, st)
	atts, _ := st.ListAttempts(ctx, "del-1")
	if len(atts) != 1 || !strings.Contains(atts[0].Error, "timeout after 200ms") || atts[0].ResponseStatus != 0 {
		t.Errorf("attempt: %+v", atts)
	}
}

func TestMatches(t *testing.T) {
	s := &store.Subscription{Status: store.StatusEnabled, Events: []string{"card.*", "kyc.verification.success"}}
	for typ, want := range map[string]bool{"card.created": true, "card.status.active": true, "kyc.verification.success": true, "kyc.verification.error": false} {
		if Matches(s, typ, "bond") != want {
			t.Errorf("Matches(%q) != %v", typ, want)
		}
	}
	s.Provider = "mono"
	if Matches(s, "card.created", "bond") {
		t.Error("a mono subscription must not take bond events")
	}
	s.Provider = "saas,stripe"
	if !Matches(s, "card.created", "stripe") || !Matches(s, "card.created", "saas") || Matches(s, "card.created", "bond") {
		t.Error("a subscription of saas and stripe takes the events of both, and only theirs")
	}
	s.Provider, s.Status = "", store.StatusDisabled
	if Matches(s, "card.created", "bond") {
		t.Error("a disabled subscription takes nothing")
	}
}
