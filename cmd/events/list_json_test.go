package events

import (
	"bytes"
	"testing"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/ui"
)

// writeListJSON writes exactly what ui.WriteJSON writes: the whole
// catalog, none, one, and strings that need escaping (HTML characters,
// quotes, control characters, U+2028, invalid UTF-8).
func TestWriteListJSONMatchesWriteJSON(t *testing.T) {
	cat, err := catalog.Load(catalog.Options{FixturesDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var all []listItem
	for _, et := range cat.All() {
		all = append(all, listItem{et.Type, et.Provider, et.Description, et.Scheme, et.ContentType, et.Method, et.Origin})
	}
	odd := []listItem{
		{"a.b", "standard", `say "hi" \ there` + "\n\t\x01", "", "", "POST", "x.json"},
		{"c", "bond", "Fish & chips <b>", "bond", "application/json", "PUT", "builtin"},
		{"d", "mono", "line\u2028sep \xff é 😀", "mono", "text/plain", "PATCH", "dir/f.yaml"},
	}
	for name, items := range map[string][]listItem{"catalog": all, "none": {}, "one": all[:1], "odd": odd, "odd-no-html": {odd[0], odd[2]}} {
		var got, want bytes.Buffer
		if err := writeListJSON(&got, items); err != nil {
			t.Fatal(err)
		}
		if err := ui.WriteJSON(&want, items); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%s: writeListJSON differs from ui.WriteJSON:\n%s\nwant\n%s", name, got.String(), want.String())
		}
	}
}
