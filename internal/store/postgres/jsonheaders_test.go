package postgres

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestHeadersJSON(t *testing.T) {
	for _, h := range []map[string][]string{
		nil,
		{},
		{"Content-Type": {"application/json"}, "Webhook-Id": {"evt_1"}, "Set-Cookie": {"a=1", "b=2"}},
		{"X-Odd": {"quote \" backslash \\ tab \t nl \n cr \r nul \x00 ctl \x1f del \x7f <&> é ☃"}},
		{"X-Empty": {}, "X-Nil": nil, "": {""}},
		{"X-Bad-UTF8": {"\xff\xfe"}},
	} {
		got, want := headersJSON(h), jtext(h)
		if (got == nil) != (want == nil) {
			t.Fatalf("%v: got %v, want %v", h, got, want)
		}
		if got == nil {
			continue
		}
		var g, w any
		if err := json.Unmarshal([]byte(*got), &g); err != nil {
			t.Fatalf("%v: %s: %v", h, *got, err)
		}
		if err := json.Unmarshal([]byte(*want), &w); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%v: got %s, want %s", h, *got, *want)
		}
	}
}

func BenchmarkHeadersJSON(b *testing.B) {
	h := map[string][]string{"Content-Type": {"application/json"}, "Webhook-Id": {"evt_1"}, "Webhook-Timestamp": {"1700000000"},
		"Webhook-Signature": {"v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="}, "User-Agent": {"hookctl/dev"}}
	b.Run("direct", func(b *testing.B) {
		for range b.N {
			headersJSON(h)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for range b.N {
			jtext(h)
		}
	})
}
