package svix

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/hookctl/hookctl/internal/provider"
	"github.com/hookctl/hookctl/internal/store"
)

// EventType is Svix's EventTypeOut. Event types are a catalog the
// application declares (svix.eventType.create at start-up is common);
// as in Svix, they do not gate messages: a message of any type is sent,
// but an endpoint's filterTypes must name declared ones. They are store
// objects (objects.go).
type EventType struct {
	Name         string          `json:"name"`
	Description  string          `json:"description"`
	Archived     bool            `json:"archived"`
	Deprecated   bool            `json:"deprecated"`
	Schemas      json.RawMessage `json:"schemas,omitempty"`
	FeatureFlag  *string         `json:"featureFlag,omitempty"`
	FeatureFlags []string        `json:"featureFlags,omitempty"`
	GroupName    *string         `json:"groupName,omitempty"`
	CreatedAt    Time            `json:"createdAt"`
	UpdatedAt    Time            `json:"updatedAt"`
}

// eventTypeIn is EventTypeIn, EventTypeUpdate and EventTypePatch (name
// only in the first; every field optional in the last).
type eventTypeIn struct {
	Name         *string          `json:"name"`
	Description  *string          `json:"description"`
	Archived     *bool            `json:"archived"`
	Deprecated   *bool            `json:"deprecated"`
	Schemas      *json.RawMessage `json:"schemas"`
	FeatureFlag  *string          `json:"featureFlag"`
	FeatureFlags *[]string        `json:"featureFlags"`
	GroupName    *string          `json:"groupName"`
}

// check applies Svix's rules: a name for a new event type, a description
// unless patching, schemas an object.
func (in *eventTypeIn) check(w http.ResponseWriter, needName, needDescription bool) bool {
	if needName && (in.Name == nil || !validName(*in.Name, 256, "")) {
		fail(w, http.StatusUnprocessableEntity, "validation", "name must be 1 to 256 characters: letters, digits, '-', '_' or '.'")
		return false
	}
	if needDescription && in.Description == nil {
		fail(w, http.StatusUnprocessableEntity, "validation", "description is required")
		return false
	}
	if in.Description != nil && strings.ContainsFunc(*in.Description, isControl) {
		fail(w, http.StatusUnprocessableEntity, "validation", "description must not contain control characters")
		return false
	}
	if in.Schemas != nil && string(*in.Schemas) != "null" && !strings.HasPrefix(strings.TrimSpace(string(*in.Schemas)), "{") {
		fail(w, http.StatusUnprocessableEntity, "validation", "field schemas has the wrong type: want an object")
		return false
	}
	return true
}

// apply sets what in gives on et (all of it unless patch: an update
// replaces the event type's fields).
func (in *eventTypeIn) apply(et *EventType, patch bool) {
	if in.Description != nil {
		et.Description = *in.Description
	}
	if in.Archived != nil || !patch {
		et.Archived = in.Archived != nil && *in.Archived
	}
	if in.Deprecated != nil || !patch {
		et.Deprecated = in.Deprecated != nil && *in.Deprecated
	}
	if in.Schemas != nil || !patch {
		et.Schemas = nil
		if in.Schemas != nil && string(*in.Schemas) != "null" {
			et.Schemas = *in.Schemas
		}
	}
	if in.FeatureFlag != nil || !patch {
		et.FeatureFlag = in.FeatureFlag
	}
	if in.FeatureFlags != nil || !patch {
		et.FeatureFlags = nil
		if in.FeatureFlags != nil {
			et.FeatureFlags = *in.FeatureFlags
		}
	}
	if in.GroupName != nil || !patch {
		et.GroupName = in.GroupName
	}
}

// errEventTypeExists: create found a live event type of that name.
var errEventTypeExists = errors.New("event type exists")

func (a *api) createEventType(w http.ResponseWriter, r *http.Request) {
	var in eventTypeIn
	if !a.decode(w, r, &in, false) || !in.check(w, true, true) {
		return
	}
	now := svixTime(a.s.NowUTC())
	et, err := a.changeEventType(r.Context(), *in.Name, func(cur *EventType) (*EventType, error) {
		et := &EventType{Name: *in.Name, CreatedAt: now}
		if cur != nil {
			if !cur.Archived {
				return nil, errEventTypeExists
			}
			et = cur // creating an archived event type unarchives it
		}
		in.apply(et, false)
		et.UpdatedAt = now
		return et, nil
	})
	if errors.Is(err, errEventTypeExists) {
		fail(w, http.StatusConflict, "event_type_exists", "An event_type with this name already exists")
		return
	}
	if a.bad(w, err) {
		return
	}
	provider.WriteJSON(w, http.StatusCreated, et)
}

func (a *api) listEventTypes(w http.ResponseWriter, r *http.Request) {
	limit, ok := limitOf(w, r, 50, 250)
	if !ok {
		return
	}
	q := r.URL.Query()
	archived, content := q.Get("include_archived") == "true", q.Get("with_content") == "true"
	all, err := a.eventTypes(r.Context())
	if a.bad(w, err) {
		return
	}
	out := []EventType{}
	for _, et := range all {
		if !et.Archived || archived {
			c := *et
			if !content {
				c.Schemas = nil
			}
			out = append(out, c)
		}
	}
	// By name, as Svix lists them. The iterator is the last name, the
	// prevIterator "-" and the first; a name is a place in that order,
	// so a page after (or before) an event type deleted since goes on
	// from where it stood rather than from the start. A name may begin
	// with "-": its forward iterator is "~" and the name ("~" is no
	// name's character), so that it is not read as a prevIterator. It
	// was "+", which a query string written by hand (curl, a browser)
	// turns into a space: "+" and " " are read as "~" still.
	desc := q.Get("order") == "descending"
	slices.SortFunc(out, func(x, y EventType) int { return strings.Compare(x.Name, y.Name) })
	if desc {
		slices.Reverse(out)
	}
	// before says whether name comes before at in the list's order.
	before := func(name, at string) bool {
		if desc {
			return name > at
		}
		return name < at
	}
	it := q.Get("iterator")
	at, prev := strings.CutPrefix(it, "-")
	if !prev && it != "" && strings.ContainsRune("~+ ", rune(it[0])) {
		at = it[1:]
	}
	if it != "" && !validName(at, 256, "") {
		badIterator(w, it, "an event type's name")
		return
	}
	var done bool
	switch {
	case it == "":
		done = len(out) <= limit
		out = out[:min(limit, len(out))]
	case prev:
		// The limit names just before at, in the list's order.
		j := 0
		for j < len(out) && before(out[j].Name, at) {
			j++
		}
		done = j <= limit
		out = out[max(0, j-limit):j]
	default:
		i := 0
		for i < len(out) && (before(out[i].Name, at) || out[i].Name == at) {
			i++
		}
		out = out[i:]
		done = len(out) <= limit
		out = out[:min(limit, len(out))]
	}
	var next, prevIt *string
	if len(out) > 0 {
		n := out[len(out)-1].Name
		if strings.HasPrefix(n, "-") {
			n = "~" + n
		}
		next, prevIt = &n, prevIteratorOf(out[0].Name, len(out))
	}
	provider.WriteJSON(w, http.StatusOK, listPage{Data: out, Iterator: next, PrevIterator: prevIt, Done: done})
}

func (a *api) getEventType(w http.ResponseWriter, r *http.Request) {
	o, err := a.s.Store.GetObject(r.Context(), kindEventType, r.PathValue("name"))
	if a.bad(w, err) {
		return
	}
	et, err := objectET(o)
	if a.bad(w, err) {
		return
	}
	provider.WriteJSON(w, http.StatusOK, et)
}

// updateEventType is PUT (create or update: 201 when it creates) and
// PATCH (404 when there is none).
func (a *api) updateEventType(patch bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in eventTypeIn
		if !a.decode(w, r, &in, patch) || !in.check(w, false, !patch) {
			return
		}
		name, now := r.PathValue("name"), svixTime(a.s.NowUTC())
		if !validName(name, 256, "") {
			fail(w, http.StatusUnprocessableEntity, "validation", "the event type's name must be 1 to 256 characters: letters, digits, '-', '_' or '.'")
			return
		}
		status := http.StatusOK
		et, err := a.changeEventType(r.Context(), name, func(cur *EventType) (*EventType, error) {
			status = http.StatusOK
			if cur == nil {
				if patch {
					return nil, &store.NotFoundError{Kind: "event type", ID: name}
				}
				status, cur = http.StatusCreated, &EventType{Name: name, CreatedAt: now}
			}
			in.apply(cur, patch)
			cur.UpdatedAt = now
			return cur, nil
		})
		if a.bad(w, err) {
			return
		}
		provider.WriteJSON(w, status, et)
	}
}

// deleteEventType archives the event type (expunge=true forgets it).
func (a *api) deleteEventType(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	_, err := a.changeEventType(r.Context(), name, func(cur *EventType) (*EventType, error) {
		switch {
		case cur == nil:
			return nil, &store.NotFoundError{Kind: "event type", ID: name}
		case r.URL.Query().Get("expunge") == "true":
			return nil, nil
		}
		cur.Archived, cur.UpdatedAt = true, svixTime(a.s.NowUTC())
		return cur, nil
	})
	if a.bad(w, err) {
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
