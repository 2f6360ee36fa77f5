package events

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/ui"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// TestShowShapes pins the shape of `hookctl events show -o json` for every
// stripe and github event: one line per field path with its JSON kind,
// (to three levels), and the value of enum-like fields (object, type,
// action, status, currency; generated ids masked). A renamed or
// retyped field fails the test; -update rewrites
// testdata/<provider>.shape after an intended change.
func TestShowShapes(t *testing.T) {
	for _, provider := range []string{"stripe", "github"} {
		t.Run(provider, func(t *testing.T) {
			cat, err := catalog.Load(catalog.Options{FixturesDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, et := range cat.List(provider, "") {
				f, _, out, _ := factory()
				f.IOStreams.SetFormat(ui.FormatJSON)
				if err := runShow(&ShowOptions{IO: f.IOStreams, Type: et.QualifiedName(), Now: f.Now}); err != nil {
					t.Fatal(err)
				}
				var shown struct {
					ID          string `json:"id"`
					Scheme      string `json:"scheme"`
					ContentType string `json:"content_type"`
					Method      string `json:"method"`
					Body        any    `json:"body"`
				}
				if err := json.Unmarshal(out.Bytes(), &shown); err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&b, "== %s id=%s scheme=%s %s %s\n", et.QualifiedName(), mask(shown.ID, "", f.Now().Unix()), shown.Scheme, shown.Method, shown.ContentType)
				lines := map[string]bool{}
				shape("", shown.Body, lines, f.Now().Unix())
				keys := make([]string, 0, len(lines))
				for k := range lines {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					b.WriteString(k + "\n")
				}
			}
			file := filepath.Join("testdata", provider+".shape")
			if *update {
				if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if string(want) != b.String() {
				t.Errorf("%s is stale: run go test ./cmd/events -run TestShowShapes -update if the change is intended", file)
			}
		})
	}
}

var (
	reUUID    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	rePrefixd = regexp.MustCompile(`^[a-z]+(_test)?_[A-Za-z0-9]{8,}`)
	reSHA     = regexp.MustCompile(`[0-9a-f]{40}`)
	reCompare = regexp.MustCompile(`/compare/[0-9a-f]{12}\.\.\.[0-9a-f]{12}$`)
	reNode    = regexp.MustCompile(`^[A-Za-z0-9_=+/-]{12,}$`)
)

// mask replaces generated values by their kind.
func mask(s, key string, now int64) string {
	switch {
	case s == "2026-05-06T07:08:09Z":
		return "<time>"
	case reUUID.MatchString(s):
		return "<uuid>"
	case rePrefixd.MatchString(s):
		return rePrefixd.FindString(s)[:strings.LastIndexByte(rePrefixd.FindString(s), '_')+1] + "<id>"
	case key == "node_id" && reNode.MatchString(s):
		return "<node_id>"
	}
	s = reCompare.ReplaceAllString(s, "/compare/<sha12>...<sha12>")
	return reSHA.ReplaceAllString(s, "<sha>")
}

// enumKeys are the fields whose value is part of the shape.
var enumKeys = map[string]bool{"object": true, "type": true, "action": true, "status": true, "currency": true, "api_version": true, "ref_type": true}

// shape writes "path kind" lines for v down to maxDepth levels (the
// value too for enumKeys).
func shape(path string, v any, out map[string]bool, now int64) {
	const maxDepth = 3
	if strings.Count(path, ".") > maxDepth {
		return
	}
	key := path[strings.LastIndexByte(path, '.')+1:]
	switch x := v.(type) {
	case map[string]any:
		out[path+" object"] = true
		for k, y := range x {
			shape(path+"."+k, y, out, now)
		}
	case []any:
		out[path+" array"] = true
		for _, y := range x {
			shape(path+"[]", y, out, now)
		}
	case string:
		if m := mask(x, key, now); enumKeys[key] || m != x {
			out[fmt.Sprintf("%s string=%q", path, m)] = true
		} else {
			out[path+" string"] = true
		}
	case float64:
		out[path+" number"] = true
	case nil:
		out[path+" null"] = true
	default:
		out[fmt.Sprintf("%s %T", path, x)] = true
	}
}
