package catalog

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hookctl/hookctl/internal/textdist"
)

// Error is a usage error from the catalog (unknown or ambiguous event,
// bad pattern, bad override): exit 2, with hints.
type Error struct {
	Msg      string
	HintList []string
}

func (e *Error) Error() string { return e.Msg }

// Hints says what to do next.
func (e *Error) Hints() []string { return e.HintList }

// ExitCode: catalog errors are bad input.
func (e *Error) ExitCode() int { return 2 }

// Lookup resolves a name ("card.created" or "bond:card.created") to one
// event type, optionally restricted to provider; errors carry a "did you
// mean" hint (cli.HintError) and exit 2.
func (c *Catalog) Lookup(name, provider string) (*EventType, error) {
	et, _, err := c.Resolve(name, provider)
	return et, err
}

// Resolve is Lookup plus a one-line note for stderr ("" = none) when an
// unqualified name also exists in a provider added later (stripe, github):
// the provider that had the name first keeps it, so existing scripts do
// not change meaning, and the note names the qualified alternative.
func (c *Catalog) Resolve(name, provider string) (*EventType, string, error) {
	et, err := c.lookup(name, provider)
	if err == nil || provider != "" || strings.Contains(name, ":") {
		return et, "", err
	}
	var early, late []*EventType
	for _, t := range c.types {
		if t.Type != name {
			continue
		}
		if lateProviders[t.Provider] && t.Origin == "builtin" {
			late = append(late, t)
		} else {
			early = append(early, t)
		}
	}
	if len(early) != 1 || len(late) == 0 {
		return nil, "", err
	}
	alts := make([]string, len(late))
	for i, t := range late {
		alts[i] = t.QualifiedName()
	}
	note := fmt.Sprintf("%q is %s; for the %s event use %s", name, early[0].QualifiedName(),
		late[0].Provider, strings.Join(alts, " or "))
	return early[0], note, nil
}

func (c *Catalog) lookup(name, provider string) (*EventType, error) {
	typ := name
	if p, t, ok := strings.Cut(name, ":"); ok {
		if !knownProvider(p) {
			return nil, c.unknownProvider(p)
		}
		if provider != "" && provider != p {
			return nil, &Error{Msg: fmt.Sprintf("event %q names provider %s but --provider is %s", name, p, provider),
				HintList: []string{"drop one of them"}}
		}
		provider, typ = p, t
	}
	if provider != "" && !knownProvider(provider) {
		return nil, c.unknownProvider(provider)
	}
	if typ == "" {
		return nil, &Error{Msg: "empty event type", HintList: []string{"run \"hookctl events list\" to see every event type"}}
	}
	var found []*EventType
	for _, et := range c.types {
		if et.Type == typ && (provider == "" || et.Provider == provider) {
			found = append(found, et)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, c.unknownEvent(typ, provider)
	}
	names := make([]string, len(found))
	for i, et := range found {
		names[i] = et.QualifiedName()
	}
	return nil, &Error{
		Msg: fmt.Sprintf("event %q exists in several providers", typ),
		HintList: []string{
			"use a qualified name: " + strings.Join(names, ", "),
			"or pass --provider " + found[0].Provider,
		},
	}
}

// CheckProvider returns a usage error with a suggestion when p is not ""
// and not a known provider.
func CheckProvider(p string) error {
	if p == "" || knownProvider(p) {
		return nil
	}
	return (*Catalog)(nil).unknownProvider(p)
}

func (c *Catalog) unknownProvider(p string) error {
	e := &Error{Msg: fmt.Sprintf("unknown provider %q", p)}
	if s := suggest(p, Providers()); s != "" {
		e.HintList = append(e.HintList, fmt.Sprintf("did you mean %q?", s))
	}
	e.HintList = append(e.HintList, "providers: "+strings.Join(Providers(), ", "))
	return e
}

func (c *Catalog) unknownEvent(typ, provider string) error {
	msg := fmt.Sprintf("unknown event %q", typ)
	if provider != "" {
		msg = fmt.Sprintf("unknown event %q for provider %s", typ, provider)
	}
	e := &Error{Msg: msg}
	// The exact name in another provider beats any near name but the
	// asked provider's own equivalent (stripe:payment.succeeded →
	// payment_intent.succeeded): asked for bond:payment_intent.succeeded,
	// the answer is stripe's, not saas's payment.succeeded alone.
	var elsewhere, providers []string
	if provider != "" {
		for _, et := range c.types {
			if et.Type == typ {
				elsewhere = append(elsewhere, et.QualifiedName())
				providers = append(providers, et.Provider)
			}
		}
	}
	if s := c.didYouMean(typ, provider, len(elsewhere) > 0); s != "" {
		e.HintList = append(e.HintList, fmt.Sprintf("did you mean %s?", s))
	} else if len(elsewhere) > 0 {
		e.HintList = append(e.HintList, fmt.Sprintf("%s is a %s event: use %s", typ,
			strings.Join(providers, " or "), strings.Join(elsewhere, " or ")))
	}
	list := "run \"hookctl events list\" to see every event type"
	if provider != "" {
		list = "run \"hookctl events list --provider " + provider + "\" to see its event types"
	}
	e.HintList = append(e.HintList, list)
	return e
}

// equivalents maps names developers bring from other tools (the Stripe
// CLI, GitHub's event names, the saas provider) to the catalog's names for
// the same thing, both ways.
var equivalents = [][]string{
	{"payment.succeeded", "payment_intent.succeeded", "charge.succeeded"},
	{"payment.failed", "payment_intent.payment_failed", "charge.failed"},
	{"payment.created", "payment_intent.created"},
	{"payment.canceled", "payment_intent.canceled"},
	{"refund.initiated", "refund.created", "charge.refunded"},
	{"subscription.created", "customer.subscription.created"},
	{"subscription.updated", "customer.subscription.updated"},
	{"subscription.canceled", "customer.subscription.deleted"},
	{"subscription.deleted", "customer.subscription.deleted"},
	{"checkout.completed", "checkout.session.completed"},
	{"invoice.payment_succeeded", "invoice.paid"},
	{"pull_request", "pull_request.opened"},
	{"pr.opened", "pull_request.opened"},
	{"issue.opened", "issues.opened"},
	{"issue", "issues.opened"},
	{"issues", "issues.opened"},
	{"issue_comment", "issue_comment.created"},
	{"comment.created", "issue_comment.created"},
	{"release", "release.published"},
	{"star", "star.created"},
	{"watch", "star.created"},
	{"workflow_run", "workflow_run.completed"},
	{"workflow_job", "workflow_job.completed"},
	{"check_suite", "check_suite.completed"},
	{"check_run", "check_run.completed"},
	{"installation", "installation.created"},
	{"tag", "create"},
	{"branch.created", "create"},
	{"branch.deleted", "delete"},
}

// didYouMean suggests the closest known name for typ (quoted, qualified
// when it is in another provider than the one asked, or collides): an
// equivalent name first, then a type that starts with typ+"." (GitHub's
// event without its action), then the nearest by edit distance across
// every provider, then the same event's other actions (release.created →
// release.published). With ownOnly, only an equivalent in provider.
func (c *Catalog) didYouMean(typ, provider string, ownOnly bool) string {
	show := func(et *EventType) string {
		if provider != "" && et.Provider != provider {
			return fmt.Sprintf("%q", et.QualifiedName())
		}
		if provider == "" {
			if r, _, err := c.Resolve(et.Type, ""); err == nil && r != et {
				return fmt.Sprintf("%q", et.QualifiedName())
			}
		}
		return fmt.Sprintf("%q", et.Type)
	}
	find := func(name string) *EventType {
		var first *EventType
		for _, et := range c.types {
			if et.Type == name {
				if provider == "" || et.Provider == provider {
					return et
				}
				if first == nil {
					first = et
				}
			}
		}
		return first
	}
	for _, group := range equivalents {
		if !containsString(group, typ) {
			continue
		}
		var found []string
		for _, alt := range group {
			if alt == typ {
				continue
			}
			if et := find(alt); et != nil && (provider == "" || et.Provider == provider) {
				found = append(found, show(et))
			}
		}
		if ownOnly {
			if len(found) > 0 {
				return strings.Join(found, " or ")
			}
			continue
		}
		if len(found) == 0 {
			for _, alt := range group {
				if et := find(alt); alt != typ && et != nil {
					found = append(found, show(et))
				}
			}
		}
		if len(found) > 0 {
			return strings.Join(found, " or ")
		}
	}
	if ownOnly {
		return ""
	}
	var withAction []string
	for _, et := range c.types {
		if (provider == "" || et.Provider == provider) && strings.HasPrefix(et.Type, typ+".") {
			withAction = append(withAction, show(et))
		}
	}
	if len(withAction) > 0 {
		if len(withAction) > 3 {
			withAction = append(withAction[:3], "…")
		}
		return strings.Join(withAction, ", ")
	}
	var cands []string
	for _, et := range c.types {
		if provider == "" || et.Provider == provider {
			cands = append(cands, et.Type)
		}
	}
	if s := suggest(typ, cands); s != "" {
		if et := find(s); et != nil {
			return show(et)
		}
	}
	// The same event with an action the catalog has no sample for
	// (GitHub's release.created, check_run.created; push.created): the
	// event itself, or its actions that are there.
	if i := strings.LastIndexByte(typ, '.'); i > 0 {
		event := typ[:i]
		var siblings []string
		for _, et := range c.types {
			if (provider == "" || et.Provider == provider) && (et.Type == event || strings.HasPrefix(et.Type, event+".")) {
				siblings = append(siblings, show(et))
			}
		}
		if len(siblings) > 3 {
			siblings = append(siblings[:3], "…")
		}
		return strings.Join(siblings, ", ")
	}
	return ""
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// ValidatePatterns checks subscription patterns (exact names, "*", and
// prefixes ending in ".*" such as card.* or kyc.verification.*) against the
// catalog, with "did you mean" hints for typos.
func (c *Catalog) ValidatePatterns(patterns []string) error {
	if len(patterns) == 0 {
		return &Error{Msg: "no event patterns given", HintList: []string{"for example: --events 'card.*,kyc.verification.success' or --events '*'"}}
	}
	for _, p := range patterns {
		if err := c.validatePattern(strings.TrimSpace(p)); err != nil {
			return err
		}
	}
	return nil
}

func (c *Catalog) validatePattern(p string) error {
	forms := "patterns are an event type, a prefix ending in .* (card.*) or *"
	switch {
	case p == "":
		return &Error{Msg: "empty event pattern", HintList: []string{forms}}
	case p == "*":
		return nil
	case strings.Contains(p, ":"):
		prov, t, _ := strings.Cut(p, ":")
		e := &Error{Msg: fmt.Sprintf("invalid event pattern %q: patterns match event types without a provider", p),
			HintList: []string{fmt.Sprintf("use %q", t)}}
		// bond:card.created, as the inspector and events list name a
		// type: the type, or the catalog's suggestion for a misspelt one
		// (bond:card.craeted), as a did-you-mean, which the filters of
		// deliveries list/tail, events log and replay give after their
		// empty result.
		if slices.ContainsFunc(Providers(), func(x string) bool { return strings.EqualFold(x, strings.TrimSpace(prov)) }) {
			var te *Error
			if err := c.validatePattern(strings.TrimSpace(t)); err == nil {
				e.HintList = []string{fmt.Sprintf("did you mean %q?", strings.TrimSpace(t))}
			} else if errors.As(err, &te) && len(te.HintList) > 0 && strings.HasPrefix(te.HintList[0], "did you mean") {
				e.HintList = te.HintList[:1]
			}
		}
		return e
	}
	if strings.HasSuffix(p, ".*") && len(p) > 2 && !strings.Contains(p[:len(p)-2], "*") {
		for _, et := range c.types {
			if Match(p, et.Type) {
				return nil
			}
		}
		e := &Error{Msg: fmt.Sprintf("event pattern %q matches no event type", p)}
		if s := suggest(p, c.prefixPatterns()); s != "" {
			e.HintList = append(e.HintList, fmt.Sprintf("did you mean %q?", s))
		}
		e.HintList = append(e.HintList, "run \"hookctl events list\" to see every event type")
		return e
	}
	if strings.ContainsAny(p, "*?") {
		return &Error{Msg: fmt.Sprintf("invalid event pattern %q", p), HintList: []string{forms}}
	}
	for _, et := range c.types {
		if et.Type == p {
			return nil
		}
	}
	return c.unknownEvent(p, "")
}

// prefixPatterns lists every "x.*" pattern that matches something.
func (c *Catalog) prefixPatterns() []string {
	seen := map[string]bool{}
	var out []string
	for _, et := range c.types {
		parts := strings.Split(et.Type, ".")
		for i := 1; i < len(parts); i++ {
			p := strings.Join(parts[:i], ".") + ".*"
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	sort.Strings(out)
	return out
}

// CompleteTypes returns the event types (and provider-qualified names when
// prefix has a ':') that start with prefix, for shell completion.
func (c *Catalog) CompleteTypes(prefix, provider string) []string {
	out := c.Completions(prefix, provider)
	for i, s := range out {
		out[i], _, _ = strings.Cut(s, "\t")
	}
	return out
}

// Completions is CompleteTypes with cobra's "value\tdescription" entries.
func (c *Catalog) Completions(prefix, provider string) []string {
	seen := map[string]bool{}
	var out []string
	for _, et := range c.types {
		if provider != "" && et.Provider != provider {
			continue
		}
		cand := et.Type
		if strings.Contains(prefix, ":") {
			cand = et.QualifiedName()
		}
		if strings.HasPrefix(cand, prefix) && !seen[cand] {
			seen[cand] = true
			out = append(out, cand+"\t"+et.Provider+": "+et.Description)
		}
	}
	return out
}

// CompleteTypes loads the catalog (built-ins and the default fixtures
// directory) and completes event types for a shell.
func CompleteTypes(prefix string) []string {
	c, err := Load(Options{})
	if err != nil {
		return nil
	}
	return c.CompleteTypes(prefix, "")
}

// suggest returns the candidate closest to s by edit distance, or "" when
// none is close enough to be a typo.
func suggest(s string, cands []string) string {
	// A name typed in another case (caps lock, CHARGE.SUCCEEDED copied
	// from a constant) is that name, however far apart by edit distance.
	for _, c := range cands {
		if c != s && strings.EqualFold(c, s) {
			return c
		}
	}
	best, bestD := "", 1<<30
	for _, c := range cands {
		if c == s {
			continue
		}
		d := EditDistance(s, c)
		if d < bestD {
			best, bestD = c, d
		}
	}
	limit := 2
	if l := len(s) / 4; l > limit {
		limit = l
	}
	if bestD <= limit {
		return best
	}
	return ""
}

// EditDistance is the Levenshtein distance between a and b, in runes: the
// measure behind every did-you-mean (events, check ids, flags).
func EditDistance(a, b string) int { return textdist.Distance(a, b) }
