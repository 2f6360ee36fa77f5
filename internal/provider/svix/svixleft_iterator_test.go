package svix_test

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// KSUIDs (Svix's ids without their prefix) of 2020-01-01 and of
// 2100-01-01, their random part zero.
const (
	ksuid2020 = "1Vlny4c8wuG6PkYiNWkAfdN1MBs"
	ksuid2100 = "MyxnSzwsr8CAFq7hiqGzGPwCoEq"
)

// ksuidUnix reads a KSUID's seconds back, independently of serve's code.
func ksuidUnix(t *testing.T, s string) int64 {
	t.Helper()
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	n := new(big.Int)
	for _, c := range s {
		d := strings.IndexRune(alphabet, c)
		if d < 0 || len(s) != 27 {
			t.Fatalf("%q is not a KSUID", s)
		}
		n.Mul(n, big.NewInt(62)).Add(n, big.NewInt(int64(d)))
	}
	if n.BitLen() > 160 {
		t.Fatalf("%q is over the 20 bytes of a KSUID", s)
	}
	return new(big.Int).Rsh(n, 128).Int64() + 1400000000
}

// TestSvixleftUnknownIteratorKeepsItsPlace: Svix pages by comparing ids
// (svix-server's apply_pagination: WHERE id < iterator, or > for a
// "-" one or ascending order), and its ids are KSUIDs, which sort by
// time; so an iterator naming no item reads on from where that id would
// stand, not from the start: from an id of 2100 nothing is after it
// (ascending), everything is before it (descending), and from one of
// 2020 the other way round; Svix checks no more than the prefix, and any
// string sorts somewhere among its ids. Serve answered the first page for any
// well-formed id it did not know, and made its ids of random characters
// that carried no time, so it could not do otherwise; its app_ and ep_
// ids are KSUIDs of their creation now.
func TestSvixleftUnknownIteratorKeepsItsPlace(t *testing.T) {
	e := servetest.Start(t, nil)
	var apps []string
	for _, uid := range []string{"a", "b"} {
		code, body := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": uid, "uid": uid})
		if code != 201 {
			t.Fatalf("app: %d %s", code, body)
		}
		apps = append(apps, servetest.JSON(t, body)["id"].(string))
	}
	page := func(path string) string {
		t.Helper()
		code, body := e.Do("GET", path, bearer, nil)
		var p struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
			Done bool `json:"done"`
		}
		if code != 200 || json.Unmarshal(body, &p) != nil {
			t.Fatalf("%s: %d %s", path, code, body)
		}
		var ids []string
		for _, d := range p.Data {
			ids = append(ids, d.ID)
		}
		return fmt.Sprint(ids, " done=", p.Done)
	}
	var eps []string
	var between string // b's endpoint, made between a's two
	for i := range 2 {
		code, body := e.Do("POST", "/api/v1/app/a/endpoint", bearer, map[string]any{"url": e.Recv.URL})
		if code != 201 {
			t.Fatalf("endpoint: %d %s", code, body)
		}
		eps = append(eps, servetest.JSON(t, body)["id"].(string))
		if i == 0 {
			code, body := e.Do("POST", "/api/v1/app/b/endpoint", bearer, map[string]any{"url": e.Recv.URL})
			if code != 201 {
				t.Fatalf("endpoint of b: %d %s", code, body)
			}
			between = servetest.JSON(t, body)["id"].(string)
		}
	}
	// Another application's endpoint stands where it is (within the
	// same second too), as Svix compares ids whoever's they are.
	for q, want := range map[string][]string{
		"?iterator=" + between:                   eps[1:],
		"?iterator=-" + between:                  eps[:1],
		"?order=descending&iterator=" + between:  eps[:1],
		"?order=descending&iterator=-" + between: eps[1:],
	} {
		if got := page("/api/v1/app/a/endpoint/" + q); got != fmt.Sprint(want, " done=true") {
			t.Errorf("%s (b's endpoint): %s, want %v", q, got, want)
		}
	}
	now := time.Now().Unix()
	for _, id := range append(append([]string{}, apps...), eps...) {
		_, k, _ := strings.Cut(id, "_")
		if at := ksuidUnix(t, k); at < now-600 || at > now+600 {
			t.Errorf("%s: its KSUID time is %s, want about now", id, time.Unix(at, 0).UTC())
		}
	}
	rev := func(ids []string) []string { return []string{ids[1], ids[0]} }
	for list, ids := range map[string][]string{"/api/v1/app/": apps, "/api/v1/app/a/endpoint/": eps} {
		prefix := "app_"
		if strings.Contains(list, "endpoint") {
			prefix = "ep_"
		}
		for q, want := range map[string][]string{
			"?iterator=" + prefix + ksuid2100:                          nil,
			"?iterator=" + prefix + ksuid2020:                          ids,
			"?iterator=-" + prefix + ksuid2100:                         ids,
			"?iterator=-" + prefix + ksuid2020:                         nil,
			"?order=descending&iterator=" + prefix + ksuid2100:         rev(ids),
			"?order=descending&iterator=" + prefix + ksuid2020:         nil,
			"?order=descending&iterator=-" + prefix + ksuid2020:        rev(ids),
			"?order=descending&limit=1&iterator=" + prefix + ksuid2100: rev(ids)[:1],
			// Svix checks the prefix only and compares strings: "zz"
			// sorts after every KSUID, "0" before.
			"?iterator=" + prefix + "zz":                     nil,
			"?order=descending&iterator=" + prefix + "zz":    rev(ids),
			"?iterator=" + prefix + "0":                      ids,
			"?iterator=" + prefix + "2ZZ-not_base62":         ids,
			"?order=descending&iterator=" + prefix + "2ZZ~x": nil,
		} {
			done := " done=true"
			if strings.Contains(q, "limit=1") {
				done = " done=false"
			}
			if got := page(list + q); got != fmt.Sprint(want, done) {
				t.Errorf("%s%s: %s, want %s", list, q, got, fmt.Sprint(want, done))
			}
		}
	}
}
