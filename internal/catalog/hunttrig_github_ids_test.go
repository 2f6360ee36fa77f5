package catalog

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestGitHubIDsAgreeWithURLs: in every GitHub event, ids that name one
// thing are one value, as GitHub sends them: ping's hook_id is its
// hook.id, and the API and HTML URLs of a check run, check suite,
// comment, release, workflow run or job carry that object's own ids
// (its id, run_id, check_suite_id, workflow_id). The ids were fresh per
// build while the URLs kept the example's literal ids, so a handler that
// followed workflow_run.url (or matched a ping's hook_id to hook.id) met
// another object.
func TestGitHubIDsAgreeWithURLs(t *testing.T) {
	c := mustLoad(t)
	numeric := regexp.MustCompile(`/(\d{6,})`)
	for _, et := range c.List("github", "") {
		ev, err := c.Build(et, BuildOptions{Now: time.Now()})
		if err != nil {
			t.Fatalf("%s: %v", et.Type, err)
		}
		var body map[string]any
		if err := json.Unmarshal(ev.Body, &body); err != nil {
			t.Fatalf("%s: %v", et.Type, err)
		}
		if hookID, ok := body["hook_id"]; ok {
			hook, _ := body["hook"].(map[string]any)
			if hook["id"] != hookID {
				t.Errorf("%s: hook_id %v, hook.id %v: want one hook", et.Type, hookID, hook["id"])
			}
			for _, k := range []string{"url", "ping_url", "deliveries_url"} {
				if u, _ := hook[k].(string); !strings.Contains(u, "/hooks/"+num(hookID)) {
					t.Errorf("%s: hook.%s %q does not name hook %v", et.Type, k, u, hookID)
				}
			}
		}
		for _, name := range []string{"check_run", "check_suite", "comment", "release", "workflow_run", "workflow_job"} {
			obj, ok := body[name].(map[string]any)
			if !ok {
				continue
			}
			own := map[string]bool{}
			for _, k := range []string{"id", "run_id", "check_suite_id", "workflow_id"} {
				if v, ok := obj[k]; ok {
					own[num(v)] = true
				}
			}
			for k, v := range obj {
				u, ok := v.(string)
				if !ok || !strings.HasSuffix(k, "url") {
					continue
				}
				for _, m := range numeric.FindAllStringSubmatch(u, -1) {
					if !own[m[1]] {
						t.Errorf("%s: %s.%s %q names %s, not one of the %s's ids", et.Type, name, k, u, m[1], name)
					}
				}
			}
		}
	}
}

func num(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
