package subscription

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

func TestValidateURL(t *testing.T) {
	good := []string{"http://localhost:3000/webhooks", "https://example.com", " http://127.0.0.1:8080/x?y=1 ", "http://[::1]:3000/", "http://localhost:65535/", "http://localhost:1/"}
	for _, u := range good {
		if _, err := ValidateURL(u); err != nil {
			t.Errorf("ValidateURL(%q): %v", u, err)
		}
	}
	// A scheme is case-insensitive (RFC 3986): accepted and stored in lower
	// case, the rest as written.
	for in, want := range map[string]string{"HTTP://127.0.0.1:3000/Hook": "http://127.0.0.1:3000/Hook", " hTTpS://Example.com ": "https://Example.com"} {
		if got, err := ValidateURL(in); err != nil || got != want {
			t.Errorf("ValidateURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]string{
		"":                            "empty",
		"localhost:3000/webhooks":     "scheme",
		"/webhooks":                   "no http",
		"ftp://example.com/x":         `scheme "ftp"`,
		"http://":                     "no host",
		"http:///path":                "no host",
		"http://user:pw@example.com/": "user name",
		"http://exa mple.com/":        "invalid callback URL",
		"http://localhost:99999/x":    "port 99999 is not from 1 to 65535",
		"http://localhost:0/x":        "port 0 is not from 1 to 65535",
		"http://[::1]:65536/":         "port 65536",
		// a space url.Parse lets through, sent as %20
		"http://localhost:3000/my hook":  "it contains a space",
		"http://localhost:3000/x?a=b c":  "it contains a space",
		"http://localhost:3000/x\u00a0y": "it contains a space",
	}
	for u, want := range bad {
		_, err := ValidateURL(u)
		var ie *InputError
		if !errors.As(err, &ie) || ie.ExitCode() != 2 {
			t.Errorf("ValidateURL(%q) = %v, want an input error", u, err)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateURL(%q) = %q, want it to mention %q", u, err, want)
		}
	}
}

func TestParseHeaders(t *testing.T) {
	h, err := ParseHeaders([]string{"authorization: Bearer abc:def", "X-Env:  test ", "x-empty:"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Authorization": "Bearer abc:def", "X-Env": "test", "X-Empty": ""}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("got %v, want %v", h, want)
	}
	for _, bad := range []string{"NoColon", ": value", "Bad Name: v", "X-A: one\r\nX-B: two", "Host: evil", "content-length: 1"} {
		if _, err := ParseHeaders([]string{bad}); err == nil {
			t.Errorf("ParseHeaders(%q) accepted", bad)
		}
	}
}

func TestMaskSecret(t *testing.T) {
	for in, want := range map[string]string{
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw": "whsec_MfKQ…aSw",
		"0123456789abcdef0123":                   "0123…123",
		"whsec_short":                            "whsec_…",
		"tiny":                                   "…",
		"":                                       "",
	} {
		if got := MaskSecret(in); got != want {
			t.Errorf("MaskSecret(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEventSyntax(t *testing.T) {
	s := &Service{}
	got, err := s.ValidateEvents([]string{"card.*, kyc.verification.success", "card.*", "*"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []string{"card.*", "kyc.verification.success", "*"}) {
		t.Errorf("got %v", got)
	}
	for _, bad := range [][]string{nil, {""}, {" , "}, {"card*"}, {"*.created"}, {"card.*.x"}, {"card..created"}, {".card"}, {"card created"}} {
		if _, err := s.ValidateEvents(bad); err == nil {
			t.Errorf("ValidateEvents(%q) accepted", bad)
		}
	}
}

func newService(t *testing.T) (*Service, *time.Time) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	return &Service{Store: st, Now: func() time.Time { return now }}, &now
}

func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	svc, now := newService(t)
	sub, err := svc.Create(ctx, CreateInput{URL: "http://localhost:3000/hooks", Events: []string{"card.*,kyc.verification.success"},
		Description: " app ", Headers: []string{"X-Env: dev"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sub.Secret, "whsec_") || len(sub.Secret) != len("whsec_")+44 || sub.Scheme != "auto" ||
		sub.Status != store.StatusEnabled || sub.Description != "app" || sub.Headers["X-Env"] != "dev" {
		t.Errorf("created %+v", sub)
	}
	// Bad input writes nothing.
	if _, err := svc.Create(ctx, CreateInput{URL: "nope", Events: []string{"*"}}); err == nil {
		t.Error("bad URL accepted")
	}
	if _, err := svc.Create(ctx, CreateInput{URL: "http://x", Events: []string{"*"}, Scheme: "standard", Secret: "not base64!"}); err == nil ||
		!strings.Contains(err.Error(), "invalid secret for scheme standard") {
		t.Errorf("bad secret: %v", err)
	}
	if l, _ := svc.List(ctx, "", ""); len(l) != 1 {
		t.Errorf("%d subscriptions after failed creates", len(l))
	}

	upd, err := svc.Update(ctx, sub.ID[:6], UpdateInput{AddEvents: []string{"card.created", "mono.x"}, RemoveEvents: []string{"card.*"},
		Headers: []string{"Authorization: Bearer t"}, RemoveHeaders: []string{"x-env"}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(upd.Events, []string{"kyc.verification.success", "card.created", "mono.x"}) ||
		!reflect.DeepEqual(upd.Headers, map[string]string{"Authorization": "Bearer t"}) {
		t.Errorf("updated %+v", upd)
	}
	bad := "ftp://x"
	if _, err := svc.Update(ctx, sub.ID, UpdateInput{URL: &bad, Description: new("lost?")}); err == nil {
		t.Error("bad URL update accepted")
	}
	if _, err := svc.Update(ctx, sub.ID, UpdateInput{RemoveEvents: []string{"kyc.verification.success", "card.created", "mono.x"}}); err == nil {
		t.Error("emptying the event list accepted")
	}
	if _, err := svc.Update(ctx, sub.ID, UpdateInput{}); err == nil {
		t.Error("empty update accepted")
	}
	got, _ := svc.Get(ctx, sub.ID)
	if got.Description != "app" || len(got.Events) != 3 {
		t.Errorf("a failed update changed the subscription: %+v", got)
	}

	dis, changed, err := svc.SetStatus(ctx, sub.ID, store.StatusDisabled)
	if err != nil || !changed || dis.Status != store.StatusDisabled {
		t.Errorf("disable: %v %v %v", dis, changed, err)
	}
	if _, changed, _ := svc.SetStatus(ctx, sub.ID, store.StatusDisabled); changed {
		t.Error("disabling twice reported a change")
	}

	old := sub.Secret
	rot, err := svc.RotateSecret(ctx, sub.ID, time.Hour, "")
	if err != nil {
		t.Fatal(err)
	}
	if rot.Secret == old || rot.PreviousSecret != old || !rot.PreviousSecretExpiresAt.Equal(now.Add(time.Hour)) {
		t.Errorf("rotated %+v", rot)
	}
	if got := ActiveSecrets(rot, *now); !reflect.DeepEqual(got, []string{rot.Secret, old}) {
		t.Errorf("active during grace: %v", got)
	}
	if got := ActiveSecrets(rot, now.Add(2*time.Hour)); !reflect.DeepEqual(got, []string{rot.Secret}) {
		t.Errorf("active after grace: %v", got)
	}
	v := NewView(rot, false, *now)
	if v.Secret != MaskSecret(rot.Secret) || v.PreviousSecret != MaskSecret(old) || v.PreviousSecretExpiresAt == nil || !v.SecretMasked {
		t.Errorf("masked view %+v", v)
	}
	if v := NewView(rot, true, now.Add(2*time.Hour)); v.Secret != rot.Secret || v.PreviousSecret != "" {
		t.Errorf("revealed view after grace %+v", v)
	}
	rot2, err := svc.RotateSecret(ctx, sub.ID, 0, "whsec_dGhpcyBpcyBhIGJyYW5kIG5ldyBzZWNyZXQ=")
	if err != nil || rot2.PreviousSecret != "" || rot2.Secret != "whsec_dGhpcyBpcyBhIGJyYW5kIG5ldyBzZWNyZXQ=" {
		t.Errorf("rotate without grace: %+v %v", rot2, err)
	}

	if _, err := svc.Delete(ctx, sub.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Get(ctx, sub.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
}

func TestValidateProviderList(t *testing.T) {
	for in, want := range map[string]string{"": "", "Bond": "bond", "saas, stripe": "saas,stripe", "stripe,stripe": "stripe"} {
		if got, err := ValidateProvider(in); err != nil || got != want {
			t.Errorf("ValidateProvider(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"nope", "saas,nope", "saas,"} {
		if _, err := ValidateProvider(in); err == nil {
			t.Errorf("ValidateProvider(%q) accepted", in)
		}
	}
}

// CheckImported refuses an imported subscription that subscribe and
// update would refuse (store import took them all with exit 0), and
// takes what hookctl writes (listen's, serve's: types outside the
// catalog).
func TestCheckImported(t *testing.T) {
	good := func() *store.Subscription {
		return &store.Subscription{ID: "s1", CallbackURL: "http://127.0.0.1:38411/ok", Events: []string{"*"},
			Status: store.StatusEnabled, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "auto"}
	}
	for _, tc := range []struct {
		edit func(*store.Subscription)
		want string // "" = accepted
	}{
		{func(*store.Subscription) {}, ""},
		{func(s *store.Subscription) {
			s.Events = []string{"order.created", "card.*"}
			s.Status = store.StatusDisabled
		}, ""},
		{func(s *store.Subscription) { s.Scheme, s.Provider, s.Method = "standard", "standard", "PUT" }, ""},
		{func(s *store.Subscription) { s.Status = "paused" }, `subscription s1: invalid status "paused": want enabled or disabled`},
		{func(s *store.Subscription) { s.Status = "" }, `invalid status ""`},
		{func(s *store.Subscription) { s.Scheme = "nope" }, `subscription s1: unknown signature scheme "nope"`},
		{func(s *store.Subscription) { s.CallbackURL = "ftp://x y" }, `subscription s1: invalid callback URL "ftp://x y"`},
		{func(s *store.Subscription) { s.CallbackURL = "" }, "subscription s1: the callback URL is empty"},
		{func(s *store.Subscription) { s.Events = []string{"bad*pattern"} }, `subscription s1: invalid event pattern "bad*pattern"`},
		{func(s *store.Subscription) { s.Events = nil }, "subscription s1: the event list is empty"},
		{func(s *store.Subscription) { s.Events = []string{""} }, "subscription s1: the event list has an empty name"},
		{func(s *store.Subscription) { s.Provider = "nobody" }, `subscription s1: unknown provider "nobody"`},
		{func(s *store.Subscription) { s.Method = "GET" }, `subscription s1: unsupported method "GET"`},
		{func(s *store.Subscription) { s.Scheme, s.Secret = "standard", "short" }, "subscription s1: invalid secret for scheme standard"},
		{func(s *store.Subscription) { s.Secret = "" }, "subscription s1: invalid secret for scheme auto"},
	} {
		sub := good()
		tc.edit(sub)
		err := CheckImported(sub)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v refused: %v", sub, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: want an error with %q, got %v", sub, tc.want, err)
		}
	}
}

// update --scheme to a scheme the secret does not suit points to
// rotate-secret (update has no --secret; the hint said "leave out
// --secret and hookctl generates one"); the "nothing to update" hint
// names --method and --scheme too.
func TestUpdateHints(t *testing.T) {
	svc, _ := newService(t)
	ctx := context.Background()
	sub, err := svc.Create(ctx, CreateInput{URL: "http://127.0.0.1:9/x", Events: []string{"*"}, Scheme: "mambu"})
	if err != nil {
		t.Fatal(err)
	}
	standard := "standard"
	_, err = svc.Update(ctx, sub.ID, UpdateInput{Scheme: &standard})
	var ie *InputError
	if !errors.As(err, &ie) || len(ie.Hint) != 1 {
		t.Fatalf("want an *InputError with one hint, got %v", err)
	}
	if want := "give it a secret for scheme standard first: hookctl subscriptions rotate-secret " + sub.ID + " --secret '<secret>', then change the scheme"; ie.Hint[0] != want {
		t.Errorf("hint %q, want %q", ie.Hint[0], want)
	}
	// the hint is true: after rotate-secret --secret, the update goes through
	if _, err := svc.RotateSecret(ctx, sub.ID, 0, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Update(ctx, sub.ID, UpdateInput{Scheme: &standard}); err != nil {
		t.Errorf("after rotate-secret: %v", err)
	}
	_, err = svc.Update(ctx, sub.ID, UpdateInput{})
	if !errors.As(err, &ie) || !strings.Contains(strings.Join(ie.Hint, " "), "--method, --scheme") {
		t.Errorf("nothing to update: %v %v", err, ie.Hint)
	}
}

// TestAutoSecretSuitsEveryScheme: scheme auto signs each event as its
// provider does, so a given secret must suit every scheme the
// subscription's events are signed with. "s3cret!" signs Bond events but
// no Standard Webhooks one: subscribe took it for '*', and every ping
// delivery then failed to sign.
func TestAutoSecretSuitsEveryScheme(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	cat, err := catalog.Load(catalog.Options{FixturesDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	svc.Catalog = cat
	const raw = "s3cret!"
	for _, in := range []CreateInput{
		{URL: "http://x", Events: []string{"*"}, Secret: raw},
		{URL: "http://x", Events: []string{"ping"}, Provider: "standard", Secret: raw},
		{URL: "http://x", Events: []string{"loan.*"}, Secret: ":pw"},
	} {
		_, err := svc.Create(ctx, in)
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(ie.Msg, "under scheme auto") || len(ie.Hint) == 0 {
			t.Errorf("Create(%v, %q): %v, want an invalid secret under scheme auto", in.Events, in.Secret, err)
		}
	}
	// what every event it takes is signed with suits the secret: kept
	bond, err := svc.Create(ctx, CreateInput{URL: "http://x", Events: []string{"card.*"}, Secret: raw})
	if err != nil {
		t.Fatalf("card.* with a raw secret: %v", err)
	}
	for _, in := range []CreateInput{
		{URL: "http://x", Events: []string{"*"}, Provider: "bond,stripe", Secret: raw},
		{URL: "http://x", Events: []string{"*"}, Scheme: "bond", Secret: raw},
	} {
		if _, err := svc.Create(ctx, in); err != nil {
			t.Errorf("Create(%+v): %v", in, err)
		}
	}
	// adding a standard event to it, or rotating a '*' one to such a
	// secret, is refused and changes nothing
	if _, err := svc.Update(ctx, bond.ID, UpdateInput{AddEvents: []string{"ping"}}); err == nil || !strings.Contains(err.Error(), "scheme standard") {
		t.Errorf("update --add-events ping: %v", err)
	}
	all, err := svc.Create(ctx, CreateInput{URL: "http://x", Events: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RotateSecret(ctx, all.ID, 0, raw); err == nil || !strings.Contains(err.Error(), "scheme standard") {
		t.Errorf("rotate-secret --secret %q on '*': %v", raw, err)
	}
	for id, want := range map[string]string{bond.ID: raw, all.ID: all.Secret} {
		got, err := svc.Get(ctx, id)
		if err != nil || got.Secret != want || slices.Contains(got.Events, "ping") {
			t.Errorf("after refusals: %+v %v", got, err)
		}
	}
}

// Nothing is in an event list twice: an added name a pattern covers is
// left out, an added pattern replaces the names (and narrower patterns)
// it covers, in the first one's place.
func TestAddEventsNothingTwice(t *testing.T) {
	for _, c := range []struct {
		list, add, want []string
		covered         string
	}{
		{[]string{"card.*"}, []string{"card.created"}, []string{"card.*"}, "[card.created is already covered by card.*: not added]"},
		{[]string{"card.created"}, []string{"card.created", "card.created"}, []string{"card.created"}, "[]"},
		{[]string{"kyc.verification.success", "card.created", "x.y", "card.status.*"}, []string{"card.*"},
			[]string{"kyc.verification.success", "card.*", "x.y"}, "[card.* covers card.created, which it replaces card.* covers card.status.*, which it replaces]"},
		{[]string{"card.*"}, []string{"card.status.*", "*"}, []string{"*"},
			"[card.status.* is already covered by card.*: not added * covers card.*, which it replaces]"},
		{[]string{"card.created"}, []string{"card.created.more"}, []string{"card.created", "card.created.more"}, "[]"},
	} {
		got, covered := AddEvents(c.list, c.add)
		if !slices.Equal(got, c.want) || fmt.Sprint(covered) != c.covered {
			t.Errorf("AddEvents(%q, %q) = %q, %v; want %q, %s", c.list, c.add, got, covered, c.want, c.covered)
		}
	}
}

// Edit writes nothing when the update changes nothing (UpdatedAt stays),
// and says so; Update (the providers' APIs) keeps writing.
func TestEditNoChange(t *testing.T) {
	ctx := context.Background()
	svc, now := newService(t)
	sub, err := svc.Create(ctx, CreateInput{URL: "http://localhost:3000/hooks", Events: []string{"card.*"}})
	if err != nil {
		t.Fatal(err)
	}
	*now = now.Add(time.Hour)
	var covered []Covered
	got, changed, err := svc.Edit(ctx, sub.ID, UpdateInput{AddEvents: []string{"card.created"}, Covered: &covered})
	if err != nil || changed || !got.UpdatedAt.Equal(sub.UpdatedAt) || !slices.Equal(got.Events, []string{"card.*"}) || len(covered) != 1 {
		t.Fatalf("Edit adding a covered name: %+v changed=%v covered=%v err=%v", got, changed, covered, err)
	}
	got, changed, err = svc.Edit(ctx, sub.ID, UpdateInput{AddEvents: []string{"kyc.*"}, Covered: &covered})
	if err != nil || !changed || !slices.Equal(got.Events, []string{"card.*", "kyc.*"}) || len(covered) != 0 {
		t.Fatalf("Edit adding kyc.*: %+v changed=%v covered=%v err=%v", got, changed, covered, err)
	}
}
