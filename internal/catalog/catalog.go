// Package catalog holds the built-in event types of the providers hookctl
// emulates, the user's custom fixtures, and builds events with fresh ids,
// timestamps and overrides.
package catalog

import (
	"errors"
	"time"
)

// STUB: the catalog issue replaces this file with the real catalog. The
// exported names below are the contract other packages build on.

// Providers lists the providers hookctl emulates.
func Providers() []string { return []string{"bond", "mono", "mambu", "saas", "standard"} }

// EventType is one catalog entry.
type EventType struct {
	Type        string
	Provider    string
	Description string
	Scheme      string // the provider's default signature scheme
	ContentType string // application/json, application/xml, text/plain
	Method      string // "" = POST
	Origin      string // "builtin" or the fixture file it came from
}

// QualifiedName is provider:type.
func (e *EventType) QualifiedName() string { return e.Provider + ":" + e.Type }

// Event is a built event, ready to sign and send.
type Event struct {
	ID          string // provider-style id (UUID for bond, 24-hex for mono, evt_… for saas)
	Type        string
	Provider    string
	Scheme      string
	ContentType string
	Body        []byte
}

// Options controls Load.
type Options struct {
	FixturesDir string // custom fixtures; "" = ./.hookctl/fixtures when present
}

// Catalog is the set of known event types.
type Catalog struct{ types []*EventType }

// Load builds the catalog (built-in plus custom fixtures).
func Load(o Options) (*Catalog, error) { return &Catalog{}, nil }

// List returns event types, filtered by provider and a search text, sorted
// by provider then type.
func (c *Catalog) List(provider, search string) []*EventType { return nil }

// Lookup resolves a name ("card.created" or "bond:card.created") to one
// event type; errors carry a "did you mean" hint (cli.HintError).
func (c *Catalog) Lookup(name, provider string) (*EventType, error) {
	return nil, errors.New("catalog not implemented")
}

// ValidatePatterns checks event names and patterns (card.*, *) against the
// catalog, with "did you mean" hints for typos.
func (c *Catalog) ValidatePatterns(patterns []string) error { return nil }

// BuildOptions controls Build.
type BuildOptions struct {
	Now       time.Time
	Overrides []Override
	Data      []byte // replaces the whole body when set
}

// Override is one --set / --set-string / --set-json / --unset.
type Override struct {
	Op    string // set | set-string | set-json | unset
	Path  string
	Value string
}

// Build renders a fresh event of type et.
func (c *Catalog) Build(et *EventType, o BuildOptions) (*Event, error) {
	return nil, errors.New("catalog not implemented")
}

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
