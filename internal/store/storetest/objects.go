package storetest

import (
	"errors"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

// testObjects: objects (what serve's provider APIs keep besides
// subscriptions: Svix applications and event types) are found by id or
// key, listed oldest first with tombstones, changed atomically, and a key
// is unique among a kind's live objects.
func testObjects(t *testing.T, s store.Store) {
	put := func(kind, id, key, data string) (*store.Object, error) {
		return s.ChangeObject(ctx, kind, id, func(cur *store.Object) (*store.Object, error) {
			o := &store.Object{Key: key, Data: []byte(data)}
			if cur != nil {
				o.CreatedAt = cur.CreatedAt
			}
			return o, nil
		})
	}
	a, err := put("svix.app", "app_1", "shop", `{"name":"Shop \u0000 ü"}`)
	must(t, err)
	if a.Kind != "svix.app" || a.ID != "app_1" || a.CreatedAt.IsZero() || a.UpdatedAt.IsZero() {
		t.Fatalf("created: %+v", a)
	}
	_, err = put("svix.app", "app_2", "other", `{}`)
	must(t, err)
	// The same id in another kind is another object.
	_, err = put("svix.event_type", "app_1", "", `{"name":"x"}`)
	must(t, err)
	for _, k := range []string{"app_1", "shop"} {
		got, err := s.GetObject(ctx, "svix.app", k)
		must(t, err)
		if got.ID != "app_1" || got.Key != "shop" || string(got.Data) != `{"name":"Shop \u0000 ü"}` || !got.CreatedAt.Equal(a.CreatedAt) {
			t.Fatalf("get %s: %+v", k, got)
		}
	}
	if _, err := s.GetObject(ctx, "svix.app", "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	// A key another live object has is refused, nothing written.
	if _, err := put("svix.app", "app_2", "shop", `{"changed":1}`); !errors.Is(err, store.ErrKeyTaken) {
		t.Fatalf("key taken: %v", err)
	}
	if _, err := put("svix.app", "app_3", "shop", `{}`); !errors.Is(err, store.ErrKeyTaken) {
		t.Fatalf("key taken by a new object: %v", err)
	}
	if got, _ := s.GetObject(ctx, "svix.app", "app_2"); got == nil || string(got.Data) != `{}` {
		t.Fatalf("after a refused change: %+v", got)
	}
	if _, err := s.GetObject(ctx, "svix.app", "app_3"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused create wrote: %v", err)
	}
	// A tombstone keeps its id, loses its key (free for another).
	_, err = s.ChangeObject(ctx, "svix.app", "app_1", func(cur *store.Object) (*store.Object, error) {
		c := *cur
		c.Deleted = true
		return &c, nil
	})
	must(t, err)
	got, err := s.GetObject(ctx, "svix.app", "app_1")
	must(t, err)
	if !got.Deleted || got.Key != "" {
		t.Fatalf("tombstone: %+v", got)
	}
	if _, err := s.GetObject(ctx, "svix.app", "shop"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a tombstone's key: %v", err)
	}
	_, err = put("svix.app", "app_3", "shop", `{}`)
	must(t, err)
	// ErrNoChange writes nothing; fn's error is returned.
	before, _ := s.GetObject(ctx, "svix.app", "app_3")
	got, err = s.ChangeObject(ctx, "svix.app", "app_3", func(cur *store.Object) (*store.Object, error) { return nil, store.ErrNoChange })
	must(t, err)
	if got == nil || !got.UpdatedAt.Equal(before.UpdatedAt) {
		t.Fatalf("no change: %+v", got)
	}
	boom := errors.New("boom")
	if _, err := s.ChangeObject(ctx, "svix.app", "app_3", func(*store.Object) (*store.Object, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("fn's error: %v", err)
	}
	l, err := s.ListObjects(ctx, "svix.app")
	must(t, err)
	var ids []string
	for _, o := range l {
		ids = append(ids, o.ID)
	}
	if len(ids) != 3 || ids[0] != "app_1" || ids[1] != "app_2" || ids[2] != "app_3" || !l[0].Deleted {
		t.Fatalf("list: %v", ids)
	}
	// nil deletes.
	_, err = s.ChangeObject(ctx, "svix.event_type", "app_1", func(*store.Object) (*store.Object, error) { return nil, nil })
	must(t, err)
	if l, _ := s.ListObjects(ctx, "svix.event_type"); len(l) != 0 {
		t.Fatalf("after delete: %d", len(l))
	}
	// Reset empties them.
	if r, ok := s.(store.Resetter); ok {
		must(t, r.Reset(ctx))
		if l, _ := s.ListObjects(ctx, "svix.app"); len(l) != 0 {
			t.Fatalf("after reset: %d", len(l))
		}
	}
}
