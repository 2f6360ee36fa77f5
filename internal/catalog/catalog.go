// Package catalog holds the built-in event types of the providers hookctl
// emulates, the user's custom fixtures, and builds events with fresh ids,
// timestamps and overrides.
package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/config"
)

// Providers lists the providers hookctl emulates. Order matters: where an
// unqualified name exists in several providers, the earlier providers of
// this list that had it first keep it (see Resolve).
func Providers() []string {
	return []string{"bond", "mono", "mambu", "saas", "standard", "stripe", "github"}
}

// lateProviders joined the catalog after names such as customer.updated
// (saas) and ping (standard) already resolved unqualified; on a collision
// the earlier provider keeps the name.
var lateProviders = map[string]bool{"stripe": true, "github": true}

// SchemeFor is the signature scheme a provider signs with by default (the
// delivery engine signs "auto" subscriptions with it). Unknown providers
// get "standard".
func SchemeFor(provider string) string {
	switch provider {
	case "bond", "mono", "mambu", "standard", "stripe", "github":
		return provider
	case "saas":
		return "stripe"
	}
	return "standard"
}

func knownProvider(p string) bool {
	for _, q := range Providers() {
		if p == q {
			return true
		}
	}
	return false
}

// Content types of bodies.
const (
	ContentJSON = "application/json"
	ContentXML  = "application/xml"
	ContentText = "text/plain"
)

// EventType is one catalog entry.
type EventType struct {
	Type        string
	Provider    string
	Description string
	Scheme      string // the provider's default signature scheme
	ContentType string // application/json, application/xml, text/plain
	Method      string // "" = POST
	Origin      string // "builtin" or the fixture file it came from

	src          string            // body template source
	placeholders map[string]string // Mambu-style {NAME} → {{call}}
	once         sync.Once
	tmpl         *template
	tmplErr      error
}

// QualifiedName is provider:type.
func (e *EventType) QualifiedName() string { return e.Provider + ":" + e.Type }

// IsJSON reports whether the body is JSON (overrides apply).
func (e *EventType) IsJSON() bool { return isJSONContent(e.ContentType) }

func isJSONContent(ct string) bool {
	return ct == "" || ct == ContentJSON || strings.HasSuffix(strings.SplitN(ct, ";", 2)[0], "+json")
}

func (e *EventType) compiled() (*template, error) {
	e.once.Do(func() {
		src := []byte(e.src)
		if e.IsJSON() {
			// Laid out as the provider sends it (WireJSON); a template
			// that is not JSON before rendering (bare placeholders) is
			// kept as written.
			if c, err := WireJSON(e.Provider, src); err == nil {
				src = c
			}
		}
		e.tmpl, e.tmplErr = compileTemplate(src, e.IsJSON(), e.placeholders)
	})
	return e.tmpl, e.tmplErr
}

// Event is a built event, ready to sign and send.
type Event struct {
	ID          string // provider-style id (UUID for bond, 24-hex for mono, evt_… for saas)
	Type        string
	Provider    string
	Scheme      string
	ContentType string
	Method      string // POST, PUT or PATCH
	Body        []byte
	// Subject are the values of the {PLACEHOLDER}s (Mambu-style
	// templates) that name the objects the event is about: its client,
	// account, loan, branch; not its notification id, its times or its
	// transaction (each notification of a transaction is about a new
	// one). BuildOptions{Subject: ev.Subject} builds another event about
	// the same objects. Nil without such placeholders.
	Subject map[string]string
	// Generated are the byte ranges of Body its template generated, in
	// order (BuildOptions.Generated; nil once --data or --set changed it).
	Generated []Span
}

// Options controls Load.
type Options struct {
	FixturesDir string // custom fixtures; "" = ./.hookctl/fixtures when present
}

// DefaultFixturesDir is used when Options.FixturesDir is empty and it exists.
const DefaultFixturesDir = ".hookctl/fixtures"

// Catalog is the set of known event types.
type Catalog struct {
	types []*EventType
	// FixturesDir is the custom fixtures directory in use ("" = none).
	FixturesDir string
}

// Load builds the catalog (built-in plus custom fixtures). Errors in custom
// fixtures name the file and line and are usage errors (exit 2).
func Load(o Options) (*Catalog, error) {
	c := &Catalog{}
	builtin, err := loadBuiltins()
	if err != nil {
		return nil, err
	}
	c.types = builtin
	dir := config.ExpandHome(o.FixturesDir) // fixtures_dir: ~/fixtures
	if dir == "" {
		if fi, err := os.Stat(DefaultFixturesDir); err == nil && fi.IsDir() {
			dir = DefaultFixturesDir
		}
	} else if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, &Error{Msg: fmt.Sprintf("fixtures directory %s not found", dir), HintList: []string{"create it, or point --fixtures (fixtures_dir) at a directory of .json or .yaml files"}}
	}
	if dir != "" {
		c.FixturesDir = dir
		custom, err := loadDir(dir)
		if err != nil {
			return nil, err
		}
		c.merge(custom)
	}
	sort.SliceStable(c.types, func(i, j int) bool {
		a, b := c.types[i], c.types[j]
		if a.Provider != b.Provider {
			return providerRank(a.Provider) < providerRank(b.Provider)
		}
		return a.Type < b.Type
	})
	return c, nil
}

func providerRank(p string) int {
	for i, q := range Providers() {
		if p == q {
			return i
		}
	}
	return len(Providers())
}

// merge adds custom types, replacing built-ins of the same provider and type.
func (c *Catalog) merge(custom []*EventType) {
	for _, et := range custom {
		replaced := false
		for i, old := range c.types {
			if old.Provider == et.Provider && old.Type == et.Type {
				c.types[i] = et
				replaced = true
				break
			}
		}
		if !replaced {
			c.types = append(c.types, et)
		}
	}
}

// All returns every event type, sorted by provider then type.
func (c *Catalog) All() []*EventType { return c.types }

// List returns event types, filtered by provider and a search text
// (case-insensitive, in the type or description), sorted by provider then
// type.
func (c *Catalog) List(provider, search string) []*EventType {
	search = strings.ToLower(search)
	var out []*EventType
	for _, et := range c.types {
		if provider != "" && et.Provider != provider {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(et.Type), search) &&
			!strings.Contains(strings.ToLower(et.Description), search) {
			continue
		}
		out = append(out, et)
	}
	return out
}

// BuildOptions controls Build.
type BuildOptions struct {
	Now       time.Time
	Overrides []Override
	Data      []byte // replaces the whole body when set
	// Subject renders the {PLACEHOLDER}s that name objects with these
	// values (another event's Event.Subject): an event about the same
	// client and account, its own id and times fresh.
	Subject map[string]string
	// Generated records Event.Generated.
	Generated bool
}

// Build renders a fresh event of type et: new ids, the current time
// (o.Now) in the provider's format, then o.Data and o.Overrides applied.
func (c *Catalog) Build(et *EventType, o BuildOptions) (*Event, error) {
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	ev := &Event{
		Type:        et.Type,
		Provider:    et.Provider,
		Scheme:      et.Scheme,
		ContentType: et.ContentType,
		Method:      et.Method,
	}
	if ev.Method == "" {
		ev.Method = "POST"
	}
	if ev.ContentType == "" {
		ev.ContentType = ContentJSON
	}
	var r renderer
	var vars [16]rvar
	r.vars = vars[:0]
	r.now = now
	r.record = o.Generated
	if len(o.Subject) > 0 {
		r.subject = make(map[string]string, len(o.Subject))
		for k, v := range o.Subject {
			r.subject["{"+k+"}"] = v
		}
	}
	var body, sample []byte
	if o.Data != nil {
		if et.IsJSON() {
			if err := validBody(ContentJSON, o.Data); err != nil {
				return nil, &Error{Msg: "--data is not valid JSON: " + err.Error(),
					HintList: []string{"check it with jq: jq . FILE for --data @FILE; inline, echo 'JSON' | jq . (single quotes keep the shell from eating its double quotes)"}}
			}
		}
		body = o.Data
	} else {
		t, err := et.compiled()
		if err != nil {
			return nil, fmt.Errorf("event %s: %w", et.QualifiedName(), err)
		}
		body = t.render(&r, make([]byte, 0, t.size+256))
		sample = body
	}
	if v, ok := r.lookup("@event", body); ok {
		ev.ID = string(v)
	}
	for _, v := range r.vars {
		if v.subject {
			if ev.Subject == nil {
				ev.Subject = map[string]string{}
			}
			ev.Subject[strings.Trim(v.name, "{}")] = string(body[v.start:v.end])
		}
	}
	if o.Data == nil && len(o.Overrides) == 0 {
		ev.Generated = r.spans
	}
	if len(o.Overrides) > 0 {
		if !et.IsJSON() {
			return nil, &Error{Msg: fmt.Sprintf("--set, --set-string, --set-json and --unset need a JSON body, but %s is %s", et.QualifiedName(), et.ContentType),
				HintList: []string{"use --data @FILE to send a different body"}}
		}
		var err error
		if body, err = ApplyOverrides(body, o.Overrides); err != nil {
			if ce, ok := err.(*Error); ok {
				// The hint's "hookctl events show TYPE": this type.
				for i, h := range ce.HintList {
					ce.HintList[i] = strings.ReplaceAll(h, "hookctl events show TYPE", "hookctl events show "+et.QualifiedName())
				}
			}
			return nil, err
		}
		if o.Data == nil {
			// What the edits added laid out like the rest (--data is
			// sent byte for byte).
			if w, err := WireJSON(et.Provider, body); err == nil {
				body = w
			}
		}
	}
	if (o.Data != nil || len(o.Overrides) > 0) && et.IsJSON() {
		if err := c.keepsIdentity(et, sample, body); err != nil {
			return nil, err
		}
	}
	if p := idPath(et.Provider); p != "" && et.IsJSON() {
		if v := gjson.GetBytes(body, p); v.Type == gjson.String && v.Str != "" {
			ev.ID = v.Str
		}
	}
	if ev.ID == "" {
		ev.ID = NewEventID(et.Provider)
	}
	ev.Body = body
	return ev, nil
}

// identityPaths are the fields of a provider's body that say which event
// it is: its type (GitHub's action, the type being in X-GitHub-Event) and,
// for Stripe-style events, the kind of object it carries.
func identityPaths(provider string) []string {
	switch provider {
	case "github":
		return []string{"action"}
	case "saas", "stripe":
		return []string{"type", "data.object.object"}
	case "bond", "mono", "mambu":
		return []string{"event"}
	}
	return []string{"type", "event", "event_type"}
}

// keepsIdentity refuses a body (after --data and overrides) that names
// another event than the one built: hookctl would send it, route it to
// subscriptions, sign its headers (X-GitHub-Event) and record it as
// et.Type while the receiver reads another type, or a type whose object
// is of another kind. Each identity field the fixture's own sample
// carries must be left as it is (or removed or made a non-string, to test a
// malformed event).
// sample is nil when --data replaced it; it is then rendered here.
func (c *Catalog) keepsIdentity(et *EventType, sample, body []byte) error {
	if sample == nil {
		t, err := et.compiled()
		if err != nil {
			return nil // the sample cannot be rendered: nothing to compare with
		}
		var r renderer
		var vars [16]rvar
		r.vars = vars[:0]
		r.now = time.Now().UTC()
		sample = t.render(&r, make([]byte, 0, t.size+256))
	}
	for _, p := range identityPaths(et.Provider) {
		want := gjson.GetBytes(sample, p)
		if want.Type != gjson.String || strings.Contains(gjson.Get(et.src, p).Str, "{{") {
			continue // none, or a custom fixture that draws it ({{choice a b}})
		}
		got := gjson.GetBytes(body, p)
		if got.Type != gjson.String || got.Str == want.Str {
			continue // the same, or removed or not a string: malformed on purpose
		}
		msg := fmt.Sprintf("the body's %s is %q, not %q: hookctl sends, routes and records this event as %s",
			p, got.Str, want.Str, et.QualifiedName())
		var hints []string
		other := got.Str
		switch p {
		case "action":
			other = GitHubEventHeader(et.Type) + "." + got.Str
		case "data.object.object":
			other = ""
		}
		if other != "" {
			if _, err := c.lookup(other, et.Provider); err == nil {
				hints = append(hints, fmt.Sprintf("to send the %s event, name it instead: %s:%s (--data and --set work with it too)", other, et.Provider, other))
			} else {
				hints = append(hints, fmt.Sprintf("to send %q events, add a custom fixture of that type (see 'Custom fixtures' in the README)", other))
			}
		}
		hints = append(hints, fmt.Sprintf("or leave %s as the fixture has it", p))
		return &Error{Msg: msg, HintList: hints}
	}
	return nil
}

// idPath is where a provider's body carries the event id.
func idPath(provider string) string {
	switch provider {
	case "saas", "stripe":
		return "id"
	case "mono":
		return "event_id"
	case "mambu":
		return "notificationId"
	}
	return ""
}

// NewEventID returns a fresh event id in the provider's style: UUID for
// bond, mambu and github (X-GitHub-Delivery is a GUID), 24-hex for mono,
// evt_… for saas and stripe, msg_… for standard.
func NewEventID(provider string) string {
	switch provider {
	case "mono":
		return string(genHex24(nil, make([]byte, 0, 24)))
	case "saas", "stripe":
		return string(genEvt(nil, make([]byte, 0, 28)))
	case "standard":
		return string(genMsg(nil, make([]byte, 0, 28)))
	}
	var buf [36]byte
	return string(genUUID(nil, buf[:0]))
}

var (
	genHex24 = randChars(hexChars, "", 24)
	genEvt   = randChars(alnumChars, "evt_", 24)
	genMsg   = randChars(alnumChars, "msg_", 24)
)

// Match reports whether an event type matches a subscription pattern
// (exact, "*", or a prefix ending in ".*").
func Match(pattern, eventType string) bool {
	if pattern == "*" || pattern == eventType {
		return true
	}
	if n := len(pattern); n > 2 && pattern[n-2:] == ".*" {
		p := pattern[:n-1]
		return len(eventType) > len(p) && eventType[:len(p)] == p
	}
	return false
}

// WireJSON lays a JSON body out as provider sends its events: Stripe
// pretty-prints them (two-space indent, as its API answers), the others
// send them compact. A receiver that parses the JSON and verifies the
// re-serialised body (JSON.stringify(req.body) after express.json())
// fails on every real Stripe event but would re-serialise a compact body
// to the same bytes, so a compact Stripe event would let that mistake
// pass. Key order and the bytes of values are kept.
func WireJSON(provider string, b []byte) ([]byte, error) {
	if provider != "stripe" {
		return compactJSON(b)
	}
	var buf bytes.Buffer
	buf.Grow(len(b) + len(b)/2)
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// compactJSON compacts a JSON body, keeping key order and bytes of values.
func compactJSON(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(b))
	if err := json.Compact(&buf, b); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func sortStrings(s []string) { sort.Strings(s) }

// rel shortens a path for messages.
func rel(p string) string {
	if wd, err := os.Getwd(); err == nil {
		if r, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
	}
	return p
}

// GitHubEventHeader is the X-GitHub-Event value of a github catalog type:
// the event name without its action ("pull_request.opened" →
// "pull_request"); GitHub sends the action in the body.
func GitHubEventHeader(typ string) string {
	name, _, _ := strings.Cut(typ, ".")
	return name
}

// SetPendingWebhooks sets a Stripe-style event's top-level
// pending_webhooks (Stripe: the number of endpoints that have not yet
// received the event successfully) to n, in place: the other bytes, the
// layout and the key order are kept. A body of another provider, or one
// without a numeric pending_webhooks, is returned as it is.
func SetPendingWebhooks(provider string, body []byte, n int) []byte {
	if provider != "stripe" && provider != "saas" {
		return body
	}
	v := gjson.GetBytes(body, "pending_webhooks")
	if v.Type != gjson.Number || v.Index <= 0 || v.Index+len(v.Raw) > len(body) {
		return body
	}
	if v.Raw == strconv.Itoa(n) {
		return body
	}
	out := make([]byte, 0, len(body)+4)
	out = append(out, body[:v.Index]...)
	out = strconv.AppendInt(out, int64(n), 10)
	return append(out, body[v.Index+len(v.Raw):]...)
}

// IsGitHubPing reports whether an event is GitHub's ping, whose body
// names the webhook it is sent to (hook_id, hook.id): one ping per
// webhook, each with its own (SetGitHubHookID).
func IsGitHubPing(provider, typ string) bool { return provider == "github" && typ == "ping" }

// SetGitHubHookID makes a GitHub ping's body name the webhook hook (the
// X-GitHub-Hook-ID of the subscription it goes to): hook_id, hook.id and
// the hook's URLs (url, test_url, ping_url, deliveries_url), in place, the
// other bytes and the key order kept. A body whose hook_id and hook.id
// are not one number (not the catalog's ping) is returned as it is.
func SetGitHubHookID(body []byte, hook uint64) []byte {
	hid, id := gjson.GetBytes(body, "hook_id"), gjson.GetBytes(body, "hook.id")
	if hid.Type != gjson.Number || id.Type != gjson.Number || hid.Raw != id.Raw || hid.Index <= 0 || id.Index <= 0 {
		return body
	}
	old, neu := hid.Raw, strconv.FormatUint(hook, 10)
	if old == neu {
		return body
	}
	// Splice from the end of the body so the earlier index holds.
	out := append([]byte(nil), body...)
	first, second := hid, id
	if first.Index > second.Index {
		first, second = second, first
	}
	for _, v := range []gjson.Result{second, first} {
		out = append(out[:v.Index:v.Index], append([]byte(neu), out[v.Index+len(v.Raw):]...)...)
	}
	for _, k := range []string{"url", "test_url", "ping_url", "deliveries_url"} {
		v := gjson.GetBytes(out, "hook."+k)
		if v.Type != gjson.String || v.Index <= 0 {
			continue
		}
		u := strings.Replace(v.Raw, "/hooks/"+old+`"`, "/hooks/"+neu+`"`, 1)
		u = strings.Replace(u, "/hooks/"+old+"/", "/hooks/"+neu+"/", 1)
		if u != v.Raw {
			out = append(out[:v.Index:v.Index], append([]byte(u), out[v.Index+len(v.Raw):]...)...)
		}
	}
	return out
}
