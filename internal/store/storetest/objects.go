package storetest

import (
	"errors"
	"reflect"
	"strings"
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

// testExportImportObjects: objects are exported (every kind, tombstones
// too, after the subscriptions and before the events, by kind then
// creation) and imported into a fresh store exactly as they were (key,
// data, tombstone, both times), each once; an object whose key another
// live object of its kind has is refused (*store.ImportKeyError naming
// its record in the batch), its batch not written.
func testExportImportObjects(t *testing.T, src, dst store.Store) {
	must(t, src.CreateSubscription(ctx, newSub("http://127.0.0.1/objects", "*")))
	must(t, src.CreateEvent(ctx, newEvent("evt_objects", "card.created"), nil))
	put := func(kind, id, key, data string) *store.Object {
		o, err := src.ChangeObject(ctx, kind, id, func(*store.Object) (*store.Object, error) {
			return &store.Object{Key: key, Data: []byte(data)}, nil
		})
		must(t, err)
		return o
	}
	put("svix.event_type", "card.created", "", `{"name":"card.created","description":"A card"}`)
	put("svix.app", "app_b", "shop", `{"name":"Shop \u0000 ü","uid":"shop","rateLimit":10}`)
	put("svix.app", "app_a", "gone", `{"name":"Gone"}`)
	// app_a is deleted: a tombstone, created after app_b, changed later.
	_, err := src.ChangeObject(ctx, "svix.app", "app_a", func(cur *store.Object) (*store.Object, error) {
		c := *cur
		c.Deleted = true
		return &c, nil
	})
	must(t, err)

	var recs []store.Record
	must(t, src.Export(ctx, func(r store.Record) error { recs = append(recs, r); return nil }))
	var order []string
	for _, r := range recs {
		if o := r.Object; o != nil {
			order = append(order, o.Kind+"/"+o.ID)
		} else {
			order = append(order, kind(r))
		}
	}
	if want := "subscription svix.app/app_b svix.app/app_a svix.event_type/card.created event"; strings.Join(order, " ") != want {
		t.Fatalf("export order: %v, want %s", order, want)
	}
	tomb := recs[2].Object
	if !tomb.Deleted || tomb.Key != "" || !tomb.UpdatedAt.After(tomb.CreatedAt) {
		t.Fatalf("exported tombstone: %+v", tomb)
	}

	// Record by record, then all again in one batch: each written once.
	for _, r := range recs {
		must(t, dst.Import(ctx, r))
	}
	if bi, ok := dst.(store.BatchImporter); ok {
		must(t, bi.ImportBatch(ctx, recs))
	}
	var again []store.Record
	must(t, dst.Export(ctx, func(r store.Record) error { again = append(again, r); return nil }))
	if len(again) != len(recs) {
		t.Fatalf("round trip: %d records, want %d", len(again), len(recs))
	}
	for i := range recs {
		if a, b := normalize(recs[i]), normalize(again[i]); !reflect.DeepEqual(a, b) {
			t.Errorf("record %d differs:\n got %+v\nwant %+v", i, b, a)
		}
	}
	info, err := dst.Info(ctx)
	must(t, err)
	if info.Objects != 3 || info.Subscriptions != 1 || info.Events != 1 {
		t.Errorf("imported info: %+v", info)
	}
	// The imported store finds them as the source did: the tombstone by
	// id only, its old key free; the live one by key, data byte for byte.
	got, err := dst.GetObject(ctx, "svix.app", "app_a")
	must(t, err)
	if !got.Deleted || !got.UpdatedAt.Equal(tomb.UpdatedAt) || !got.CreatedAt.Equal(tomb.CreatedAt) {
		t.Errorf("imported tombstone: %+v", got)
	}
	if _, err := dst.GetObject(ctx, "svix.app", "gone"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a tombstone's old key: %v", err)
	}
	got, err = dst.GetObject(ctx, "svix.app", "shop")
	must(t, err)
	if got.ID != "app_b" || string(got.Data) != `{"name":"Shop \u0000 ü","uid":"shop","rateLimit":10}` {
		t.Errorf("imported by key: %+v", got)
	}

	// An object stored already is skipped, not changed.
	changed := *recs[1].Object
	changed.Data, changed.Key = []byte(`{"name":"changed"}`), "changed"
	must(t, dst.Import(ctx, store.Record{Object: &changed}))
	if got, _ := dst.GetObject(ctx, "svix.app", "app_b"); got == nil || got.Key != "shop" || string(got.Data) != string(recs[1].Object.Data) {
		t.Errorf("an object present was changed: %+v", got)
	}
	// A key another live object has: refused, nothing of the batch written.
	taken := store.Object{Kind: "svix.app", ID: "app_c", Key: "shop", Data: []byte(`{}`), CreatedAt: base, UpdatedAt: base}
	var ke *store.ImportKeyError
	if err := dst.Import(ctx, store.Record{Object: &taken}); !errors.As(err, &ke) || !errors.Is(err, store.ErrKeyTaken) ||
		*ke != (store.ImportKeyError{Kind: "svix.app", ID: "app_c", Key: "shop", Other: "app_b"}) {
		t.Errorf("a key taken: %v", err)
	}
	if bi, ok := dst.(store.BatchImporter); ok {
		fresh := store.Object{Kind: "svix.app", ID: "app_d", Key: "new", CreatedAt: base, UpdatedAt: base}
		twice := store.Object{Kind: "svix.app", ID: "app_e", Key: "new", CreatedAt: base, UpdatedAt: base}
		err := bi.ImportBatch(ctx, []store.Record{{Event: newEvent("evt_batch", "card.created")}, {Object: &fresh}, {Object: &twice}})
		if !errors.As(err, &ke) || ke.Record != 2 || ke.Other != "app_d" {
			t.Errorf("a key taken earlier in the batch: %v", err)
		}
		if _, err := dst.GetObject(ctx, "svix.app", "app_d"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a refused batch wrote an object: %v", err)
		}
		if _, err := dst.GetEvent(ctx, "evt_batch"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a refused batch wrote an event: %v", err)
		}
	}
	// A tombstone given with a key takes none (it blocks nobody).
	ghost := store.Object{Kind: "svix.app", ID: "app_f", Key: "shop", Deleted: true, CreatedAt: base, UpdatedAt: base}
	must(t, dst.Import(ctx, store.Record{Object: &ghost}))
	if got, err := dst.GetObject(ctx, "svix.app", "app_f"); err != nil || got.Key != "" || !got.Deleted || string(got.Data) != "{}" {
		t.Errorf("a tombstone with a key: %+v %v", got, err)
	}
}
