package svix_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math/big"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

const serveleftBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// serveleftKSUID reads prefix + a KSUID (27 base62 characters of 20
// bytes) back to the time its first 4 bytes say; false when id is not one.
func serveleftKSUID(id, prefix string) (time.Time, bool) {
	s, ok := strings.CutPrefix(id, prefix)
	if !ok || len(s) != 27 {
		return time.Time{}, false
	}
	n := new(big.Int)
	for _, c := range []byte(s) {
		d := strings.IndexByte(serveleftBase62, c)
		if d < 0 {
			return time.Time{}, false
		}
		n.Mul(n, big.NewInt(62)).Add(n, big.NewInt(int64(d)))
	}
	if n.BitLen() > 160 {
		return time.Time{}, false
	}
	var b [20]byte
	n.FillBytes(b[:])
	return time.Unix(int64(binary.BigEndian.Uint32(b[:4]))+1400000000, 0), true
}

// serveleftKSUIDAt is prefix and the first KSUID of t's second (its
// random part zero), as a client may build an iterator from a time; with
// last, the last one (its random part all ones: a KSUID serve did not
// make).
func serveleftKSUIDAt(prefix string, t time.Time, last ...bool) string {
	var b [20]byte
	binary.BigEndian.PutUint32(b[:4], uint32(t.Unix()-1400000000))
	if len(last) > 0 && last[0] {
		for i := 4; i < 20; i++ {
			b[i] = 0xff
		}
	}
	n := new(big.Int).SetBytes(b[:])
	out := []byte(strings.Repeat("0", 27))
	for i := 26; i >= 0 && n.Sign() > 0; i-- {
		m := new(big.Int)
		n.DivMod(n, big.NewInt(62), m)
		out[i] = serveleftBase62[m.Int64()]
	}
	return prefix + string(out)
}

// TestServeleftMessageAndAttemptIDsAreKSUIDs: Svix's message and attempt
// ids are a prefix and a KSUID (27 base62 characters whose first 4 bytes
// are the creation second), so they sort as their lists do (newest
// first), and a list's iterator is its last item's id, its prevIterator
// "-" and its first's (svix-server's list_response). Serve's were msg_ and
// 24 random characters, and atmpt_ with the delivery's UUID and number;
// the iterators "id~place". An iterator Svix compares with its ids: a
// msg_ KSUID of a time (no message's) pages from there, as Svix's
// `id < iterator` does (serve started over from the newest). An attempt
// is found by its id (GET …/msg/{id}/attempt/{atmpt}).
// Both stores alike (the attempt found by its id is one indexed read).
func TestServeleftMessageAndAttemptIDsAreKSUIDs(t *testing.T) {
	noWorker := func(o *serve.Options) { o.NoWorker = true }
	t.Run("sqlite", func(t *testing.T) { serveleftKSUIDs(t, servetest.Start(t, noWorker)) })
	t.Run("postgres", func(t *testing.T) {
		st, err := postgres.Open(context.Background(), pgtest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		serveleftKSUIDs(t, servetest.StartWith(t, st, noWorker))
	})
}

func serveleftKSUIDs(t *testing.T, e *servetest.Env) {
	ctx := t.Context()
	if code, body := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": "a", "uid": "a"}); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	code, body := e.Do("POST", "/api/v1/app/a/endpoint", bearer, map[string]any{"url": e.Recv.URL})
	if code != 201 {
		t.Fatalf("endpoint: %d %s", code, body)
	}
	ep := servetest.JSON(t, body)["id"].(string)
	var msgs []string // oldest first
	for i := range 7 {
		code, body := e.Do("POST", "/api/v1/app/a/msg", bearer, map[string]any{"eventType": "a.b", "payload": map[string]any{"i": i}})
		if code != 202 {
			t.Fatalf("msg: %d %s", code, body)
		}
		m := servetest.JSON(t, body)
		id := m["id"].(string)
		at, ok := serveleftKSUID(id, "msg_")
		ts, _ := time.Parse(time.RFC3339Nano, m["timestamp"].(string))
		if !ok || !at.Equal(ts.Truncate(time.Second)) {
			t.Fatalf("message id %q: not msg_ and a KSUID of its timestamp %s", id, m["timestamp"])
		}
		msgs = append(msgs, id)
	}
	if !slices.IsSorted(msgs) {
		t.Errorf("message ids in creation order do not sort so: %v", msgs)
	}
	type page struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
		Iterator     *string `json:"iterator"`
		PrevIterator *string `json:"prevIterator"`
		Done         bool    `json:"done"`
	}
	get := func(path string, q url.Values) page {
		t.Helper()
		code, body := e.Do("GET", path+"?"+q.Encode(), bearer, nil)
		if code != 200 {
			t.Fatalf("GET %s?%s: %d %s", path, q.Encode(), code, body)
		}
		var p page
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ids := func(p page) (out []string) {
		for _, d := range p.Data {
			out = append(out, d.ID)
		}
		return out
	}
	// Pages of 3, newest first; each iterator the last id.
	var walked []string
	q := url.Values{"limit": {"3"}}
	for {
		p := get("/api/v1/app/a/msg", q)
		got := ids(p)
		if len(got) > 0 && (p.Iterator == nil || *p.Iterator != got[len(got)-1] || p.PrevIterator == nil || *p.PrevIterator != "-"+got[0]) {
			t.Errorf("page %v: iterator %v, prevIterator %v; want its last id and - and its first", got, p.Iterator, p.PrevIterator)
		}
		walked = append(walked, got...)
		if p.Done || p.Iterator == nil {
			break
		}
		q.Set("iterator", *p.Iterator)
	}
	want := slices.Clone(msgs)
	slices.Reverse(want)
	if !slices.Equal(walked, want) {
		t.Errorf("pages of 3: %v\nwant %v", walked, want)
	}
	// A KSUID of a time an hour ahead names no message: every message is
	// before it; one of an hour ago: none is.
	if got := ids(get("/api/v1/app/a/msg", url.Values{"iterator": {serveleftKSUIDAt("msg_", time.Now().Add(time.Hour))}})); !slices.Equal(got, want) {
		t.Errorf("iterator a KSUID of an hour ahead: %v, want every message %v", got, want)
	}
	if got := ids(get("/api/v1/app/a/msg", url.Values{"iterator": {serveleftKSUIDAt("msg_", time.Now().Add(-time.Hour), true)}})); len(got) != 0 {
		t.Errorf("iterator the last KSUID of an hour ago: %v, want none", got)
	}
	if got := ids(get("/api/v1/app/a/msg", url.Values{"iterator": {"-" + serveleftKSUIDAt("msg_", time.Now().Add(-time.Hour), true)}})); len(got) != len(msgs) {
		t.Errorf("prevIterator the last KSUID of an hour ago: %v, want every message", got)
	}

	// Attempts: one each, recorded a second apart (oldest first).
	ds, err := e.Store.ClaimDue(ctx, "test", time.Now(), time.Minute, 100, "")
	if err != nil || len(ds) != 7 {
		t.Fatalf("claimed %d, %v", len(ds), err)
	}
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	for _, d := range ds {
		i := slices.Index(msgs, d.EventID)
		at := &store.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: base.Add(time.Duration(i) * time.Second), ResponseStatus: 200}
		if err := e.Store.RecordAttempt(ctx, "test", at, store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200}); err != nil {
			t.Fatal(err)
		}
	}
	all := get("/api/v1/app/a/attempt/endpoint/"+ep, url.Values{"limit": {"250"}})
	atts := ids(all)
	if len(atts) != 7 || !slices.IsSortedFunc(atts, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Errorf("attempts, newest first: %v; want 7 ids sorting so", atts)
	}
	for i, id := range atts {
		at, ok := serveleftKSUID(id, "atmpt_")
		if !ok || !at.Equal(base.Add(time.Duration(6-i)*time.Second)) {
			t.Errorf("attempt id %q: not atmpt_ and a KSUID of its start %s", id, base.Add(time.Duration(6-i)*time.Second))
		}
	}
	var walkedAtts []string
	q = url.Values{"limit": {"2"}}
	for {
		p := get("/api/v1/app/a/attempt/endpoint/"+ep, q)
		got := ids(p)
		if len(got) > 0 && (p.Iterator == nil || *p.Iterator != got[len(got)-1] || p.PrevIterator == nil || *p.PrevIterator != "-"+got[0]) {
			t.Errorf("attempt page %v: iterator %v, prevIterator %v; want its last id and - and its first", got, p.Iterator, p.PrevIterator)
		}
		walkedAtts = append(walkedAtts, got...)
		if p.Done || p.Iterator == nil {
			break
		}
		q.Set("iterator", *p.Iterator)
	}
	if !slices.Equal(walkedAtts, atts) {
		t.Errorf("attempt pages of 2: %v\nwant %v", walkedAtts, atts)
	}
	// Each attempt by its id, under its message; not under another.
	code, body = e.Do("GET", "/api/v1/app/a/msg/"+msgs[6]+"/attempt/"+atts[0], bearer, nil)
	if code != 200 || servetest.JSON(t, body)["id"] != atts[0] || servetest.JSON(t, body)["msgId"] != msgs[6] {
		t.Errorf("GET the newest attempt by its id: %d %s", code, body)
	}
	if code, body := e.Do("GET", "/api/v1/app/a/msg/"+msgs[5]+"/attempt/"+atts[0], bearer, nil); code != 404 {
		t.Errorf("an attempt under another message: %d %s, want 404", code, body)
	}
}
