package catalog

import (
	"bytes"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// TestSetGitHubHookID: a ping made to name a webhook has that id in
// hook_id, hook.id and the hook's URLs, and every other byte as built; a
// body whose hook_id and hook.id differ (not the catalog's) is left as it
// is.
func TestSetGitHubHookID(t *testing.T) {
	c := mustLoad(t)
	et, err := c.Lookup("github:ping", "")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := c.Build(et, BuildOptions{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	old := gjson.GetBytes(ev.Body, "hook_id").Raw
	got := SetGitHubHookID(ev.Body, 123456789)
	if want := bytes.ReplaceAll(ev.Body, []byte(old), []byte("123456789")); !bytes.Equal(got, want) {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if n := bytes.Count(got, []byte("123456789")); n != 6 {
		t.Errorf("the new id is in %d places, want 6 (hook_id, hook.id and 4 URLs):\n%s", n, got)
	}
	other := []byte(`{"zen":"z","hook_id":1,"hook":{"id":2,"url":"https://api.github.com/repos/o/r/hooks/1"}}`)
	if out := SetGitHubHookID(other, 123456789); !bytes.Equal(out, other) {
		t.Errorf("a body whose hook_id and hook.id differ was changed: %s", out)
	}
}
