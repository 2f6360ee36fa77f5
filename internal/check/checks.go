// Package check judges a webhook receiver against the rules every provider
// gives its subscribers: verify the signature and reject what fails, reject
// stale timestamps, answer 2xx fast, acknowledge duplicates but act on them
// once, tolerate events out of order, ignore unknown event types.
//
// Each check sends probes: real signed requests built by the same code as
// `hookctl trigger` (delivery.Sender), deliberately altered for the
// negative checks, and recorded in the store as deliveries of kind probe
// tagged with the run, so `hookctl deliveries show` explains a verdict.
// The package holds no HTTP server and no SQL.
package check

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
)

// Verdict is the outcome of one check.
type Verdict string

// Verdicts.
const (
	Pass Verdict = "PASS"
	Fail Verdict = "FAIL"
	Warn Verdict = "WARN"
	Skip Verdict = "SKIP"
)

// Def describes a check for --list.
type Def struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Sends   string `json:"sends"`
	Expects string `json:"expects"`
	Applies string `json:"applies"` // which schemes
}

// Check ids, stable: CI configurations name them in --only and --skip.
const (
	AcceptsValid           = "accepts-valid"
	RespondsFast           = "responds-fast"
	RejectsMissingSig      = "rejects-missing-signature"
	RejectsWrongSecret     = "rejects-wrong-secret"
	RejectsTamperedBody    = "rejects-tampered-body"
	RejectsMalformedSig    = "rejects-malformed-signature"
	VerifiesRawBody        = "verifies-raw-body"
	IgnoresRejected        = "ignores-rejected"
	RejectsStaleTimestamp  = "rejects-stale-timestamp"
	RejectsFutureTimestamp = "rejects-future-timestamp"
	AcceptsRotatedSecret   = "accepts-rotated-secret"
	AcknowledgesDuplicate  = "acknowledges-duplicate"
	DedupesDuplicate       = "dedupes-duplicate"
	ToleratesOutOfOrder    = "tolerates-out-of-order"
	IgnoresUnknownEvent    = "ignores-unknown-event"
	AcceptsLargePayload    = "accepts-large-payload"
	SurvivesBurst          = "survives-burst"
	AcceptsTemplateMethods = "accepts-template-methods"
)

// Defs lists every check in the order they run and are reported.
var Defs = []Def{
	{AcceptsValid, "accepts a valid event", "a valid, freshly signed catalog event", "2xx", "all"},
	{RespondsFast, "answers within the deadline", "the valid events of the other checks", "every answer within --deadline (WARN above 1s)", "all"},
	{RejectsMissingSig, "rejects a request without signature", "a valid event with the signature header(s) removed", "4xx", "schemes that send a signature or secret"},
	{RejectsWrongSecret, "rejects a wrong secret", "a valid event signed with another secret (a subscription's previous secret once its rotation grace period has ended)", "4xx", "schemes that send a signature or secret"},
	{RejectsTamperedBody, "rejects a tampered body", "a signed event whose body is changed after signing", "4xx", "schemes that sign the body"},
	{RejectsMalformedSig, "rejects a malformed signature", "a valid event whose signature header(s) are cut to half their length", "4xx (a 5xx or a crash fails)", "schemes that send a signature or secret"},
	{RejectsStaleTimestamp, "rejects a stale timestamp", "a valid event signed 10 minutes ago", "4xx", "schemes with a signed timestamp (standard, stripe, bond, slack)"},
	{RejectsFutureTimestamp, "rejects a timestamp in the future", "a valid event signed 10 minutes ahead", "4xx", "schemes whose verification bounds the future (standard, bond, slack)"},
	{IgnoresRejected, "does not act on requests that fail verification", "no request of its own: --effect-cmd before and after the rejects-* probes", "the effect unchanged, whatever they were answered (when some were accepted, a change is theirs: SKIP)", "schemes that send a signature or secret (needs --effect-cmd and a PASS of dedupes-duplicate)"},
	{VerifiesRawBody, "verifies the raw body, not re-serialised JSON", "a valid event whose JSON text changes when parsed and serialised again (a field with an escaped \\u00e9 and \\/ beside a raw é)", "2xx", "schemes that sign the body, JSON events"},
	{AcceptsRotatedSecret, "accepts several signatures (secret rotation)", "a valid event signed with two old secrets and the current one, the valid signature in the middle (one signature per request: a subscription's previous secret, during its rotation grace period)", "2xx", "schemes that carry several signatures (standard, stripe); every scheme during a subscription's rotation grace period"},
	{AcknowledgesDuplicate, "acknowledges a duplicate", "the valid event again: same id, re-signed", "2xx", "all"},
	{DedupesDuplicate, "acts on a duplicate once", "the valid event, then its duplicate, running --effect-cmd before and after each", "the effect changes after the first delivery and not after the duplicate", "all (needs --effect-cmd)"},
	{ToleratesOutOfOrder, "tolerates events out of order", "two related events newest first (e.g. card.status.active before card.created, stamped a minute earlier)", "2xx for both", "providers with related events"},
	{IgnoresUnknownEvent, "ignores an unknown event type", "a well-signed event of a type the provider does not document", "2xx (4xx is a WARN)", "all"},
	{AcceptsLargePayload, "accepts a large payload", "a valid event padded to 256 KiB", "2xx", "all"},
	{SurvivesBurst, "survives a burst", "--burst valid events at once", "all 2xx within the deadline (the burst adding more than a quarter of it, and 1 s, to one event's time is a WARN)", "all"},
	{AcceptsTemplateMethods, "accepts Mambu template methods", "events with the subscription's method and content type (PUT XML, PATCH text)", "2xx", "mambu"},
}

// IDs returns every check id, in order.
func IDs() []string {
	ids := make([]string, len(Defs))
	for i, d := range Defs {
		ids[i] = d.ID
	}
	return ids
}

func defOf(id string) Def {
	for _, d := range Defs {
		if d.ID == id {
			return d
		}
	}
	return Def{ID: id, Title: id}
}

// UnknownCheckError is an --only or --skip id that is not a check.
type UnknownCheckError struct {
	ID, Flag, Suggestion string
}

func (e *UnknownCheckError) Error() string {
	return fmt.Sprintf("unknown check %q in %s", e.ID, e.Flag)
}

// Hints suggests the closest id and how to list them.
func (e *UnknownCheckError) Hints() []string {
	var h []string
	if e.Suggestion != "" {
		h = append(h, fmt.Sprintf("did you mean %q?", e.Suggestion))
	}
	return append(h, "list the checks: hookctl check --list")
}

// ExitCode: bad usage.
func (e *UnknownCheckError) ExitCode() int { return 2 }

// Select returns the set of checks to run given --only and --skip (ids,
// comma-separated or repeated), or an *UnknownCheckError.
func Select(only, skip []string) (map[string]bool, error) {
	parse := func(flag string, vals []string) ([]string, error) {
		var out []string
		for _, v := range vals {
			for _, id := range strings.Split(v, ",") {
				id = strings.TrimSpace(id)
				if id == "" {
					continue
				}
				if defOf(id).Sends == "" {
					return nil, &UnknownCheckError{ID: id, Flag: flag, Suggestion: suggest(id, IDs())}
				}
				out = append(out, id)
			}
		}
		return out, nil
	}
	o, err := parse("--only", only)
	if err != nil {
		return nil, err
	}
	s, err := parse("--skip", skip)
	if err != nil {
		return nil, err
	}
	sel := map[string]bool{}
	if len(o) == 0 {
		for _, id := range IDs() {
			sel[id] = true
		}
	}
	for _, id := range o {
		sel[id] = true
	}
	for _, id := range s {
		delete(sel, id)
	}
	return sel, nil
}

// suggest returns the candidate closest to s (edit distance, or a
// candidate containing s), or "".
func suggest(s string, cands []string) string {
	best, bestD := "", 1<<30
	for _, c := range cands {
		d := catalog.EditDistance(s, c)
		if strings.Contains(c, s) && len(s) >= 4 {
			d = min(d, 2)
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	if bestD <= max(3, len(s)/3) {
		return best
	}
	return ""
}

// Result is one check's verdict and its evidence.
type Result struct {
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	Verdict Verdict `json:"verdict"`
	// Status is the HTTP status of the probe that decided the verdict (0:
	// none, e.g. a timeout or a skipped check).
	Status  int           `json:"status"`
	Latency time.Duration `json:"-"`
	// LatencyMS is Latency in milliseconds (JSON).
	LatencyMS int64 `json:"latency_ms"`
	// Detail is the evidence: what was sent, what came back.
	Detail string `json:"detail"`
	// Hint says what to change in the receiver (failures and warnings).
	Hint string `json:"hint,omitempty"`
	// Body is the first bytes of the answer that decided the verdict.
	Body string `json:"body,omitempty"`
	// DeliveryID is the recorded probe behind the verdict
	// (hookctl deliveries show ID).
	DeliveryID string `json:"delivery_id,omitempty"`
	// RedirectDeliveryID is the recorded request check sent to the URL
	// the probe was redirected to, to tell a redirect loop (no body, no
	// signature), when the verdict's probe was redirected there.
	RedirectDeliveryID string `json:"redirect_delivery_id,omitempty"`
}

// Summary counts verdicts.
type Summary struct {
	Passed   int `json:"passed"`
	Failed   int `json:"failed"`
	Warnings int `json:"warnings"`
	Skipped  int `json:"skipped"`
}

// String is the summary line: "9 passed, 1 failed, 1 warning, 1 skipped".
func (s Summary) String() string {
	w := "warnings"
	if s.Warnings == 1 {
		w = "warning"
	}
	return fmt.Sprintf("%d passed, %d failed, %d %s, %d skipped", s.Passed, s.Failed, s.Warnings, w, s.Skipped)
}

// Report is a whole run.
type Report struct {
	URL      string        `json:"url"`
	Scheme   string        `json:"scheme"`
	Provider string        `json:"provider"`
	Event    string        `json:"event"`
	RunID    string        `json:"run_id"`
	Deadline time.Duration `json:"-"`
	Elapsed  time.Duration `json:"-"`
	// ElapsedMS is Elapsed in -o json, named as trigger's and replay's.
	ElapsedMS int64    `json:"elapsed_ms"`
	Checks    []Result `json:"checks"`
	Summary   Summary  `json:"summary"`
}

func (r *Report) add(res Result) {
	if res.Title == "" {
		res.Title = defOf(res.ID).Title
	}
	res.LatencyMS = res.Latency.Milliseconds()
	r.Checks = append(r.Checks, res)
}

func (r *Report) finish() {
	order := map[string]int{}
	for i, id := range IDs() {
		order[id] = i
	}
	sort.SliceStable(r.Checks, func(i, j int) bool { return order[r.Checks[i].ID] < order[r.Checks[j].ID] })
	r.Summary = Summary{}
	for _, c := range r.Checks {
		switch c.Verdict {
		case Pass:
			r.Summary.Passed++
		case Fail:
			r.Summary.Failed++
		case Warn:
			r.Summary.Warnings++
		case Skip:
			r.Summary.Skipped++
		}
	}
}

// Failed reports whether any check failed.
func (r *Report) Failed() bool { return r.Summary.Failed > 0 }
