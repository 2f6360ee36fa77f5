package svix

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/provider"
	"github.com/hookctl/hookctl/internal/store"
)

// Kinds of the store objects (store.Object) the Svix API keeps:
// applications (their JSON is an App; a deleted one stays as a tombstone,
// so that its messages do not bring it back) and declared event types
// (an EventType, by name). In the store, they outlive the server and are
// the same for every server sharing it.
const (
	kindApp       = "svix.app"
	kindEventType = "svix.event_type"
	// kindEndpointGone: where a deleted endpoint stood in its
	// application's endpoint list (a goneEndpoint, by its ep_ id), so an
	// iterator naming it still finds its place. A tombstone of
	// store.HistoryKinds: `hookctl store prune` deletes it with the
	// history of its time (an iterator naming it then reads from the
	// first page), `store reset` with everything.
	kindEndpointGone = store.KindSvixEndpointGone
)

// goneEndpoint is a deleted endpoint's place in its application's
// endpoint list: the list's order is (creation time, subscription id).
type goneEndpoint struct {
	App            string    `json:"app"`
	SubscriptionID string    `json:"subscription_id"`
	CreatedAt      time.Time `json:"created_at"`
	// EndpointID is the endpoint's ep_ id. The same record is kept by
	// the subscription's id too (goneSubPrefix and it): the deliveries of
	// a deleted subscription keep its id (DeletedSubscriptionID), and
	// that record gives the attempts their endpointId back, as Svix's
	// attempts keep theirs. Records kept before it was written have none.
	EndpointID string `json:"endpoint_id,omitempty"`
}

// goneSubPrefix prefixes the subscription id a deleted endpoint's record
// is kept by besides its ep_ id (no ep_ id has it).
const goneSubPrefix = "sub:"

// keepEndpointPlace records where a deleted endpoint stood, after the
// delete. Its error is ignored on purpose: the endpoint is already
// deleted, so answering the DELETE with a 500 would tell the caller it
// failed (and its retry would get a 404); what is lost is only that an
// iterator naming this endpoint reads from the first page, as before
// places were kept. It is written even when the caller hangs up once the
// delete is done.
func (a *api) keepEndpointPlace(ctx context.Context, appID string, sub *store.Subscription) {
	epID := sub.Metadata[MetaID]
	b, err := json.Marshal(goneEndpoint{App: appID, SubscriptionID: sub.ID, CreatedAt: sub.CreatedAt, EndpointID: epID})
	if err != nil {
		return
	}
	for _, id := range []string{epID, goneSubPrefix + sub.ID} {
		_, _ = a.s.Store.ChangeObject(context.WithoutCancel(ctx), kindEndpointGone, id, func(*store.Object) (*store.Object, error) {
			return &store.Object{Data: b, Deleted: true, CreatedAt: sub.CreatedAt}, nil
		})
	}
}

// goneEndpointID is the ep_ id the deleted subscription subID had as an
// endpoint of the application ("" when unknown: its record pruned, not
// one of appID's, or not a Svix endpoint). An endpoint deleted before its
// record was kept by subscription id too is looked for among the records
// kept by ep_ id (each names its subscription).
func (a *api) goneEndpointID(ctx context.Context, appID, subID string) (string, error) {
	if subID == "" {
		return "", nil
	}
	o, err := a.s.Store.GetObject(ctx, kindEndpointGone, goneSubPrefix+subID)
	if provider.IsNotFound(err) {
		all, err := a.s.Store.ListObjects(ctx, kindEndpointGone)
		if err != nil {
			return "", err
		}
		for _, o := range all {
			var g goneEndpoint
			if !strings.HasPrefix(o.ID, goneSubPrefix) && json.Unmarshal(o.Data, &g) == nil && g.App == appID && g.SubscriptionID == subID {
				return o.ID, nil
			}
		}
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var g goneEndpoint
	if o.ID != goneSubPrefix+subID || json.Unmarshal(o.Data, &g) != nil || g.App != appID || g.SubscriptionID != subID {
		return "", nil
	}
	return g.EndpointID, nil
}

// endpointPlace is where the endpoint an iterator names stood in the
// application's list when it was deleted (nil when it is unknown).
func (a *api) endpointPlace(ctx context.Context, appID, epID string) *store.Subscription {
	o, err := a.s.Store.GetObject(ctx, kindEndpointGone, epID)
	if err != nil || o.ID != epID {
		return nil
	}
	var g goneEndpoint
	if json.Unmarshal(o.Data, &g) != nil || g.App != appID || g.SubscriptionID == "" || (g.EndpointID != "" && g.EndpointID != epID) {
		return nil // (a record kept by subscription id names its ep_ id)
	}
	return &store.Subscription{ID: g.SubscriptionID, CreatedAt: g.CreatedAt}
}

func appObject(app *App) (*store.Object, error) {
	b, err := json.Marshal(app)
	if err != nil {
		return nil, err
	}
	o := &store.Object{Data: b, CreatedAt: app.CreatedAt.Time}
	if app.UID != nil {
		o.Key = *app.UID
	}
	return o, nil
}

func objectApp(o *store.Object) (*App, error) {
	var app App
	if err := json.Unmarshal(o.Data, &app); err != nil {
		return nil, err
	}
	if app.Metadata == nil {
		app.Metadata = map[string]string{}
	}
	return &app, nil
}

// changeApp applies fn to the live application id names, in one store
// transaction, and returns it as written (an error matching
// store.ErrNotFound when there is none; store.ErrKeyTaken when its new
// uid is another's).
func (a *api) changeApp(ctx context.Context, id string, fn func(*App) error) (*App, error) {
	o, err := a.s.Store.ChangeObject(ctx, kindApp, id, func(cur *store.Object) (*store.Object, error) {
		if cur == nil || cur.Deleted {
			return nil, &store.NotFoundError{Kind: "application", ID: id}
		}
		app, err := objectApp(cur)
		if err != nil {
			return nil, err
		}
		if err := fn(app); err != nil {
			return nil, err
		}
		return appObject(app)
	})
	if err != nil {
		return nil, err
	}
	return objectApp(o)
}

// insertApp stores a new application (store.ErrKeyTaken when its uid is
// another's).
func (a *api) insertApp(ctx context.Context, app *App) error {
	_, err := a.s.Store.ChangeObject(ctx, kindApp, app.ID, func(cur *store.Object) (*store.Object, error) {
		if cur != nil {
			return nil, errors.New("svix: application id taken") // 27 random characters: never
		}
		return appObject(app)
	})
	return err
}

// keepApp stores an application of an earlier hookctl (one that kept
// applications in memory), found from its endpoints or messages, unless
// the store has it (then that one is answered: maybe a tombstone, or
// known by another uid now). nil when its uid is another's now.
func (a *api) keepApp(ctx context.Context, found *App) (*store.Object, error) {
	o, err := a.s.Store.ChangeObject(ctx, kindApp, found.ID, func(cur *store.Object) (*store.Object, error) {
		if cur != nil {
			return nil, store.ErrNoChange
		}
		return appObject(found)
	})
	if errors.Is(err, store.ErrKeyTaken) {
		return nil, nil
	}
	return o, err
}

// ---- event types ----

func etObject(et *EventType) (*store.Object, error) {
	b, err := json.Marshal(et)
	if err != nil {
		return nil, err
	}
	return &store.Object{Data: b, CreatedAt: et.CreatedAt.Time}, nil
}

func objectET(o *store.Object) (*EventType, error) {
	var et EventType
	err := json.Unmarshal(o.Data, &et)
	return &et, err
}

// eventTypes lists the declared event types (archived ones too).
func (a *api) eventTypes(ctx context.Context) ([]*EventType, error) {
	os, err := a.s.Store.ListObjects(ctx, kindEventType)
	if err != nil {
		return nil, err
	}
	out := make([]*EventType, 0, len(os))
	for _, o := range os {
		et, err := objectET(o)
		if err != nil {
			return nil, err
		}
		out = append(out, et)
	}
	return out, nil
}

// changeEventType applies fn to the event type name names (nil when there
// is none) in one store transaction; fn returns the new value, nil to
// forget it.
func (a *api) changeEventType(ctx context.Context, name string, fn func(*EventType) (*EventType, error)) (*EventType, error) {
	o, err := a.s.Store.ChangeObject(ctx, kindEventType, name, func(cur *store.Object) (*store.Object, error) {
		var et *EventType
		if cur != nil {
			var err error
			if et, err = objectET(cur); err != nil {
				return nil, err
			}
		}
		next, err := fn(et)
		if err != nil || next == nil {
			return nil, err
		}
		return etObject(next)
	})
	if err != nil || o == nil {
		return nil, err
	}
	return objectET(o)
}
