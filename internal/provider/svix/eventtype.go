package svix

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/provider"
)

// EventType is Svix's EventTypeOut. Event types are a catalog the
// application declares (svix.eventType.create at start-up is common);
// as in Svix, they do not gate messages: a message of any type is sent.
// They live in the server's memory.
type EventType struct {
	Name         string          `json:"name"`
	Description  string          `json:"description"`
	Archived     bool            `json:"archived"`
	Deprecated   bool            `json:"deprecated"`
	Schemas      json.RawMessage `json:"schemas,omitempty"`
	FeatureFlag  *string         `json:"featureFlag,omitempty"`
	FeatureFlags []string        `json:"featureFlags,omitempty"`
	GroupName    *string         `json:"groupName,omitempty"`
	CreatedAt    time.Time       `json:"createdAt"`
	UpdatedAt    time.Time       `json:"updatedAt"`
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

func (a *api) createEventType(w http.ResponseWriter, r *http.Request) {
	var in eventTypeIn
	if !a.decode(w, r, &in, false) || !in.check(w, true, true) {
		return
	}
	now := a.s.NowUTC()
	a.mu.Lock()
	defer a.mu.Unlock()
	et := a.eventTypes[*in.Name]
	switch {
	case et == nil:
		et = &EventType{Name: *in.Name, CreatedAt: now}
	case !et.Archived:
		fail(w, http.StatusConflict, "event_type_exists", "An event_type with this name already exists")
		return
	default:
		// Creating an archived event type unarchives it.
		c := *et
		et = &c
	}
	in.apply(et, false)
	et.UpdatedAt = now
	a.eventTypes[et.Name] = et
	provider.WriteJSON(w, http.StatusCreated, et)
}

func (a *api) listEventTypes(w http.ResponseWriter, r *http.Request) {
	limit, ok := limitOf(w, r, 50, 250)
	if !ok {
		return
	}
	q := r.URL.Query()
	archived, content := q.Get("include_archived") == "true", q.Get("with_content") == "true"
	a.mu.Lock()
	var out []EventType
	for _, et := range a.eventTypes {
		if !et.Archived || archived {
			c := *et
			if !content {
				c.Schemas = nil
			}
			out = append(out, c)
		}
	}
	a.mu.Unlock()
	// By name, as Svix lists them; the iterator is the last name.
	slices.SortFunc(out, func(x, y EventType) int { return strings.Compare(x.Name, y.Name) })
	if q.Get("order") == "descending" {
		slices.Reverse(out)
	}
	if it := q.Get("iterator"); it != "" {
		if i := slices.IndexFunc(out, func(x EventType) bool { return x.Name == it }); i >= 0 {
			out = out[i+1:]
		}
	}
	done := len(out) <= limit
	out = out[:min(limit, len(out))]
	var next *string
	if len(out) > 0 {
		next = &out[len(out)-1].Name
	}
	if out == nil {
		out = []EventType{}
	}
	provider.WriteJSON(w, http.StatusOK, listPage{Data: out, Iterator: next, Done: done})
}

func (a *api) getEventType(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	et := a.eventTypes[r.PathValue("name")]
	a.mu.Unlock()
	if et == nil {
		notFound(w)
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
		name, now := r.PathValue("name"), a.s.NowUTC()
		if !validName(name, 256, "") {
			fail(w, http.StatusUnprocessableEntity, "validation", "the event type's name must be 1 to 256 characters: letters, digits, '-', '_' or '.'")
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		status, et := http.StatusOK, a.eventTypes[name]
		if et == nil {
			if patch {
				notFound(w)
				return
			}
			status, et = http.StatusCreated, &EventType{Name: name, CreatedAt: now}
		} else {
			c := *et
			et = &c
		}
		in.apply(et, patch)
		et.UpdatedAt = now
		a.eventTypes[name] = et
		provider.WriteJSON(w, status, et)
	}
}

// deleteEventType archives the event type (expunge=true forgets it).
func (a *api) deleteEventType(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	a.mu.Lock()
	defer a.mu.Unlock()
	et := a.eventTypes[name]
	if et == nil {
		notFound(w)
		return
	}
	if r.URL.Query().Get("expunge") == "true" {
		delete(a.eventTypes, name)
	} else {
		c := *et
		c.Archived, c.UpdatedAt = true, a.s.NowUTC()
		a.eventTypes[name] = &c
	}
	w.WriteHeader(http.StatusNoContent)
}
