package check

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/delivery"
)

// Config is one run of the checks.
type Config struct {
	URL    string
	Scheme string // effective scheme name (never "auto")
	Secret string // current secret ("" only for unsigned Mambu)
	// PreviousSecret is the subscription's secret before its last
	// rotation, and PreviousUntil the end of its grace period: until
	// then deliveries are signed with it too (alone for a scheme that
	// carries one signature), and after it the receiver must refuse it.
	PreviousSecret string
	PreviousUntil  time.Time
	// SecretFrom says where Secret came from ("--secret", "subscription
	// ID", …), for a hint when valid events are refused.
	SecretFrom string
	Provider   string
	Catalog    *catalog.Catalog
	Event      *catalog.EventType // base event of the probes
	Method     string             // subscription's method ("" = each event's own)
	Headers    map[string]string  // subscription's custom headers
	// Deadline: valid events must be answered within it.
	Deadline time.Duration
	// Timeout is the hard limit of one request (0 = the larger of twice
	// the deadline and the deadline plus 5s), so a slow answer is still
	// seen and reported with its latency.
	Timeout time.Duration
	Burst   int
	// Effect runs --effect-cmd and returns its output (nil: no command).
	Effect func(ctx context.Context) (string, error)
	// Settle is how long the effect is watched after a delivery (0 = 3s).
	Settle   time.Duration
	Selected map[string]bool // nil = every check
	Insecure bool
	Recorder Recorder
	// SpoolDir is where a burst's answers wait for the Recorder in a
	// temporary file ("", or when the file cannot be created there: the
	// system's temporary directory).
	SpoolDir string
	RunID    string
	Version  string
	Now      func() time.Time
}

// DefaultDeadline is the provider's documented timeout: GitHub 10 s,
// Svix / Standard Webhooks 15 s, else 10 s.
func DefaultDeadline(provider, scheme string) time.Duration {
	switch {
	case scheme == "standard" || scheme == "svix" || scheme == "standard-ed25519" || provider == "standard" || provider == "svix":
		return 15 * time.Second
	}
	return 10 * time.Second
}

// ErrEffectTimeout is the error of an --effect-cmd that did not exit in
// time (wrapped with what happened): the run stops on it.
var ErrEffectTimeout = errors.New("--effect-cmd did not finish")

// UnreachableError: the URL answered no probe at all.
type UnreachableError struct {
	URL string
	Err string
	// H2C: the receiver answers HTTP/2's preface but no HTTP/1.1 request.
	H2C bool
	// TLS: the receiver at an http:// URL speaks HTTPS on that port.
	TLS bool
}

func (e *UnreachableError) Error() string {
	if e.H2C {
		return fmt.Sprintf("cannot reach %s over HTTP/1.1: the receiver speaks only HTTP/2 without TLS (h2c); an HTTP/1.1 request got %s", e.URL, e.Err)
	}
	if e.TLS {
		return fmt.Sprintf("cannot reach %s over plain HTTP: the receiver speaks HTTPS (TLS) on that port; the HTTP request got %s", e.URL, e.Err)
	}
	return fmt.Sprintf("cannot reach %s: %s", e.URL, e.Err)
}

// Hints says what to check.
func (e *UnreachableError) Hints() []string {
	if e.H2C {
		return []string{"providers send webhooks over HTTP/1.1: enable HTTP/1.1 on the receiver (it can keep h2c beside it)"}
	}
	if e.TLS {
		return []string{"use an https:// URL: hookctl check " + httpsURL(e.URL) + " (add --insecure for a self-signed certificate)"}
	}
	if h := delivery.FailureHint(e.URL, e.Err); h != "" && !strings.Contains(e.Err, "connection refused") {
		return []string{h}
	}
	return []string{"is the receiver running and listening on that address? start it before hookctl check (in CI: wait for its port)"}
}

// ExitCode: environment.
func (e *UnreachableError) ExitCode() int { return 3 }

// ResourcesError: hookctl could not send probes for want of its own
// resources (the open files a burst's connections take): no verdict on
// the receiver can be given.
type ResourcesError struct {
	Err   string
	Burst int
}

func (e *ResourcesError) Error() string {
	return "hookctl could not send every probe for want of its own resources, so no verdict is given: " + e.Err
}

// Hints says how to make room.
func (e *ResourcesError) Hints() []string {
	return []string{fmt.Sprintf("raise the limit of open files (ulimit -n) or send a smaller burst than --burst %d: each of its requests takes a connection at once", e.Burst)}
}

// ExitCode: environment.
func (e *ResourcesError) ExitCode() int { return 3 }

// NotApplicableError: none of the selected checks applies to the scheme.
type NotApplicableError struct {
	Scheme string
	Why    []string
}

func (e *NotApplicableError) Error() string {
	return fmt.Sprintf("none of the selected checks applies to scheme %s", e.Scheme)
}

// Hints lists why each was skipped.
func (e *NotApplicableError) Hints() []string { return e.Why }

// ExitCode: bad usage.
func (e *NotApplicableError) ExitCode() int { return 2 }

type runner struct {
	cfg       Config
	props     Props
	sender    *delivery.Sender
	runID     string
	rep       *Report
	reached   atomic.Bool
	recordErr atomic.Pointer[error]
	// resources is the error of the first probe hookctl could not send
	// for want of its own open files or ports (the run has no verdict).
	resources atomic.Pointer[string]

	// stage is the check whose probes are being sent; hung is the first
	// probe that got no answer within the timeout, or could not connect
	// to a receiver reached before (it went away), and the check it was
	// sent for: nothing more is sent then. dropped is the check of the
	// first probe whose connection was closed unanswered (where a
	// receiver that went away most likely crashed).
	stage   string
	hung    atomic.Pointer[hang]
	dropped atomic.Pointer[string]
	// refused is the first valid probe when it got a 4xx: a rejects-*
	// check's 4xx then proves nothing.
	refused *outcome
	// acceptedBody is the start of the first valid probe's 2xx answer:
	// a rejects-* probe answered 2xx with another body that reads as a
	// refusal was refused in the body only (refusalBody).
	acceptedBody string

	latMu   sync.Mutex
	slowest outcome // slowest valid probe
	nValid  int
	// alone is how long each valid probe of a new event sent alone
	// took to be answered 2xx (survives-burst: the receiver's own
	// time); answered, how long each took to be answered at all
	// (responds-fast). Not a duplicate's nor an unknown type's: a
	// handler answers those without its work (validNoWork).
	alone, answered []time.Duration
	// over counts the valid probes answered after the deadline (or
	// not at all in time); first is the run's first valid probe.
	over  int
	first *outcome
	// loop: the first probe was redirected to this URL, which redirects
	// back (redirectLoop); set before any other probe is sent.
	loop     string
	loopSelf bool
	// loopID is the recorded request redirectLoop sent to loopTo, the
	// URL the first probe's redirect leads to (set with loop).
	loopID, loopTo string
	// desynced holds the recorded probes the receiver's server read
	// from the middle of another request (outcome.desync): their
	// checks fail with desyncHint, whatever their answer would say.
	desynced sync.Map
}

func (r *runner) now() time.Time {
	if r.cfg.Now != nil {
		return r.cfg.Now()
	}
	return time.Now()
}

func (r *runner) on(id string) bool { return r.cfg.Selected == nil || r.cfg.Selected[id] }

// valid notes a valid probe's latency for responds-fast.
func (r *runner) valid(o outcome) { r.noteValid(o, true) }

// validNoWork notes a valid probe a handler may answer without doing
// its work (a duplicate, an unknown event type): its answer counts as
// the slowest, not as what one event takes.
func (r *runner) validNoWork(o outcome) { r.noteValid(o, false) }

func (r *runner) noteValid(o outcome, work bool) {
	r.latMu.Lock()
	defer r.latMu.Unlock()
	r.nValid++
	if o.timedOut() || o.a.Duration > r.cfg.Deadline {
		r.over++
	}
	if r.first == nil {
		r.first = &o
	}
	if o.slowerThan(r.slowest) {
		r.slowest = o
	}
	if !work {
		return
	}
	if o.ok() {
		r.alone = append(r.alone, o.a.Duration)
	}
	if !o.noResponse() {
		r.answered = append(r.answered, o.a.Duration)
	}
}

// median is the middle of ds (the lower one of an even count: of two,
// the faster), 0 for none.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[(len(ds)-1)/2]
}

// ownTime is the receiver's own time for one event, what a burst's
// slowest answer is compared with to tell a queue from a slow handler:
// the median of the valid events it answered alone, or the burst's
// fastest answer when that is slower (a handler working 3 s before
// answering, concurrently, answers even its first burst event in 3 s;
// under --only survives-burst nothing was sent alone). Not the slowest
// answer alone: one delayed by a busy machine (786 ms at load 20, of a
// receiver answering in 130 ms) or a large payload's longer parse made a
// queue of 1.3 s behind one worker pass as "as slow as one event alone".
// It says which it is (true: alone).
func (r *runner) ownTime(fastest time.Duration) (time.Duration, bool) {
	r.latMu.Lock()
	alone := median(r.alone)
	none := len(r.alone) == 0
	r.latMu.Unlock()
	if none || alone < fastest {
		return fastest, false
	}
	return alone, true
}

func (o outcome) slowerThan(p outcome) bool {
	return p.a == nil || o.a.Duration > p.a.Duration
}

// Run runs the selected checks against cfg.URL.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Catalog == nil || cfg.Event == nil {
		return nil, errors.New("check: no catalog event")
	}
	if cfg.Deadline <= 0 {
		cfg.Deadline = DefaultDeadline(cfg.Provider, cfg.Scheme)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = max(2*cfg.Deadline, cfg.Deadline+5*time.Second)
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 50
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 3 * time.Second
	}
	props, err := SchemeProps(cfg.Scheme, cfg.Secret)
	if err != nil {
		return nil, err
	}
	client := delivery.NewHTTPClient(cfg.Timeout, cfg.Burst)
	if cfg.Insecure {
		delivery.SkipTLSVerify(client)
	}
	v := cfg.Version
	if v == "" {
		v = "dev"
	}
	r := &runner{cfg: cfg, props: props, runID: cfg.RunID,
		sender: &delivery.Sender{Client: client, UserAgent: "hookctl/" + v}}
	if r.runID == "" {
		r.runID = delivery.NewRunID()
	}
	if br, ok := cfg.Recorder.(BatchRecorder); ok {
		g := &groupRecorder{rec: br, dir: cfg.SpoolDir}
		defer g.close()
		r.cfg.Recorder = g
	}
	r.rep = &Report{URL: cfg.URL, Scheme: props.Name, Provider: cfg.Provider, Event: cfg.Event.Type,
		RunID: r.runID, Deadline: cfg.Deadline}
	start := time.Now()
	if err := r.run(ctx); err != nil {
		return nil, err
	}
	if p := r.resources.Load(); p != nil {
		return nil, &ResourcesError{Err: *p, Burst: cfg.Burst}
	}
	if p := r.recordErr.Load(); p != nil {
		return nil, fmt.Errorf("recording probes: %w", *p)
	}
	for i, c := range r.rep.Checks {
		if _, ok := r.desynced.Load(c.DeliveryID); ok && c.DeliveryID != "" && c.Verdict != Skip && c.ID != RespondsFast {
			// (responds-fast judges how soon answers came, which its
			// evidence's did)
			r.rep.Checks[i].Verdict, r.rep.Checks[i].Hint = Fail, desyncHint
		}
	}
	r.rep.Elapsed = time.Since(start)
	r.rep.ElapsedMS = r.rep.Elapsed.Milliseconds()
	r.rep.finish()
	if len(r.rep.Checks) > 0 && r.rep.Summary.Skipped == len(r.rep.Checks) {
		var why []string
		for _, c := range r.rep.Checks {
			why = append(why, c.ID+": "+c.Detail)
		}
		return r.rep, &NotApplicableError{Scheme: props.Name, Why: why}
	}
	return r.rep, nil
}

func (r *runner) skip(id, why string) {
	if r.on(id) {
		r.rep.add(Result{ID: id, Verdict: Skip, Detail: why})
	}
}

// hang is a probe the receiver never answered, or one it no longer
// took the connection of (gone: it stopped listening after it was
// reached, e.g. it crashed on an earlier probe).
type hang struct {
	stage string
	o     outcome
	gone  bool
	// dropped is the check whose probe got its connection closed
	// unanswered before the receiver went away ("" when none).
	dropped string
}

// begin names the check whose probes are sent next; false once the
// receiver hung on a probe: nothing more is sent (each probe would wait
// the whole timeout again) and notRun fails the checks left.
// runs reports whether check id is selected and may start (the receiver
// has not hung), and makes it the probe running.
func (r *runner) runs(id string) bool { return r.on(id) && r.begin(id) }

func (r *runner) begin(id string) bool {
	if r.hung.Load() != nil {
		return false
	}
	r.stage = id
	return true
}

// notApplicable is why check id cannot apply to this run's events ("":
// it applies), for the checks that find out only when they start: one
// not run because the receiver hung is skipped as it would have been,
// not failed.
func (r *runner) notApplicable(id string) string {
	switch id {
	case ToleratesOutOfOrder:
		if first, _ := relatedPair(r.cfg.Catalog, r.cfg.Event); first == nil {
			return "the " + r.cfg.Event.Provider + " catalog has no related events to send out of order"
		}
	case IgnoresUnknownEvent:
		if ev, _, err := r.build(r.cfg.Event); err == nil {
			if _, _, ok := unknownType(ev.Provider, ev.Payload, ev.ContentType, ev.Type); !ok {
				return "the type of " + r.cfg.Event.QualifiedName() + " events is not in their body"
			}
		}
	case AcceptsTemplateMethods:
		if r.props.Name != "mambu" {
			return "Mambu only (scheme is " + r.props.Name + ")"
		}
	case DedupesDuplicate:
		if r.cfg.Effect == nil {
			return "no --effect-cmd to observe what the app did"
		}
	}
	return ""
}

// goneHint says where a receiver that went away most likely crashed.
func (h *hang) goneHint() string {
	if h.dropped != "" {
		return fmt.Sprintf("the receiver went away after the %s probe, which it closed without an answer: did it crash there? (see its log; in Node an exception or unhandled promise rejection in a handler ends the whole server)", h.dropped)
	}
	return "the receiver went away after it answered earlier probes: did it exit or crash? (see its log)"
}

// notRun fails the selected checks that got no verdict because the
// receiver hung or went away, naming the probe it did not answer or
// could not connect for.
func (r *runner) notRun() {
	h := r.hung.Load()
	if h == nil {
		return
	}
	done := map[string]bool{}
	for _, c := range r.rep.Checks {
		done[c.ID] = true
	}
	detail := fmt.Sprintf("not run: the receiver did not answer the %s probe within %s", h.stage, ms(r.cfg.Timeout))
	hint := ""
	if h.gone {
		detail = fmt.Sprintf("not run: the receiver stopped accepting connections (the %s probe got %s)", h.stage, h.o.a.Error)
		hint = h.goneHint()
	}
	for _, id := range IDs() {
		if !r.on(id) || done[id] {
			continue
		}
		if why := r.notApplicable(id); why != "" {
			r.skip(id, why) // as it would have been, hung or not
			continue
		}
		r.rep.add(Result{ID: id, Verdict: Fail, DeliveryID: h.o.deliveryID, Detail: detail, Hint: hint})
	}
}

func (r *runner) run(ctx context.Context) error {
	if err := r.probes(ctx); err != nil {
		return err
	}
	if r.on(RespondsFast) {
		r.respondsFast(ctx)
	}
	r.notRun()
	return nil
}

// probes sends the probes of the selected checks, in order, and judges
// their answers (all but responds-fast, judged from them).
func (r *runner) probes(ctx context.Context) error {
	base, method, err := r.build(r.cfg.Event)
	if err != nil {
		return err
	}
	dedupe := r.on(DedupesDuplicate) && r.cfg.Effect != nil
	var before string
	if dedupe {
		if before, err = r.cfg.Effect(ctx); err != nil {
			return err
		}
	}
	// The first probe: a valid event. It also tells whether the URL can
	// be reached at all.
	r.begin(AcceptsValid)
	first := r.send(ctx, probe{ev: base, method: method})
	if first.notConnected() {
		return &UnreachableError{URL: r.cfg.URL, Err: first.a.Error}
	}
	if first.noResponse() && !first.timedOut() && ctx.Err() == nil && speaksOnlyH2C(ctx, r.cfg.URL) {
		return &UnreachableError{URL: r.cfg.URL, Err: first.a.Error, H2C: true}
	}
	if (first.noResponse() && !first.timedOut() || first.a.ResponseStatus == http.StatusBadRequest) && ctx.Err() == nil && speaksTLS(ctx, r.cfg.URL) {
		// An https receiver given as http://: its refusal of plain HTTP
		// is no verdict on the receiver (it was "the receiver refused a
		// correctly signed event", or "does it crash on this request?").
		return &UnreachableError{URL: r.cfg.URL, Err: first.evidence(), TLS: true}
	}
	if first.redirect() && ctx.Err() == nil {
		r.loop, r.loopSelf = r.redirectLoop(ctx, first, method)
		first.loop, first.loopSelf, first.loopID, first.loopTo = r.loop, r.loopSelf, r.loopID, r.loopTo
	}
	r.valid(first)
	if st := first.a.ResponseStatus; st >= 400 && st < 500 {
		r.refused = &first
	}
	if first.ok() {
		r.acceptedBody = firstBytes(first.a.ResponseBody)
	}
	if r.on(AcceptsValid) {
		hint := r.validHint()
		m := method
		if m == "" {
			m = "POST"
		}
		switch st := first.a.ResponseStatus; st {
		case 400, 401, 403: // a failed verification
			hint = r.refusedValidHint()
		case 500: // an exception the handler let through: no raw body?
			if h := r.noRawBodyHint(); h != "" {
				hint = h
			}
		// Not a verdict on verification: the request did not reach the
		// webhook handler (a typo in the path is the commonest cause).
		case http.StatusNotFound:
			hint = "nothing takes the request at this URL (404 Not Found): is its path the app's webhook route? A provider counts a 404 as a failed delivery and retries it"
		case http.StatusMethodNotAllowed:
			hint = fmt.Sprintf("the URL does not take %s requests (405 Method Not Allowed): is its path the app's webhook route, and does that route take %s?", m, m)
		case http.StatusUnsupportedMediaType:
			hint = fmt.Sprintf("the receiver refused the content type %s (415 Unsupported Media Type): accept the content type the provider sends (is the body parser limited to another one?)", base.ContentType)
		}
		r.rep.add(r.judgeValid(AcceptsValid, first, "a valid event", hint))
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	// Duplicate of the first event: same id, same body, signed afresh.
	var after string
	var changed bool
	if dedupe && r.hung.Load() == nil {
		if after, changed, err = r.watchEffect(ctx, before, r.cfg.Settle, true); err != nil {
			return err
		}
	}
	dupStage := AcknowledgesDuplicate
	if !r.on(dupStage) {
		dupStage = DedupesDuplicate
	}
	if (r.on(AcknowledgesDuplicate) || r.on(DedupesDuplicate)) && r.begin(dupStage) {
		dup := r.send(ctx, probe{ev: base, method: method})
		r.validNoWork(dup)
		if r.on(AcknowledgesDuplicate) {
			r.rep.add(r.judgeValid(AcknowledgesDuplicate, dup, "the same event again (id "+base.ID+")",
				"answer 2xx to an event you have already processed: the provider retries until it gets one"))
		}
		switch {
		case !r.on(DedupesDuplicate):
		case r.cfg.Effect == nil:
			r.skip(DedupesDuplicate, "no --effect-cmd to observe what the app did")
			r.rep.Checks[len(r.rep.Checks)-1].Hint = "pass --effect-cmd 'CMD' printing what the app did (e.g. a row count)"
		case !changed && !first.ok():
			// Nothing to de-duplicate: the app did not take the event.
			r.rep.add(first.result(DedupesDuplicate, Fail,
				"the first delivery was not accepted ("+first.evidence()+"), so there was nothing to de-duplicate",
				"accept a valid event first (see accepts-valid)"))
		case !changed:
			res := first.result(DedupesDuplicate, Fail,
				fmt.Sprintf("--effect-cmd output did not change within %s after the first delivery (still %q)", ms(r.cfg.Settle), short(before)),
				"the effect command must print what the app did with the event (e.g. a row count); an app slower than that needs a longer --effect-wait")
			r.rep.add(res)
		default:
			// The duplicate is watched for the whole --effect-wait: how
			// soon the first delivery took effect says nothing of when
			// the duplicate would. An app acting through a job queue
			// polled every 2 s acts on the first in 0 to 2 s, and on the
			// duplicate at the next poll, 2 s after that.
			final, moved, err := r.watchEffect(ctx, after, r.cfg.Settle, false)
			if err != nil {
				return err
			}
			if moved {
				r.rep.add(dup.result(DedupesDuplicate, Fail,
					fmt.Sprintf("the duplicate took effect again: --effect-cmd printed %q, then %q after the first delivery, then %q after the duplicate", short(before), short(after), short(final)),
					"de-duplicate by "+r.dedupeKey()+" before acting: keep what you processed"))
			} else if res, err := r.newEventTakesEffect(ctx, dup, before, after, final); err != nil {
				return err
			} else {
				r.rep.add(res)
			}
		}
	}

	// Negative checks: signed by trigger's code, then altered.
	mark, err := r.markEffect(ctx, dedupe && changed)
	if err != nil {
		return err
	}
	if len(r.props.SigHeaders) == 0 {
		why := r.unsignedWhy()
		r.skip(RejectsMissingSig, why)
		r.skip(RejectsWrongSecret, why)
	} else {
		if r.runs(RejectsMissingSig) {
			ev, m, err := r.build(r.cfg.Event)
			if err != nil {
				return err
			}
			sig := r.props.SigHeaders
			o := r.send(ctx, probe{ev: ev, method: m, alter: func(h http.Header, b []byte) []byte {
				for _, k := range sig {
					h.Del(k)
				}
				return b
			}})
			r.rep.add(r.judgeReject(RejectsMissingSig, o, "without "+strings.Join(headerNames(sig), ", ")))
		}
		if r.runs(RejectsWrongSecret) {
			ev, m, err := r.build(r.cfg.Event)
			if err != nil {
				return err
			}
			other, err := OtherSecret(r.props.Name, r.cfg.Secret)
			if err != nil {
				return err
			}
			what := r.sentWith("another")
			if r.retired() {
				// The secret a receiver is likeliest to accept wrongly:
				// the one it had before the rotation.
				other = r.cfg.PreviousSecret
				what = r.sentWith("previous") + ", whose grace period ended " + r.cfg.PreviousUntil.UTC().Format(time.RFC3339)
			}
			o := r.send(ctx, probe{ev: ev, method: m, secrets: []string{other}})
			r.rep.add(r.judgeReject(RejectsWrongSecret, o, what))
		}
	}
	if !r.props.SignsBody {
		r.skip(RejectsTamperedBody, "scheme "+r.props.Name+" does not sign the body")
	} else if r.runs(RejectsTamperedBody) {
		ev, m, err := r.build(r.cfg.Event)
		if err != nil {
			return err
		}
		bad := tamper(ev.Payload, ev.ContentType)
		o := r.send(ctx, probe{ev: ev, method: m, sent: bad, alter: func(_ http.Header, _ []byte) []byte { return bad }})
		r.rep.add(r.judgeReject(RejectsTamperedBody, o, "body changed after signing"))
	}
	if err := r.malformedSig(ctx); err != nil {
		return err
	}
	if !r.props.Timestamp {
		r.skip(RejectsStaleTimestamp, "scheme "+r.props.Name+" signs no timestamp")
		r.skip(RejectsFutureTimestamp, "scheme "+r.props.Name+" signs no timestamp")
	} else {
		if r.runs(RejectsStaleTimestamp) {
			ev, m, err := r.build(r.cfg.Event)
			if err != nil {
				return err
			}
			o := r.send(ctx, probe{ev: ev, method: m, signAt: r.now().Add(-probeSkew)})
			res, err := r.tolerance(ctx, r.judgeReject(RejectsStaleTimestamp, o, "signed 10m ago (tolerance 5m)"), o, -1)
			if err != nil {
				return err
			}
			r.rep.add(res)
		}
		if !r.props.BoundsFuture {
			r.skip(RejectsFutureTimestamp, "scheme "+r.props.Name+" bounds only the age of a timestamp")
		} else if r.runs(RejectsFutureTimestamp) {
			ev, m, err := r.build(r.cfg.Event)
			if err != nil {
				return err
			}
			o := r.send(ctx, probe{ev: ev, method: m, signAt: r.now().Add(probeSkew)})
			res, err := r.tolerance(ctx, r.judgeReject(RejectsFutureTimestamp, o, "signed 10m ahead (tolerance 5m)"), o, 1)
			if err != nil {
				return err
			}
			r.rep.add(res)
		}
	}
	if err := r.judgeRejectedEffect(ctx, mark); err != nil {
		return err
	}
	if err := r.rawBody(ctx); err != nil {
		return err
	}
	if !r.props.MultiSig && r.inGrace() {
		// One signature per request: until the grace period ends the
		// deliveries are signed with the previous secret alone (the
		// last one given, as trigger signs them), after it with the
		// current one, which the other probes use.
		if r.runs(AcceptsRotatedSecret) {
			ev, m, err := r.build(r.cfg.Event)
			if err != nil {
				return err
			}
			until := r.cfg.PreviousUntil.UTC().Format(time.RFC3339)
			o := r.send(ctx, probe{ev: ev, method: m, secrets: []string{r.cfg.Secret, r.cfg.PreviousSecret}})
			r.valid(o)
			r.rep.add(r.judgeValid(AcceptsRotatedSecret, o, r.sentWith("previous")+", as deliveries are until its grace period ends ("+until+")",
				r.rotatedHint(until)))
		}
	} else if !r.props.MultiSig {
		r.skip(AcceptsRotatedSecret, r.oneCredentialWhy())
	} else if r.runs(AcceptsRotatedSecret) {
		ev, m, err := r.build(r.cfg.Event)
		if err != nil {
			return err
		}
		other, err := OtherSecret(r.props.Name, r.cfg.Secret)
		if err != nil {
			return err
		}
		// The valid signature between two others: a receiver that
		// checks only the first, or only the last, fails (a delivery in
		// a rotation's grace period carries the current secret's first
		// and the previous one's last: one checking only the last
		// refused every such delivery, and passed with the valid
		// signature last).
		other2, err := OtherSecret(r.props.Name, r.cfg.Secret)
		if err != nil {
			return err
		}
		o := r.send(ctx, probe{ev: ev, method: m, secrets: []string{other, r.cfg.Secret, other2}})
		r.valid(o)
		r.rep.add(r.judgeValid(AcceptsRotatedSecret, o, "three signatures, the valid one in the middle",
			"check every signature in the header, not only the first or the last"))
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.runs(ToleratesOutOfOrder) {
		if err := r.outOfOrder(ctx); err != nil {
			return err
		}
	}
	if r.runs(IgnoresUnknownEvent) {
		ev, m, err := r.build(r.cfg.Event)
		if err != nil {
			return err
		}
		if body, typ, ok := unknownType(ev.Provider, ev.Payload, ev.ContentType, ev.Type); !ok {
			r.skip(IgnoresUnknownEvent, "the type of "+r.cfg.Event.QualifiedName()+" events is not in their body")
		} else {
			ev.Payload, ev.Type = body, typ
			o := r.send(ctx, probe{ev: ev, method: m})
			r.validNoWork(o)
			what := "type " + typ
			switch {
			case o.ok():
				r.rep.add(o.result(IgnoresUnknownEvent, Pass, what+": "+o.evidence(), ""))
			case o.a.ResponseStatus >= 400 && o.a.ResponseStatus < 500 && o.a.ResponseStatus != http.StatusTooManyRequests:
				hint := "answer 2xx to event types you do not handle: providers add types, and some disable endpoints that keep failing"
				if r.refusedAsFirst(o) {
					hint = r.refusedHint()
				}
				r.rep.add(o.result(IgnoresUnknownEvent, Warn, what+": "+o.evidence(), hint))
			case o.a.ResponseStatus >= 500:
				r.rep.add(o.result(IgnoresUnknownEvent, Fail, what+": "+o.evidence(),
					o.failedHint("answer 2xx to event types you do not handle: a 5xx is retried for days")))
			default:
				// No answer, a redirect, a 2xx the provider retries: what
				// to do about it says more than the type.
				hint := o.noAnswerHint()
				if hint == "" {
					hint = "answer 2xx to event types you do not handle"
				}
				r.rep.add(o.result(IgnoresUnknownEvent, Fail, what+": "+o.evidence(), hint))
			}
		}
	}
	if r.runs(AcceptsLargePayload) {
		ev, m, err := r.build(r.cfg.Event)
		if err != nil {
			return err
		}
		ev.Payload = pad(ev.Payload, ev.ContentType, largeSize)
		o := r.send(ctx, probe{ev: ev, method: m})
		r.valid(o)
		r.rep.add(r.judgeValid(AcceptsLargePayload, o, fmt.Sprintf("%d KiB body", len(ev.Payload)>>10),
			"raise the body size limit of your framework (e.g. express.raw({limit: '1mb'}))"))
	}
	if r.runs(AcceptsTemplateMethods) {
		if err := r.templateMethods(ctx); err != nil {
			return err
		}
	}
	if r.runs(SurvivesBurst) {
		if err := r.burst(ctx); err != nil {
			return err
		}
	}
	return ctx.Err()
}

const largeSize = 256 << 10

// newEventTakesEffect judges dedupes-duplicate once the duplicate took
// no effect (--effect-cmd printed final, as after the first delivery):
// one more valid event, new (another id), must take effect. A receiver
// that de-duplicates by a key every event shares (a header the provider
// does not send, read as undefined: webhook-id where Svix sends svix-id)
// acts on the first event only and passed, though it drops every event
// after it.
func (r *runner) newEventTakesEffect(ctx context.Context, dup outcome, before, after, final string) (Result, error) {
	pass := dup.result(DedupesDuplicate, Pass,
		fmt.Sprintf("effect %q → %q after the first delivery, unchanged for %s after the duplicate", short(before), short(after), ms(r.cfg.Settle)), "")
	ev, m, err := r.build(r.cfg.Event)
	if err != nil {
		return Result{}, err
	}
	o := r.send(ctx, probe{ev: ev, method: m})
	r.valid(o)
	if !o.ok() || ctx.Err() != nil {
		return pass, nil // not taken: no verdict on what the app does with it (its other checks say)
	}
	got, moved, err := r.watchEffect(ctx, final, r.cfg.Settle, true)
	if err != nil {
		return Result{}, err
	}
	if moved {
		pass.Detail += fmt.Sprintf(", then %q after a new event", short(got))
		return pass, nil
	}
	return o.result(DedupesDuplicate, Fail,
		fmt.Sprintf("a new event (id %s) took no effect: --effect-cmd printed %q, then %q after the first delivery, the same after its duplicate and still %q %s after the new event: %s",
			ev.ID, short(before), short(after), short(got), ms(r.cfg.Settle), o.evidence()),
		"the app acted on the first event only and took the new one, with another id, for its duplicate: is its de-duplication key the same for every event (a header the provider does not send reads as undefined or empty)? de-duplicate by "+r.dedupeKey()), nil
}

// dedupeKey is what identifies an event for de-duplication: the
// scheme's id header, else what the provider's own events carry in the
// body. A scheme without an id header gets none from hookctl either, as
// from its provider: no header is named that production never sends.
func (r *runner) dedupeKey() string {
	if h := delivery.IDHeader(r.props.Name); h != "" {
		return "the event id (" + h + " header)"
	}
	switch r.cfg.Event.Provider {
	case "bond":
		return "the event name and occurred_at in the body (Bond's events carry no id, and Bond sends no Idempotency-Key header)"
	case "stripe", "saas":
		return "the event's id in the body (evt_…)"
	case "mono":
		return "the event_id in the body (where the event has one, else a hash of the body)"
	}
	return "the event's id in the body"
}

func headerNames(hs []string) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = strings.ToLower(h)
	}
	return out
}

func short(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}

// judgeValid: a valid event must get 2xx.
func (r *runner) judgeValid(id string, o outcome, what, hint string) Result {
	detail := what + ": " + o.evidence()
	if o.ok() {
		return o.result(id, Pass, detail, "")
	}
	if h := o.noAnswerHint(); h != "" {
		hint = h
	}
	if id != AcceptsValid && r.refusedAsFirst(o) {
		hint = r.refusedHint()
	}
	return o.result(id, Fail, detail, o.failedHint(hint))
}

// refusedAsFirst: o got the 4xx the first valid event got. The receiver
// refuses valid events (a parsed body, a wrong secret): what a later
// check varies is not the cause, and its own hint would send the
// developer after the wrong fix.
func (r *runner) refusedAsFirst(o outcome) bool {
	return r.refused != nil && o.a.ResponseStatus == r.refused.a.ResponseStatus
}

func (r *runner) refusedHint() string {
	return fmt.Sprintf("valid events are refused with %d as well (see accepts-valid): make accepts-valid pass first, this probe's difference is not the cause",
		r.refused.a.ResponseStatus)
}

// judgeReject: a bad request must get 4xx.
func (r *runner) judgeReject(id string, o outcome, what string) Result {
	detail := what + ": " + o.evidence()
	st := o.a.ResponseStatus
	switch {
	case st == http.StatusTooManyRequests:
		// A rate limit refused it, whatever its signature: no verdict
		// on verification (it passed a receiver that verifies nothing).
		return o.result(id, Fail, detail, o.noAnswerHint())
	case st >= 400 && st < 500 && r.refused != nil:
		return o.result(id, Fail, detail, fmt.Sprintf("the valid delivery was rejected as well (%d): a receiver that rejects every request proves nothing by rejecting this one; make accepts-valid pass first",
			r.refused.a.ResponseStatus))
	case st >= 400 && st < 500:
		return o.result(id, Pass, detail, "")
	case st >= 200 && st < 300:
		if b := r.refusalBody(o); b != "" {
			// It verified and refused, in its body only: "an attacker's
			// request would be processed" sent its developer looking for
			// a verification that is there. The status is what is wrong.
			return o.result(id, Fail, detail, fmt.Sprintf("it answered %d with a body that reads as a refusal (%s), but the provider reads only the status: a %d is a delivered event, so a forged or broken request never shows as a failed delivery; answer 400 or 401 to a request that fails verification",
				st, b, st))
		}
		return o.result(id, Fail, detail, r.acceptedHint(id))
	case st >= 500:
		return o.result(id, Fail, detail, o.failedHint("a 5xx makes the provider retry it for days: answer 400 or 401 to a request that fails verification"))
	case o.timedOut():
		return o.result(id, Fail, detail, "answer 400 or 401 at once to a request that fails verification")
	case o.gone != nil:
		return o.result(id, Fail, detail, o.gone.goneHint())
	case o.redirect() && r.first != nil && r.first.redirect():
		// Every request is redirected (an HTTP-to-HTTPS rule, a wrong
		// path): this one never reached verification, and "answer 400
		// or 401 to a request that fails verification" sent the
		// developer after a handler the request never got to.
		return o.result(id, Fail, detail, fmt.Sprintf("the valid event was redirected as well (%d, see accepts-valid): this request never reached the handler's verification; ",
			r.first.a.ResponseStatus)+o.noAnswerHint())
	case st == 0, o.redirect():
		return o.result(id, Fail, detail, "answer 400 or 401 to a request that fails verification; "+o.noAnswerHint())
	}
	return o.result(id, Fail, detail, "answer 400 or 401 to a request that fails verification")
}

// refusalWords are what an answer that refuses a request says (compiled
// on first use: every hookctl command would pay for it at start).
var refusalWords = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)invalid|unauthori[sz]ed|forbidden|denied|reject|refused|\berror\b|fail|mismatch|not verified|bad request|no signatures? found`)
})

// refusalBody is the start of o's answer when it reads as a refusal and
// is not what the receiver answers a valid event ("" otherwise): a
// receiver that answers {"error":null} to everything says nothing by it.
func (r *runner) refusalBody(o outcome) string {
	b := firstBytes(o.a.ResponseBody)
	if b == "" || b == r.acceptedBody || !refusalWords().MatchString(b) {
		return ""
	}
	return b
}

// inGrace: the subscription's previous secret still signs deliveries.
func (r *runner) inGrace() bool {
	return r.cfg.PreviousSecret != "" && r.cfg.PreviousSecret != r.cfg.Secret && r.now().Before(r.cfg.PreviousUntil)
}

// retired: the subscription has a previous secret whose grace period
// has ended: the receiver must refuse it now.
func (r *runner) retired() bool {
	return r.cfg.PreviousSecret != "" && r.cfg.PreviousSecret != r.cfg.Secret && !r.cfg.PreviousUntil.IsZero() && !r.now().Before(r.cfg.PreviousUntil)
}

// acceptedHint is what to fix in a receiver that accepted the probe of
// rejects-* check id: what that probe lacks, not verification in
// general (a receiver that checks the signature and not its timestamp
// is told about the timestamp).
func (r *runner) acceptedHint(id string) string {
	const answer = "answer 400 or 401"
	switch id {
	case RejectsMissingSig:
		return "accepted without " + strings.Join(headerNames(r.props.SigHeaders), ", ") + ": an attacker's request would be processed; refuse a request that lacks it (" + answer + ") instead of skipping the check"
	case RejectsWrongSecret:
		return r.wrongSecretHint(answer)
	case RejectsTamperedBody:
		return "accepted a body changed after signing: verify the signature over the raw body bytes as received, not over some of its fields, and " + answer + " when it does not match"
	case RejectsStaleTimestamp:
		return "accepted a request signed 10 minutes ago: a captured request could be replayed; checking the signature is not enough: also " + answer + " when the signed timestamp is more than 5 minutes old"
	case RejectsFutureTimestamp:
		return "accepted a request signed 10 minutes ahead: checking the signature is not enough: also " + answer + " when the signed timestamp is more than 5 minutes in the future"
	}
	return "accepted: an attacker's request would be processed; verify the signature and " + answer
}

// farSkew is how far off the second probe of a stale or future
// timestamp is signed, once the first, 10 minutes off, was accepted.
const farSkew = 24 * time.Hour

// tolerance tells, once a receiver accepted the probe signed 10 minutes
// ago (dir -1) or ahead (dir 1), whether it checks the timestamp at all:
// it sends one signed a day off. A receiver that refuses that one checks
// the timestamp with a tolerance wider than the scheme's 5 minutes (15
// minutes, an hour), and "checking the signature is not enough" sent its
// developer after a check that is there; the hint now says what was seen.
// res is the verdict on the first probe o, returned as is unless that
// probe was accepted.
func (r *runner) tolerance(ctx context.Context, res Result, o outcome, dir time.Duration) (Result, error) {
	if st := o.a.ResponseStatus; res.Verdict != Fail || st < 200 || st >= 300 || r.hung.Load() != nil || ctx.Err() != nil {
		return res, nil
	}
	if r.refusalBody(o) != "" {
		return res, nil // refused in its body: the status is what to fix
	}
	ev, m, err := r.build(r.cfg.Event)
	if err != nil {
		return res, err
	}
	far := r.send(ctx, probe{ev: ev, method: m, signAt: r.now().Add(dir * farSkew)})
	when, age := "ago", "old"
	if dir > 0 {
		when, age = "ahead", "in the future"
	}
	const answer = "answer 400 or 401"
	switch st := far.a.ResponseStatus; {
	case st >= 400 && st < 500 && st != http.StatusTooManyRequests:
		res.Detail += "; signed 24h " + when + ": " + far.evidence()
		res.Hint = fmt.Sprintf("accepted a timestamp 10 minutes %s but refused one 24 hours %s: the receiver checks the timestamp, with a tolerance wider than the scheme's 5 minutes (a captured request can be replayed for longer); %s when the signed timestamp is more than 5 minutes %s",
			age, age, answer, age)
	case st >= 200 && st < 300:
		res.Detail += "; signed 24h " + when + ": " + far.evidence()
		res.Hint += fmt.Sprintf(" (a timestamp 24 hours %s was accepted too: the timestamp is not checked at all)", age)
	}
	return res, nil
}

// watchEffect polls the effect command for up to d and returns as soon
// as the output differs from base (changed), else after d. wantChange
// polls faster (the first delivery's effect, waited for). A failing run
// of the command is polled again; one that did not finish in time
// (ErrEffectTimeout) ends the watch with its error.
func (r *runner) watchEffect(ctx context.Context, base string, d time.Duration, wantChange bool) (string, bool, error) {
	start := time.Now()
	out := base
	for {
		got, err := r.cfg.Effect(ctx)
		if errors.Is(err, ErrEffectTimeout) {
			return out, false, err
		}
		if err == nil {
			out = got
			if got != base {
				return got, true, nil
			}
		}
		if time.Since(start) >= d || ctx.Err() != nil {
			return out, false, nil
		}
		step := 50 * time.Millisecond
		if !wantChange {
			step = 100 * time.Millisecond
		}
		select {
		case <-ctx.Done():
		case <-time.After(step):
		}
	}
}

// outOfOrderAge is how much older than the newer event the older event
// of tolerates-out-of-order is: more than a second (Stripe's and Mono's
// times are in seconds or milliseconds), well inside any signature
// tolerance (the signature is made when it is sent).
const outOfOrderAge = time.Minute

func (r *runner) outOfOrder(ctx context.Context) error {
	first, later := relatedPair(r.cfg.Catalog, r.cfg.Event)
	if first == nil {
		r.skip(ToleratesOutOfOrder, "the "+r.cfg.Event.Provider+" catalog has no related events to send out of order")
		return nil
	}
	now := r.now() // one instant: the two events' times are a minute apart exactly
	evLater, mLater, bLater, err := r.buildWith(later, catalog.BuildOptions{Now: now, Generated: true})
	if err != nil {
		return err
	}
	// The older event is older in its own body too (occurred_at,
	// created, timestamp): built as of a minute before the newer one, as
	// a delivery that was delayed or retried arrives. Built after it, it
	// said it happened after the newer one, so a receiver that compares
	// the events' times saw them in order, and one that fails an event
	// older than what it has seen passed.
	// Its {PLACEHOLDER}s that name objects (Mambu's client, account)
	// take the newer one's values: the pair is about the same account
	// whatever its format (a text template has no JSON paths to relate).
	evFirst, mFirst, bFirst, err := r.buildWith(first, catalog.BuildOptions{Now: now.Add(-outOfOrderAge), Subject: bLater.Subject, Generated: true})
	if err != nil {
		return err
	}
	evFirst.Payload = relateGenerated(evFirst.Payload, evLater.Payload, evFirst.ID, evLater.ID, bFirst.Generated, bLater.Generated)
	// The objects the two share existed at the older event: their times
	// in the newer one are as of then (created), but when they last
	// changed (updated_at).
	evLater.Payload = ageSharedTimes(evLater.Payload, bLater.Generated, evFirst.Payload, evFirst.ID, evLater.ID, outOfOrderAge)
	o1 := r.send(ctx, probe{ev: evLater, method: mLater})
	r.valid(o1)
	// Unless the receiver hung on the first (then judged alone).
	o2 := o1
	if r.hung.Load() == nil {
		o2 = r.send(ctx, probe{ev: evFirst, method: mFirst})
		r.valid(o2)
	}
	what := fmt.Sprintf("%s then %s", later.Type, first.Type)
	switch {
	case !o1.ok() && o1.noAnswerHint() != "":
		r.rep.add(o1.result(ToleratesOutOfOrder, Fail, what+": "+later.Type+" got "+o1.evidence(), o1.noAnswerHint()))
	case !o1.ok() && r.refusedAsFirst(o1):
		r.rep.add(o1.result(ToleratesOutOfOrder, Fail, what+": "+later.Type+" got "+o1.evidence(), r.refusedHint()))
	case !o1.ok():
		r.rep.add(o1.result(ToleratesOutOfOrder, Fail, what+": "+later.Type+" got "+o1.evidence(),
			o1.failedHint("accept an event about an object you have not seen yet (store it, or fetch the object): the order of deliveries is not guaranteed")))
	case !o2.ok():
		r.rep.add(o2.result(ToleratesOutOfOrder, Fail, what+": "+first.Type+" got "+o2.evidence(),
			o2.failedHint("accept an older event after a newer one (compare timestamps instead of failing)")))
	default:
		slow := o1
		if o2.slowerThan(o1) {
			slow = o2
		}
		r.rep.add(slow.result(ToleratesOutOfOrder, Pass, what+": "+o1.evidence()+", "+o2.evidence(), ""))
	}
	return nil
}

func (r *runner) templateMethods(ctx context.Context) error {
	if r.props.Name != "mambu" {
		r.skip(AcceptsTemplateMethods, "Mambu only (scheme is "+r.props.Name+")")
		return nil
	}
	var ets []*catalog.EventType
	if r.cfg.Method != "" && r.cfg.Method != "POST" {
		ets = append(ets, r.cfg.Event)
	} else {
		seen := map[string]bool{}
		for _, et := range r.cfg.Catalog.List(r.cfg.Event.Provider, "") {
			if m := strings.ToUpper(et.Method); m != "" && m != "POST" && !seen[m] {
				seen[m] = true
				ets = append(ets, et)
			}
		}
	}
	if len(ets) == 0 {
		r.skip(AcceptsTemplateMethods, "the catalog has no Mambu template with a method other than POST")
		return nil
	}
	var parts []string
	var worst outcome
	failed := false
	for _, et := range ets {
		if r.hung.Load() != nil {
			break // judged by the probe that hung
		}
		ev, m, err := r.build(et)
		if err != nil {
			return err
		}
		o := r.send(ctx, probe{ev: ev, method: m})
		r.valid(o)
		if m == "" {
			m = "POST"
		}
		parts = append(parts, fmt.Sprintf("%s %s: %s", m, ev.ContentType, o.evidence()))
		if !o.ok() && !failed {
			worst, failed = o, true
		} else if !failed && o.slowerThan(worst) {
			worst = o
		}
	}
	if failed {
		r.rep.add(worst.result(AcceptsTemplateMethods, Fail, strings.Join(parts, "; "),
			"accept the method and content type your Mambu notification template uses (PUT, PATCH; XML, text)"))
	} else {
		r.rep.add(worst.result(AcceptsTemplateMethods, Pass, strings.Join(parts, "; "), ""))
	}
	return nil
}

func (r *runner) burst(ctx context.Context) error {
	n := r.cfg.Burst
	probes := make([]probe, n)
	for i := range probes {
		ev, m, err := r.build(r.cfg.Event)
		if err != nil {
			return err
		}
		probes[i] = probe{ev: ev, method: m}
	}
	// Each answer is tallied as it comes and then let go: the verdict
	// needs the counts and the worst probe, and the report the start of
	// its answer (excerpt). Kept whole (up to delivery.MaxResponseBody
	// each) until the burst was judged, --burst 2000 against a receiver
	// answering 64 KiB took 235 MB; the store has them whole.
	var (
		mu                       sync.Mutex
		bad, slow, timeouts, cut int
		statuses                 = map[int]int{}
		worst                    outcome
		fastest                  = time.Duration(-1)
		wg                       sync.WaitGroup
	)
	tally := func(o outcome) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case o.noResponse():
			bad++
			if o.timedOut() {
				timeouts++
			}
		case !o.ok():
			bad++
			switch {
			case o.timedOut(): // a status, then a body that stalled
				timeouts++
			case o.a.Error != "": // a status, then the connection closed
				cut++
			default:
				statuses[o.a.ResponseStatus]++
			}
		case o.a.Duration > r.cfg.Deadline:
			slow++
		}
		if worst.a == nil || (!o.ok() && worst.ok()) || (o.ok() == worst.ok() && o.slowerThan(worst)) {
			worst = o
		}
		if fastest < 0 || o.a.Duration < fastest {
			fastest = o.a.Duration
		}
	}
	start := time.Now()
	for i := range probes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := probes[i]
			probes[i] = probe{} // its event is recorded: let it go too
			tally(r.send(ctx, p))
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	events := "events"
	if n == 1 {
		events = "event" // --burst 1
	}
	detail := fmt.Sprintf("%d %s at once in %s, slowest %s", n, events, ms(wall), ms(worst.a.Duration))
	if bad == 0 && slow == 0 {
		// What the burst added to the receiver's own time (a handler
		// that works 3 s before answering, concurrently, is slow, not
		// queued: responds-fast says so).
		own, alone := r.ownTime(fastest)
		waited := worst.a.Duration - own
		limit := max(r.cfg.Deadline/4, time.Second)
		if worst.a.Duration > limit && waited > limit {
			// All in time, but a burst a few times larger would not be:
			// requests wait in a queue (one worker, a small listen
			// backlog whose overflow costs SYN retransmits of 1 s, 3 s, 7 s).
			r.rep.add(worst.result(SurvivesBurst, Warn, fmt.Sprintf("%s, over a quarter of the %s deadline", detail, ms(r.cfg.Deadline)),
				"requests wait in a queue: acknowledge first and queue the work, and let the server take more concurrent connections (workers, threads, listen backlog)"))
			return nil
		}
		if worst.a.Duration > limit {
			of := "one event alone"
			if !alone {
				of = "its fastest answer"
			}
			detail += fmt.Sprintf(", as slow as %s (%s): no queueing", of, ms(own))
		}
		r.rep.add(worst.result(SurvivesBurst, Pass, detail, ""))
		return nil
	}
	var what []string
	if slow > 0 {
		what = append(what, fmt.Sprintf("%d answered after the %s deadline", slow, ms(r.cfg.Deadline)))
	}
	if timeouts > 0 {
		what = append(what, fmt.Sprintf("%d timed out", timeouts))
	}
	if e := bad - timeouts - cut - sum(statuses); e > 0 {
		what = append(what, fmt.Sprintf("%d got no answer", e))
	}
	if cut > 0 {
		what = append(what, fmt.Sprintf("%d got an answer cut short", cut))
	}
	for _, st := range slices.Sorted(maps.Keys(statuses)) {
		what = append(what, fmt.Sprintf("%d answered %d", statuses[st], st))
	}
	hint := worst.failedHint("acknowledge first and queue the work; make sure the server accepts enough concurrent connections")
	if worst.gone != nil {
		hint = worst.gone.goneHint()
	} else if h := worst.noAnswerHint(); h != "" && !worst.timedOut() {
		hint = h // a redirect, a 2xx the provider does not count, a closed connection
	} else if r.refused != nil && slow == 0 && statuses[r.refused.a.ResponseStatus] == bad {
		hint = r.refusedHint() // every failure is the refusal of accepts-valid
	}
	r.rep.add(worst.result(SurvivesBurst, Fail, detail+"; "+strings.Join(what, ", ")+"; worst: "+worst.evidence(), hint))
	return nil
}

func sum(m map[int]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func (r *runner) respondsFast(ctx context.Context) {
	r.latMu.Lock()
	slow, n := r.slowest, r.nValid
	typical, answered, over := median(r.answered), len(r.answered), r.over
	wasFirst := r.first != nil && r.first.a == slow.a
	r.latMu.Unlock()
	if slow.a == nil {
		return
	}
	d := slow.a.Duration
	detail := fmt.Sprintf("slowest of %d valid events: %s (deadline %s)", n, slow.evidence(), ms(r.cfg.Deadline))
	if n == 1 {
		detail = fmt.Sprintf("the one valid event: %s (deadline %s)", slow.evidence(), ms(r.cfg.Deadline))
	}
	switch {
	case slow.noResponse() && !slow.timedOut():
		r.rep.add(slow.result(RespondsFast, Fail, detail, slow.noAnswerHint()))
	case !slow.noResponse() && d > r.cfg.Deadline && over == 1 && answered > 1 && typical <= time.Second:
		// One answer late, the others quick: a cold start (a dev
		// server compiling the route on its first request, a lazy
		// connection pool) or a pause, not a handler working before it
		// answers: "answer 2xx first" sent its developer after the
		// wrong fix. Still a failure: the provider gives up on it.
		which := "one valid event was"
		if wasFirst {
			which = "the first valid event was"
		}
		r.rep.add(slow.result(RespondsFast, Fail, fmt.Sprintf("%s; median %s: only this one was slow", detail, ms(typical)),
			fmt.Sprintf("only %s answered after the deadline (the others' median %s): a cold start (code loaded or compiled on the first request, a connection opened lazily) or a pause, not a slow handler; the provider gives up on it and retries: warm the receiver up before it takes deliveries (in CI: send it a request, or wait for a readiness check that runs the webhook route, before hookctl check)",
				which, ms(typical))))
	case slow.noResponse() || d > r.cfg.Deadline:
		r.rep.add(slow.result(RespondsFast, Fail, detail,
			"the provider gives up at the deadline and retries: answer 2xx first, then process the event asynchronously"))
	case d > time.Second && answered > 1 && typical <= time.Second:
		// In time, and most new events were answered quickly: a
		// handler that works before answering does so for every new
		// event. One slow answer is a cold start (the first request to
		// a Node receiver took 1-2 s on a busy machine, the next ones
		// 2-900 ms) or a pause of the machine: it warned, and
		// "acknowledge first" was the wrong advice.
		r.rep.add(slow.result(RespondsFast, Pass, fmt.Sprintf("%s; median %s: not a slow handler", detail, ms(typical)), ""))
	case d > time.Second:
		r.rep.add(slow.result(RespondsFast, Warn, detail,
			"acknowledge first (2xx), then process the event asynchronously"))
	default:
		r.rep.add(slow.result(RespondsFast, Pass, detail, ""))
	}
}
