// Package subscription is the service behind `hookctl subscribe` and
// `hookctl subscriptions`: it validates input (URL, event patterns,
// headers, scheme and secret), generates and rotates secrets, and renders
// the provider-style JSON view. Commands parse flags, call it and render.
package subscription

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
)

// DefaultScheme signs each event the way its own provider does.
const DefaultScheme = "auto"

// DefaultGrace is how long a rotated-out secret keeps signing.
const DefaultGrace = 24 * time.Hour

// InputError is bad input: exit 2, with optional hints.
type InputError struct {
	Msg   string
	Hint  []string
	cause error
}

func (e *InputError) Error() string   { return e.Msg }
func (e *InputError) Unwrap() error   { return e.cause }
func (e *InputError) ExitCode() int   { return 2 }
func (e *InputError) Hints() []string { return e.Hint }

func inputErr(hints []string, format string, args ...any) *InputError {
	return &InputError{Msg: fmt.Sprintf(format, args...), Hint: hints}
}

// Service manages subscriptions in a store.
type Service struct {
	Store store.Store
	// Catalog checks event names and patterns ("did you mean"); nil skips
	// the catalog check (syntax is still checked).
	Catalog *catalog.Catalog
	Now     func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// CreateInput is what `hookctl subscribe` collects.
type CreateInput struct {
	URL         string
	Events      []string // names or patterns; items may hold commas
	Description string
	Provider    string
	Scheme      string // "" = auto
	Method      string // "" = POST
	Headers     []string
	Secret      string // "" = generate
	Metadata    map[string]string
	// Disabled creates it disabled (an API's "disabled": true): nothing
	// is delivered to it, not even between its creation and a status
	// change.
	Disabled bool
	// Covered, when not nil, asks for an event list with nothing in it
	// twice (see AddEvents) and receives what was left out and why; nil
	// (the providers' APIs) keeps the list as given, as the provider
	// would.
	Covered *[]Covered
}

// Covered is an event name or pattern left out of a subscription's
// event list because a pattern in the list already receives its events,
// or (Replaced) an entry of the list that an added pattern took the place
// of.
type Covered struct {
	Event    string // the name or pattern left out
	By       string // the pattern that covers it
	Replaced bool   // Event was in the list, and By (added) replaced it
}

func (c Covered) String() string {
	if c.Replaced {
		return fmt.Sprintf("%s covers %s, which it replaces", c.By, c.Event)
	}
	return fmt.Sprintf("%s is already covered by %s: not added", c.Event, c.By)
}

// covers reports whether the pattern p receives every event e (a name or
// a pattern) receives, e being something else: * covers everything,
// card.* covers card.created and card.virtual.*.
func covers(p, e string) bool { return p != e && catalog.Match(p, e) }

// AddEvents adds each of add to the event list list (which is left as
// it is), so that nothing is in the result twice: an entry already there
// is skipped; one that a pattern of the list covers (card.created under
// card.*) is left out; a pattern that covers entries of the list
// (card.* added to card.created,card.updated) takes the place of the
// first and the others go. covered says what was left out or replaced.
func AddEvents(list, add []string) (out []string, covered []Covered) {
	out = slices.Clone(list)
	for _, e := range add {
		if slices.Contains(out, e) {
			continue
		}
		if i := slices.IndexFunc(out, func(p string) bool { return covers(p, e) }); i >= 0 {
			covered = append(covered, Covered{Event: e, By: out[i]})
			continue
		}
		first := slices.IndexFunc(out, func(old string) bool { return covers(e, old) })
		if first < 0 {
			out = append(out, e)
			continue
		}
		kept := out[:0:0]
		for i, old := range out {
			switch {
			case i == first:
				kept = append(kept, e)
				covered = append(covered, Covered{Event: old, By: e, Replaced: true})
			case covers(e, old):
				covered = append(covered, Covered{Event: old, By: e, Replaced: true})
			default:
				kept = append(kept, old)
			}
		}
		out = kept
	}
	return out, covered
}

// tidy returns the event list with nothing in it twice (see AddEvents),
// and what it left out.
func tidy(events []string) ([]string, []Covered) {
	out, covered := AddEvents(nil, events)
	for i := range covered {
		// Of one list given at once, the covered entry is left out
		// whatever its place.
		covered[i].Replaced = false
	}
	return out, covered
}

// Create validates in and stores an enabled subscription with a fresh
// secret unless one is given.
func (s *Service) Create(ctx context.Context, in CreateInput) (*store.Subscription, error) {
	sub := &store.Subscription{Status: store.StatusEnabled, Description: strings.TrimSpace(in.Description), Metadata: in.Metadata}
	if in.Disabled {
		sub.Status = store.StatusDisabled
	}
	if err := checkText(sub); err != nil {
		return nil, err
	}
	var err error
	if sub.CallbackURL, err = ValidateURL(in.URL); err != nil {
		return nil, err
	}
	if sub.Events, err = s.ValidateEvents(in.Events); err != nil {
		return nil, err
	}
	if in.Covered != nil {
		sub.Events, *in.Covered = tidy(sub.Events)
	}
	if sub.Provider, err = ValidateProvider(in.Provider); err != nil {
		return nil, err
	}
	if err := s.checkProviderEvents(sub.Provider, sub.Events); err != nil {
		return nil, err
	}
	if sub.Scheme, err = ValidateScheme(in.Scheme); err != nil {
		return nil, err
	}
	if sub.Method, err = ValidateMethod(in.Method); err != nil {
		return nil, err
	}
	if sub.Headers, err = ParseHeaders(in.Headers); err != nil {
		return nil, err
	}
	if in.Secret != "" {
		if err := validateSecret(sub.Scheme, in.Secret); err != nil {
			return nil, err
		}
		if err := s.checkAutoSecret(sub, in.Secret, "subscribe"); err != nil {
			return nil, err
		}
		sub.Secret = in.Secret
	} else if sub.Secret, err = signature.GenerateSecret(secretScheme(sub)); err != nil {
		return nil, err
	}
	if err := s.Store.CreateSubscription(ctx, sub); err != nil {
		return nil, err
	}
	return sub, nil
}

// secretScheme is the scheme whose form a generated secret of sub takes:
// its own, but Bond's for a scheme auto subscription to Bond's events
// alone (serve's Bond API makes those), so that its secret looks like the
// ones Bond issues (whsec_ and 32 characters, not hookctl's 44).
func secretScheme(sub *store.Subscription) string {
	if (sub.Scheme == "" || sub.Scheme == DefaultScheme) && sub.Provider == "bond" {
		return "bond"
	}
	return sub.Scheme
}

// checkAutoSecret refuses a secret that a scheme "auto" subscription
// cannot sign all its events with: auto signs each event as its provider
// does (catalog.SchemeFor), so a secret such as "s3cret!" suits Bond's
// events of a '*' subscription but no Standard Webhooks one, and every
// ping delivery failed ("signing with standard: the secret must be
// whsec_ followed by base64") after subscribe had taken it. given is the
// command the secret came from (subscribe, rotate, update), for the hint.
func (s *Service) checkAutoSecret(sub *store.Subscription, secret, given string) error {
	if s.Catalog == nil || (sub.Scheme != "" && sub.Scheme != DefaultScheme) {
		return nil
	}
	checked := map[string]bool{}
	for _, et := range s.Catalog.List("", "") {
		scheme := catalog.SchemeFor(et.Provider)
		if checked[scheme] || (sub.Provider != "" && !slices.Contains(strings.Split(sub.Provider, ","), et.Provider)) ||
			!slices.ContainsFunc(sub.Events, func(p string) bool { return catalog.Match(p, et.Type) }) {
			continue
		}
		checked[scheme] = true
		err := validateSecret(scheme, secret)
		var ie *InputError
		if !errors.As(err, &ie) {
			continue
		}
		ie.Msg = strings.Replace(ie.Msg, "invalid secret for scheme "+scheme,
			fmt.Sprintf("invalid secret for scheme %s, which signs the subscription's %s events (%s) under scheme auto", scheme, et.Provider, et.Type), 1)
		switch given {
		case "subscribe":
			ie.Hint = []string{"leave out --secret and hookctl generates one that every scheme takes",
				"or sign every event one way: --scheme SCHEME, or narrow --events or --provider"}
		case "rotate":
			ie.Hint = []string{"leave out --secret and hookctl generates one that every scheme takes",
				fmt.Sprintf("or sign every event one way first: hookctl subscriptions update %s --scheme SCHEME", sub.ID)}
		default:
			ie.Hint = []string{fmt.Sprintf("give it a secret every scheme takes first: hookctl subscriptions rotate-secret %s (it generates one), then run this update again", sub.ID)}
		}
		return ie
	}
	return nil
}

// checkProviderEvents refuses events that the chosen provider never sends
// (--events card.created --provider mono): such a subscription would never
// receive anything.
func (s *Service) checkProviderEvents(provider string, events []string) error {
	if s.Catalog == nil || provider == "" {
		return nil
	}
	var types []*catalog.EventType
	for name := range strings.SplitSeq(provider, ",") {
		types = append(types, s.Catalog.List(name, "")...)
	}
	for _, p := range events {
		if p == "*" {
			continue
		}
		found := false
		for _, et := range types {
			if catalog.Match(p, et.Type) {
				found = true
				break
			}
		}
		if found {
			continue
		}
		var owners []string
		for _, et := range s.Catalog.List("", "") {
			if catalog.Match(p, et.Type) && !slices.Contains(owners, et.Provider) {
				owners = append(owners, et.Provider)
			}
		}
		hints := []string{fmt.Sprintf("see %s's events: hookctl events list --provider %s", provider, provider)}
		if len(owners) > 0 {
			hints = append([]string{fmt.Sprintf("%s is sent by %s: use --provider %s, or leave --provider out",
				p, strings.Join(owners, ", "), owners[0])}, hints...)
		}
		return inputErr(hints, "provider %s sends no event matching %q", provider, p)
	}
	return nil
}

// Get finds a subscription by ID or unique prefix.
func (s *Service) Get(ctx context.Context, idOrPrefix string) (*store.Subscription, error) {
	return s.Store.GetSubscription(ctx, strings.TrimSpace(idOrPrefix))
}

// List lists subscriptions, oldest first.
func (s *Service) List(ctx context.Context, status, event string) ([]*store.Subscription, error) {
	switch status {
	case "", store.StatusEnabled, store.StatusDisabled:
	default:
		return nil, inputErr(nil, "invalid status %q: want enabled or disabled", status)
	}
	event = strings.TrimSpace(event)
	subs, err := s.Store.ListSubscriptions(ctx, store.SubscriptionFilter{Status: status, Event: event})
	if err != nil || event == "" {
		return subs, err
	}
	// An unknown name would match the * subscriptions and look like an
	// answer: refuse it with a suggestion, as subscribe does — unless a
	// subscription names it (serve's APIs take types the catalog lacks).
	if _, verr := s.ValidateEvents([]string{event}); verr != nil {
		for _, sub := range subs {
			if slices.Contains(sub.Events, event) {
				return subs, nil
			}
		}
		return nil, verr
	}
	return subs, nil
}

// UpdateInput holds the changes of `subscriptions update`; nil/empty
// fields are left alone.
type UpdateInput struct {
	URL           *string
	Events        []string // replaces the list when non-nil
	AddEvents     []string
	RemoveEvents  []string
	Description   *string
	Headers       []string // 'K: V' sets K
	RemoveHeaders []string // header names to drop
	Method        *string
	Scheme        *string
	// Covered, when not nil, asks that an --events list too have nothing
	// in it twice (the added events never do: see AddEvents) and
	// receives what the update left out or replaced.
	Covered *[]Covered
}

// Empty reports whether in changes nothing.
func (in UpdateInput) Empty() bool {
	return in.URL == nil && in.Events == nil && len(in.AddEvents) == 0 && len(in.RemoveEvents) == 0 &&
		in.Description == nil && len(in.Headers) == 0 && len(in.RemoveHeaders) == 0 && in.Method == nil && in.Scheme == nil
}

// Update applies in to the subscription. Nothing is written unless every
// change is valid.
func (s *Service) Update(ctx context.Context, idOrPrefix string, in UpdateInput) (*store.Subscription, error) {
	if in.Empty() {
		return nil, inputErr([]string{"give at least one of --url, --events, --add-events, --remove-events, --description, --header, --remove-header, --method, --scheme"},
			"nothing to update")
	}
	return store.UpdateSubscriptionFunc(ctx, s.Store, strings.TrimSpace(idOrPrefix), func(sub *store.Subscription) error {
		return s.apply(sub, in)
	})
}

// Edit is Update that writes nothing when the subscription would stay
// as it is (every added event already there or covered, the same URL…):
// changed says which it was.
func (s *Service) Edit(ctx context.Context, idOrPrefix string, in UpdateInput) (sub *store.Subscription, changed bool, err error) {
	if in.Empty() {
		sub, err = s.Update(ctx, idOrPrefix, in)
		return sub, false, err
	}
	sub, err = store.UpdateSubscriptionFunc(ctx, s.Store, strings.TrimSpace(idOrPrefix), func(sub *store.Subscription) error {
		before := *sub
		if err := s.apply(sub, in); err != nil {
			return err
		}
		changed = !sameSettings(&before, sub)
		if !changed {
			return store.ErrNoChange
		}
		return nil
	})
	return sub, changed, err
}

// sameSettings reports whether a and b agree on everything apply
// changes.
func sameSettings(a, b *store.Subscription) bool {
	return a.CallbackURL == b.CallbackURL && slices.Equal(a.Events, b.Events) && a.Description == b.Description &&
		a.Method == b.Method && a.Scheme == b.Scheme && maps.Equal(a.Headers, b.Headers)
}

// UpdateWith applies in (which may be empty) and then fn to the
// subscription in one atomic update: the change is made to the current
// row, locked against other writers, so concurrent API calls that each
// change one field (or one metadata key) never revert each other. fn may
// run more than once and must not use the store; an error from either
// aborts the update.
func (s *Service) UpdateWith(ctx context.Context, idOrPrefix string, in UpdateInput, fn func(*store.Subscription) error) (*store.Subscription, error) {
	return store.UpdateSubscriptionFunc(ctx, s.Store, strings.TrimSpace(idOrPrefix), func(sub *store.Subscription) error {
		if !in.Empty() {
			if err := s.apply(sub, in); err != nil {
				return err
			}
		}
		if fn != nil {
			if err := fn(sub); err != nil {
				return err
			}
		}
		return checkText(sub)
	})
}

// apply makes the changes of in to sub (the current row, read in the
// update's transaction), or returns why it cannot.
func (s *Service) apply(sub *store.Subscription, in UpdateInput) error {
	var err error
	if in.URL != nil {
		if sub.CallbackURL, err = ValidateURL(*in.URL); err != nil {
			return err
		}
	}
	events := sub.Events
	var covered []Covered
	if in.Events != nil {
		events = SplitList(in.Events)
		if len(events) == 0 {
			return inputErr([]string{"subscribe to at least one event, e.g. --events 'card.*'"}, "the event list is empty")
		}
		if in.Covered != nil {
			events, covered = tidy(events)
		}
	}
	// The removals first: --add-events card.created --remove-events
	// 'card.*' narrows card.* to card.created (card.* would cover it).
	for _, e := range SplitList(in.RemoveEvents) {
		i := slices.Index(events, e)
		if i < 0 {
			if p := coveringPattern(events, e); p != "" {
				return inputErr([]string{s.narrowHint(sub.ID, p, e)}, "the subscription has no event %q to remove: %s covers it, and a pattern cannot leave one event out", e, p)
			}
			return inputErr([]string{"its events are: " + strings.Join(events, ", ")}, "the subscription has no event %q to remove", e)
		}
		events = slices.Delete(slices.Clone(events), i, i+1)
	}
	// What is added is never stored twice: not a name the list has, nor
	// one a pattern of it covers; an added pattern replaces the names it
	// covers.
	events, added := AddEvents(events, SplitList(in.AddEvents))
	covered = append(covered, added...)
	if in.Covered != nil {
		*in.Covered = covered // apply may run more than once
	}
	if len(events) == 0 {
		return inputErr([]string{"a subscription needs at least one event; disable it instead: hookctl subscriptions disable " + sub.ID},
			"removing those events would leave the event list empty")
	}
	if in.Events != nil || len(in.AddEvents) > 0 || len(in.RemoveEvents) > 0 {
		if sub.Events, err = s.ValidateEvents(events); err != nil {
			return err
		}
	}
	if in.Description != nil {
		sub.Description = strings.TrimSpace(*in.Description)
		if err := checkText(sub); err != nil {
			return err
		}
	}
	if in.Method != nil {
		if sub.Method, err = ValidateMethod(*in.Method); err != nil {
			return err
		}
	}
	if in.Scheme != nil {
		if sub.Scheme, err = ValidateScheme(*in.Scheme); err != nil {
			return err
		}
		if err := validateSecret(sub.Scheme, sub.Secret); err != nil {
			// update has no --secret: the way to a secret that suits is
			// rotate-secret's (it checks the secret against the current
			// scheme's generic rules only).
			var ie *InputError
			if errors.As(err, &ie) {
				ie.Hint = []string{fmt.Sprintf("give it a secret for scheme %s first: hookctl subscriptions rotate-secret %s --secret '<secret>', then change the scheme", sub.Scheme, sub.ID)}
			}
			return err
		}
	}
	if in.Events != nil || len(in.AddEvents) > 0 || in.Scheme != nil {
		if err := s.checkAutoSecret(sub, sub.Secret, "update"); err != nil {
			return err
		}
	}
	if len(in.Headers) > 0 || len(in.RemoveHeaders) > 0 {
		set, err := ParseHeaders(in.Headers)
		if err != nil {
			return err
		}
		h := map[string]string{}
		for k, v := range sub.Headers {
			h[k] = v
		}
		for _, name := range in.RemoveHeaders {
			key := http.CanonicalHeaderKey(strings.TrimSpace(name))
			if _, ok := h[key]; !ok {
				// As --remove-events says which it has (the hint was
				// only the usage's).
				hint := "it has no headers"
				if len(sub.Headers) > 0 {
					hint = "its headers are: " + strings.Join(slices.Sorted(maps.Keys(sub.Headers)), ", ")
				}
				return inputErr([]string{hint}, "the subscription has no header %q to remove", name)
			}
			delete(h, key)
		}
		for k, v := range set {
			h[k] = v
		}
		sub.Headers = h
	}
	return nil
}

// SetStatus enables or disables a subscription. It reports whether the
// status changed.
func (s *Service) SetStatus(ctx context.Context, idOrPrefix, status string) (*store.Subscription, bool, error) {
	changed := false
	sub, err := store.UpdateSubscriptionFunc(ctx, s.Store, strings.TrimSpace(idOrPrefix), func(sub *store.Subscription) error {
		changed = sub.Status != status
		if !changed {
			return store.ErrNoChange
		}
		sub.Status = status
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return sub, changed, nil
}

// Delete deletes a subscription; its delivery history stays.
func (s *Service) Delete(ctx context.Context, idOrPrefix string) (*store.Subscription, error) {
	sub, err := s.Get(ctx, idOrPrefix)
	if err != nil {
		return nil, err
	}
	if err := s.Store.DeleteSubscription(ctx, sub.ID); err != nil {
		return nil, err
	}
	return sub, nil
}

// RotateSecret gives the subscription a new secret (newSecret, or a fresh
// one). The old secret keeps signing alongside it for grace (0 drops it at
// once).
func (s *Service) RotateSecret(ctx context.Context, idOrPrefix string, grace time.Duration, newSecret string) (*store.Subscription, error) {
	sub, _, err := s.Rotate(ctx, idOrPrefix, grace, newSecret)
	return sub, err
}

// CutSecret is a previous secret a rotation stopped before the end of the
// grace period an earlier rotation gave it: a subscription keeps one
// previous secret, so rotating again within the grace (or with --grace 0)
// drops it.
type CutSecret struct {
	Secret string
	Until  time.Time // when it was to stop signing
}

// Rotate is RotateSecret, also returning the previous secret it cut short
// (nil when there was none still signing).
func (s *Service) Rotate(ctx context.Context, idOrPrefix string, grace time.Duration, newSecret string) (*store.Subscription, *CutSecret, error) {
	if grace < 0 {
		return nil, nil, inputErr(nil, "invalid --grace %s: it cannot be negative", grace)
	}
	var cut *CutSecret
	sub, err := store.UpdateSubscriptionFunc(ctx, s.Store, strings.TrimSpace(idOrPrefix), func(sub *store.Subscription) error {
		cut = nil
		secret := newSecret
		if secret != "" {
			if err := validateSecret(sub.Scheme, secret); err != nil {
				return err
			}
			if err := s.checkAutoSecret(sub, secret, "rotate"); err != nil {
				return err
			}
			if secret == sub.Secret {
				return inputErr(nil, "the new secret is the current secret")
			}
		} else {
			var err error
			if secret, err = signature.GenerateSecret(secretScheme(sub)); err != nil {
				return err
			}
		}
		if sub.PreviousSecret != "" && sub.PreviousSecret != secret && s.now().Before(sub.PreviousSecretExpiresAt) {
			cut = &CutSecret{Secret: sub.PreviousSecret, Until: sub.PreviousSecretExpiresAt}
		}
		if grace > 0 {
			sub.PreviousSecret = sub.Secret
			sub.PreviousSecretExpiresAt = s.now().Add(grace).UTC().Truncate(time.Microsecond)
		} else {
			sub.PreviousSecret = ""
			sub.PreviousSecretExpiresAt = time.Time{}
		}
		sub.Secret = secret
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return sub, cut, nil
}

// ActiveSecrets returns the secrets that sign for sub at now: the current
// one, then the previous one while its grace period lasts.
func ActiveSecrets(sub *store.Subscription, now time.Time) []string {
	out := []string{sub.Secret}
	if sub.PreviousSecret != "" && now.Before(sub.PreviousSecretExpiresAt) {
		out = append(out, sub.PreviousSecret)
	}
	return out
}

// LowerScheme returns raw with its scheme, what precedes "://", in lower
// case: a scheme is case-insensitive (RFC 3986, section 3.1), so
// HTTP://host/hook is http://host/hook. The rest is left as written.
func LowerScheme(raw string) string {
	if i := strings.Index(raw, "://"); i > 0 {
		return strings.ToLower(raw[:i]) + raw[i:]
	}
	return raw
}

// ValidateURL checks that raw is an absolute http or https URL with a
// host, and returns it trimmed, its scheme in lower case (LowerScheme).
// It is the rule for every URL hookctl sends to: a callback URL, trigger's
// --url, replay's --to, check's URL.
func ValidateURL(raw string) (string, error) {
	raw = LowerScheme(strings.TrimSpace(raw))
	// shown is raw as the errors quote it: its credentials masked (the
	// URL is refused for them, and an error goes to a CI log).
	shown := MaskUserinfo(raw)
	hint := []string{"use an absolute http or https URL, e.g. http://localhost:3000/webhooks"}
	if raw == "" {
		return "", inputErr(hint, "the callback URL is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		if b := bracketIPv6(raw); b != "" {
			// http://::1:3000 read as host "" and port "::1:3000": an
			// IPv6 address with a port is written in brackets.
			hint = []string{"an IPv6 address goes in brackets in a URL: did you mean " + MaskUserinfo(b) + "?"}
		}
		return "", inputErr(hint, "invalid callback URL %q: %s", shown, urlReason(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		if u.Scheme == "" || (u.Opaque != "" && !strings.Contains(raw, "://")) {
			// Suggested only when it is a URL hookctl takes: not
			// "http://not a url" for --url 'not a url'.
			if _, err := ValidateURL("http://" + raw); err == nil && !strings.HasPrefix(raw, "/") {
				hint = []string{"did you mean http://" + raw + "?"}
			}
			return "", inputErr(hint, "invalid callback URL %q: it has no http:// or https:// scheme", shown)
		}
		return "", inputErr(hint, "invalid callback URL %q: scheme %q is not http or https", shown, u.Scheme)
	}
	if u.Hostname() == "" {
		return "", inputErr(hint, "invalid callback URL %q: it has no host", shown)
	}
	// url.Parse takes any digits for a port: 99999 or 0 would be stored
	// and fail every delivery with "invalid port".
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", inputErr(hint, "invalid callback URL %q: port %s is not from 1 to 65535", shown, p)
		}
	}
	if u.User != nil {
		return "", inputErr([]string{"put credentials in a header instead: --header 'Authorization: Bearer …'"},
			"invalid callback URL %q: it must not contain a user name or password", shown)
	}
	// url.Parse takes a space in the path or query ("http://h/my hook"),
	// which no URL has (RFC 3986): the request then went to /my%20hook, a
	// path the user never wrote. A pasted URL cut by a space is bad input.
	if strings.ContainsFunc(raw, unicode.IsSpace) {
		return "", inputErr([]string{"a URL has no spaces: write one as %20, or quote the whole URL if the shell split it"},
			"invalid callback URL %q: it contains a space", shown)
	}
	return raw, nil
}

// bracketIPv6 is raw with the IPv6 address of its authority put in
// brackets (http://::1:3000/x is http://[::1]:3000/x), "" when its
// authority is not an IPv6 address, with or without a port, written bare.
func bracketIPv6(raw string) string {
	i := strings.Index(raw, "://")
	if i < 0 {
		return ""
	}
	auth, rest := raw[i+3:], ""
	if j := strings.IndexAny(auth, "/?#"); j >= 0 {
		auth, rest = auth[:j], auth[j:]
	}
	user := ""
	if at := strings.LastIndex(auth, "@"); at >= 0 {
		user, auth = auth[:at+1], auth[at+1:]
	}
	if strings.Count(auth, ":") < 2 || strings.ContainsAny(auth, "[]") {
		return ""
	}
	// The last group read as a port first (::1:3000 is an address too,
	// but one nobody means to send to), then the whole as an address.
	k := strings.LastIndex(auth, ":")
	host, port := auth[:k], auth[k+1:]
	if ip := net.ParseIP(host); ip != nil && ip.To4() == nil && port != "" && strings.Trim(port, "0123456789") == "" {
		return raw[:i+3] + user + "[" + host + "]:" + port + rest
	}
	if ip := net.ParseIP(auth); ip != nil && ip.To4() == nil {
		return raw[:i+3] + user + "[" + auth + "]" + rest
	}
	return ""
}

// MaskUserinfo is raw with the credentials of its authority (user:password@
// or token@) replaced by "xxxxx" (a user name before a password is kept,
// as url.URL.Redacted keeps it), everything else as written. A URL that
// does not parse is masked from "://" to its last "@", to be safe.
// store.MaskURL (a store location's) differs on purpose: see there.
func MaskUserinfo(raw string) string {
	i := strings.Index(raw, "://")
	if i < 0 {
		return raw
	}
	rest := raw[i+3:]
	at := -1
	if u, err := url.Parse(raw); err == nil {
		if u.User == nil {
			return raw
		}
		auth := rest
		if j := strings.IndexAny(auth, "/?#"); j >= 0 {
			auth = auth[:j]
		}
		at = strings.LastIndex(auth, "@")
	} else {
		at = strings.LastIndex(rest, "@")
	}
	if at < 0 {
		return raw
	}
	masked := "xxxxx"
	if user, _, hasPass := strings.Cut(rest[:at], ":"); hasPass {
		masked = user + ":xxxxx"
	}
	return raw[:i+3] + masked + rest[at:]
}

func urlReason(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// SplitList splits comma-separated items, trims them and drops empty and
// repeated ones, keeping order.
func SplitList(items []string) []string {
	out := []string{}
	for _, item := range items {
		for _, p := range strings.Split(item, ",") {
			if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// ValidateEvents checks event names and patterns: syntax here, names
// against the catalog (with "did you mean" hints).
func (s *Service) ValidateEvents(items []string) ([]string, error) {
	events := SplitList(items)
	if len(events) == 0 {
		return nil, inputErr([]string{"subscribe to at least one event, e.g. --events 'card.*' (see hookctl events list)"},
			"the event list is empty")
	}
	for _, e := range events {
		if err := CheckPatternSyntax(e); err != nil {
			return nil, err
		}
	}
	if s.Catalog != nil {
		if err := s.Catalog.ValidatePatterns(events); err != nil {
			ie := &InputError{Msg: err.Error(), cause: err}
			var he interface{ Hints() []string }
			if errors.As(err, &he) {
				ie.Hint = he.Hints()
			}
			return nil, ie
		}
	}
	return events, nil
}

// checkText refuses a NUL character or bytes that are not UTF-8 in the
// subscription's free text (its description and metadata): PostgreSQL
// cannot store them in text or jsonb, so they were a store error there
// (a 500 from serve's APIs) while SQLite kept them.
func checkText(sub *store.Subscription) error {
	bad := func(s string) bool { return !store.StorableText(s) }
	if bad(sub.Description) {
		return inputErr(nil, "the description contains a NUL character (\\u0000) or bytes that are not UTF-8")
	}
	for k, v := range sub.Metadata {
		if bad(k) || bad(v) {
			return inputErr(nil, "metadata %q contains a NUL character (\\u0000) or bytes that are not UTF-8", strings.ToValidUTF8(strings.ReplaceAll(k, "\x00", ""), "?"))
		}
	}
	return nil
}

// CheckPatternSyntax checks the syntax of one event name or pattern as
// subscribe does (an exact name, a prefix pattern ending in .*, or *),
// not whether the catalog has it: an --event filter of the log, whose
// events may be of types the catalog lacks (serve's APIs, fixtures).
// The error is an *InputError (exit 2) with a hint.
func CheckPatternSyntax(p string) error {
	hint := []string{"use exact names (card.created), a prefix pattern (card.*) or * for every event"}
	if p == "*" {
		return nil
	}
	if strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) || !utf8.ValidString(p) {
		return inputErr(hint, "invalid event %q: it contains a control character or bytes that are not UTF-8", p)
	}
	if strings.ContainsAny(p, " \t\r\n") {
		return inputErr(hint, "invalid event %q: it contains whitespace", p)
	}
	if i := strings.Index(p, "*"); i >= 0 && (i != len(p)-1 || !strings.HasSuffix(p, ".*") || len(p) < 3) {
		return inputErr(hint, "invalid event pattern %q: '*' may only end a pattern after a dot", p)
	}
	if strings.HasPrefix(p, ".") || strings.Contains(p, "..") || strings.HasSuffix(p, ".") {
		return inputErr(hint, "invalid event %q", p)
	}
	return nil
}

// ValidateProvider checks a provider name ("" = any), or a comma-separated
// list of them (the events of any one).
func ValidateProvider(p string) (string, error) {
	p = strings.ToLower(strings.TrimSpace(p))
	if p == "" {
		return p, nil
	}
	var out []string
	for name := range strings.SplitSeq(p, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(catalog.Providers(), name) {
			var hints []string // did you mean, and the providers
			if he, ok := catalog.CheckProvider(name).(interface{ Hints() []string }); ok {
				hints = he.Hints()
			}
			return "", inputErr(hints, "unknown provider %q", name)
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return strings.Join(out, ","), nil
}

// ValidateScheme checks a signature scheme name ("" = auto).
func ValidateScheme(name string) (string, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" || name == DefaultScheme {
		return DefaultScheme, nil
	}
	if slices.Contains(signature.Names(), name) {
		return name, nil
	}
	e := signature.UnknownScheme(name, true)
	return "", inputErr(e.Hints(), "%s", e.Error())
}

// ValidateMethod checks the HTTP method deliveries use ("" = POST).
func ValidateMethod(m string) (string, error) {
	m = strings.ToUpper(strings.TrimSpace(m))
	switch m {
	case "", http.MethodPost:
		return "", nil
	case http.MethodPut, http.MethodPatch:
		return m, nil
	}
	return "", inputErr([]string{"use POST, PUT or PATCH"}, "unsupported method %q", m)
}

func validateSecret(scheme, secret string) error {
	if err := signature.ValidateSigningSecret(scheme, secret); err != nil {
		msg := err.Error()
		var ve *signature.VerifyError
		if errors.As(err, &ve) && ve.Msg != "" {
			msg = ve.Msg
		}
		return &InputError{Msg: fmt.Sprintf("invalid secret for scheme %s: %s", scheme, msg), cause: err,
			Hint: []string{"leave out --secret and hookctl generates one"}}
	}
	return nil
}

// reservedHeaders are set by hookctl on every delivery.
var reservedHeaders = []string{"Host", "Content-Length", "Transfer-Encoding", "Connection"}

// ParseHeaders parses 'Name: value' items into canonical header names.
func ParseHeaders(items []string) (map[string]string, error) {
	if len(items) == 0 {
		return nil, nil
	}
	h := map[string]string{}
	for _, item := range items {
		name, value, ok := strings.Cut(item, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		hint := []string{"write headers as 'Name: value', e.g. --header 'Authorization: Bearer t0k3n'"}
		switch {
		case !ok:
			return nil, inputErr(hint, "malformed header %q: missing ':'", item)
		case name == "":
			return nil, inputErr(hint, "malformed header %q: empty name", item)
		case !validToken(name):
			return nil, inputErr(hint, "malformed header %q: %q is not a valid header name", item, name)
		case strings.ContainsAny(value, "\r\n\x00"):
			return nil, inputErr(hint, "malformed header %q: the value contains a line break", item)
		case BadHeaderValue(value) >= 0:
			return nil, inputErr(hint, "malformed header %q: the value contains the control character %#02x", item, value[BadHeaderValue(value)])
		}
		name = http.CanonicalHeaderKey(name)
		if slices.Contains(reservedHeaders, name) {
			return nil, inputErr(nil, "header %q is set by hookctl and cannot be overridden", name)
		}
		if _, ok := h[name]; ok {
			// The last one silently won. A subscription keeps one value
			// per header; HTTP's own way to give a list is one field,
			// comma-separated (RFC 9110 5.3), which a receiver reads as it
			// reads repeated fields.
			msg, hint := RepeatedHeader(name, h[name], value)
			return nil, inputErr([]string{hint}, "%s", msg)
		}
		h[name] = value
	}
	return h, nil
}

// RepeatedHeader is the error and its hint for a header given twice
// (--header, by any command that sends one): refused rather than one of
// them kept silently, or both sent, which a subscription cannot keep.
func RepeatedHeader(name, first, second string) (msg, hint string) {
	return fmt.Sprintf("header %s given twice (%q, then %q): a request carries each header once", name, first, second),
		fmt.Sprintf("give it once; for a list of values, comma-separated as HTTP joins them: --header '%s: %s, %s'", name, first, second)
}

// BadHeaderValue is the index of the first byte of v that HTTP forbids in
// a header value (a control character other than tab), or -1: a server
// answers 400 to such a request, and net/http refuses to send it.
func BadHeaderValue(v string) int {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return i
		}
	}
	return -1
}

func validToken(s string) bool {
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return s != ""
}

// MaskSecret hides all but the start and end of a secret:
// whsec_MfKQ…aSw.
func MaskSecret(secret string) string {
	if secret == "" {
		return ""
	}
	prefix := ""
	body := secret
	if i := strings.Index(secret, "_"); i > 0 && i < 8 {
		prefix, body = secret[:i+1], secret[i+1:]
	}
	if len(body) < 12 {
		return prefix + "…"
	}
	return prefix + body[:4] + "…" + body[len(body)-3:]
}

// CheckImported reports why sub, a record `hookctl store import` read,
// is not a subscription hookctl could have stored (nil when it is): a
// callback URL, event pattern, provider, scheme, method or status that
// subscribe and update refuse, or a secret the scheme cannot sign with.
// No command could then repair it (update refuses to start from it), and
// it would fail or misroute every delivery. Event names are checked for
// syntax only: serve's APIs take types the catalog lacks.
func CheckImported(sub *store.Subscription) error {
	wrap := func(err error) error {
		if err == nil {
			return nil
		}
		return fmt.Errorf("subscription %s: %w", sub.ID, err)
	}
	if _, err := ValidateURL(sub.CallbackURL); err != nil {
		return wrap(err)
	}
	if len(sub.Events) == 0 {
		return wrap(errors.New("the event list is empty"))
	}
	for _, e := range sub.Events {
		if e == "" {
			return wrap(errors.New("the event list has an empty name"))
		}
		if err := CheckPatternSyntax(e); err != nil {
			return wrap(err)
		}
	}
	if sub.Status != store.StatusEnabled && sub.Status != store.StatusDisabled {
		return wrap(fmt.Errorf("invalid status %q: want %s or %s", sub.Status, store.StatusEnabled, store.StatusDisabled))
	}
	if _, err := ValidateProvider(sub.Provider); err != nil {
		return wrap(err)
	}
	if _, err := ValidateMethod(sub.Method); err != nil {
		return wrap(err)
	}
	scheme, err := ValidateScheme(sub.Scheme)
	if err != nil {
		return wrap(err)
	}
	return wrap(validateSecret(scheme, sub.Secret))
}

// coveringPattern returns the pattern of events (not e itself) that
// covers the event name e, or "".
func coveringPattern(events []string, e string) string {
	for _, p := range events {
		if p != e && catalog.Match(p, e) {
			return p
		}
	}
	return ""
}

// narrowHint says how to receive what pattern p covers but the event e:
// the pattern replaced by the catalog's other names it covers.
func (s *Service) narrowHint(id, p, e string) string {
	var rest []string
	if s.Catalog != nil {
		for _, et := range s.Catalog.All() {
			if et.Type != e && catalog.Match(p, et.Type) && !slices.Contains(rest, et.Type) {
				rest = append(rest, et.Type)
			}
		}
	}
	if len(rest) == 0 || len(rest) > 8 { // none known, or too many to type
		return fmt.Sprintf("replace %s with the events you want: hookctl subscriptions update %s --remove-events '%s' --add-events NAME,…", p, id, p)
	}
	slices.Sort(rest)
	return fmt.Sprintf("replace %s with the events you want, e.g. every other one it covers: hookctl subscriptions update %s --remove-events '%s' --add-events %s", p, id, p, strings.Join(rest, ","))
}
