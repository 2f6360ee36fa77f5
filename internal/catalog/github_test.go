package catalog

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v84/github"
)

// GitHubEventHeader is what X-GitHub-Event carries for a github catalog
// type: the event name, without the action (the action is in the body).
func TestGitHubEventHeader(t *testing.T) {
	for typ, want := range map[string]string{"push": "push", "pull_request.opened": "pull_request",
		"issue_comment.created": "issue_comment", "workflow_run.completed": "workflow_run"} {
		if got := GitHubEventHeader(typ); got != want {
			t.Errorf("GitHubEventHeader(%q) = %q, want %q", typ, got, want)
		}
	}
}

// TestGitHubEventsParse: every GitHub event is accepted by go-github's
// ValidatePayload (signed as hookctl signs) and ParseWebHook into the
// event's Go type, with its action, repository/sender where GitHub sends
// them, and fresh ids on every build.
func TestGitHubEventsParse(t *testing.T) {
	c := mustLoad(t)
	types := c.List("github", "")
	if len(types) < 20 {
		t.Fatalf("%d github events, want at least 20", len(types))
	}
	secret := []byte("It's a Secret to Everybody")
	for _, et := range types {
		t.Run(et.Type, func(t *testing.T) {
			ev, err := c.Build(et, BuildOptions{Now: time.Now()})
			if err != nil {
				t.Fatal(err)
			}
			mac := hmac.New(sha256.New, secret)
			mac.Write(ev.Body)
			r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(ev.Body))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
			r.Header.Set("X-GitHub-Event", GitHubEventHeader(et.Type))
			payload, err := github.ValidatePayload(r, secret)
			if err != nil {
				t.Fatalf("ValidatePayload: %v", err)
			}
			parsed, err := github.ParseWebHook(github.WebHookType(r), payload)
			if err != nil {
				t.Fatalf("ParseWebHook(%s): %v", github.WebHookType(r), err)
			}
			_, action, hasAction := strings.Cut(et.Type, ".")
			type actioned interface{ GetAction() string }
			if hasAction {
				a, ok := parsed.(actioned)
				if !ok || a.GetAction() != action {
					t.Errorf("%T action = %v, want %q", parsed, parsed, action)
				}
			}
			type sendered interface{ GetSender() *github.User }
			if s, ok := parsed.(sendered); !ok || s.GetSender().GetLogin() == "" {
				t.Errorf("%T has no sender", parsed)
			}
			again, _ := c.Build(et, BuildOptions{Now: time.Now()})
			if et.Type != "ping" && bytes.Equal(again.Body, ev.Body) {
				t.Errorf("two builds gave the same body: ids are not fresh")
			}
		})
	}
}

// TestNewProvidersResolve: names only stripe or github has resolve
// unqualified; collisions keep the older provider with a note; custom
// fixtures may declare provider stripe or github; did-you-mean maps
// names across providers.
func TestNewProvidersResolve(t *testing.T) {
	dir := t.TempDir()
	fx := `[{"type": "charge.custom", "provider": "stripe", "body": {"id": "{{id evt_ @event}}", "object": "event", "type": "charge.custom"}},
	        {"type": "deployment.created", "provider": "github", "body": {"action": "created"}}]`
	if err := os.WriteFile(filepath.Join(dir, "fx.json"), []byte(fx), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(Options{FixturesDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, want, note string }{
		{"payment_intent.succeeded", "stripe:payment_intent.succeeded", ""},
		{"push", "github:push", ""},
		{"customer.updated", "saas:customer.updated", `"customer.updated" is saas:customer.updated; for the stripe event use stripe:customer.updated`},
		{"ping", "standard:ping", `"ping" is standard:ping; for the github event use github:ping`},
		{"invoice.paid", "standard:invoice.paid", `"invoice.paid" is standard:invoice.paid; for the stripe event use stripe:invoice.paid`},
		{"stripe:customer.updated", "stripe:customer.updated", ""},
		{"charge.custom", "stripe:charge.custom", ""},
		{"deployment.created", "github:deployment.created", ""},
	} {
		et, note, err := c.Resolve(tc.name, "")
		if err != nil || et.QualifiedName() != tc.want || note != tc.note {
			t.Errorf("Resolve(%q) = %v, %q, %v; want %s, %q", tc.name, et, note, err, tc.want, tc.note)
		}
	}
	if et, _ := c.Lookup("github:deployment.created", ""); et.Scheme != "github" {
		t.Errorf("custom github fixture scheme %q", et.Scheme)
	}
	if ev, _ := c.Build(mustType(t, c, "stripe:charge.custom"), BuildOptions{}); !strings.HasPrefix(ev.ID, "evt_") || !strings.Contains(string(ev.Body), ev.ID) {
		t.Errorf("custom stripe event id %q not the body's", ev.ID)
	}
	for _, tc := range []struct{ name, provider, hint string }{
		{"payment.succeeded", "stripe", `did you mean "payment_intent.succeeded" or "charge.succeeded"?`},
		{"payment_intent.succeeded", "saas", `did you mean "payment.succeeded"?`},
		{"pull_request", "", `did you mean "pull_request.opened"?`},
		{"issues", "", `did you mean "issues.opened"?`},
		{"payment_intent.succeded", "", `did you mean "payment_intent.succeeded"?`},
		{"customer.updatd", "stripe", `did you mean "customer.updated"?`},
		// the exact name in another provider, not its equivalents there
		{"payment_intent.succeeded", "bond", "payment_intent.succeeded is a stripe event: use stripe:payment_intent.succeeded"},
		{"customer.updated", "bond", "customer.updated is a saas or stripe event: use saas:customer.updated or stripe:customer.updated"},
		// an action the catalog has no sample for: the event's actions
		{"release.created", "", `did you mean "release.published"?`},
		{"check_run.created", "", `did you mean "check_run.completed"?`},
		{"workflow_job.in_progress", "", `did you mean "workflow_job.completed", "workflow_job.queued"?`},
		{"push.created", "github", `did you mean "push"?`},
	} {
		_, err := c.Lookup(tc.name, tc.provider)
		var ce *Error
		if !errors.As(err, &ce) || len(ce.HintList) == 0 || ce.HintList[0] != tc.hint {
			t.Errorf("Lookup(%q, %q): %v, want hint %s", tc.name, tc.provider, err, tc.hint)
		}
	}
}

func mustType(t *testing.T, c *Catalog, name string) *EventType {
	t.Helper()
	et, err := c.Lookup(name, "")
	if err != nil {
		t.Fatal(err)
	}
	return et
}

// TestGitHubSamplesConsistent: what one GitHub sample says about itself
// holds. A user's avatar URL and noreply email carry that user's (fresh)
// id; push, "Commits were pushed to a branch", has commits, the last of
// them head_commit and after; a zero SHA stays zero (it marks a created
// or deleted ref, not a commit).
func TestGitHubSamplesConsistent(t *testing.T) {
	c := mustLoad(t)
	userID := regexp.MustCompile(`/u/(\d+)\?|^(\d+)\+[\w-]+@users\.noreply\.github\.com$`)
	const zero = "0000000000000000000000000000000000000000"
	for _, et := range c.List("github", "") {
		ev, err := c.Build(et, BuildOptions{Now: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		if err := json.Unmarshal(ev.Body, &body); err != nil {
			t.Fatal(err)
		}
		var walk func(path string, v any)
		walk = func(path string, v any) {
			switch x := v.(type) {
			case map[string]any:
				id, hasID := x["id"].(float64)
				for k, y := range x {
					if s, ok := y.(string); ok && hasID && (k == "avatar_url" || k == "email") {
						if m := userID.FindStringSubmatch(s); m != nil && m[1]+m[2] != strconv.FormatInt(int64(id), 10) {
							t.Errorf("%s: %s.%s = %q, but its id is %d", et.Type, path, k, s, int64(id))
						}
					}
					walk(path+"."+k, y)
				}
			case []any:
				for _, y := range x {
					walk(path+"[]", y)
				}
			}
		}
		walk("", body)
		if et.Type == "push" {
			// A push onto an existing branch: GitHub's compare URL names
			// the two heads by 12-character prefixes.
			before, _ := body["before"].(string)
			after, _ := body["after"].(string)
			repo, _ := body["repository"].(map[string]any)
			if len(before) != 40 || before == zero || len(after) != 40 || body["created"] != false ||
				body["compare"] != fmt.Sprintf("%s/compare/%s...%s", repo["html_url"], before[:12], after[:12]) {
				t.Errorf("push: before %v, after %v, created %v, compare %v: want a push onto a branch, compared as GitHub does (OWNER/REPO/compare/<before 12>...<after 12>)",
					body["before"], body["after"], body["created"], body["compare"])
			}
			commits, _ := body["commits"].([]any)
			head, _ := body["head_commit"].(map[string]any)
			if len(commits) == 0 || head == nil || head["id"] != body["after"] || commits[len(commits)-1].(map[string]any)["id"] != body["after"] {
				t.Errorf("push: %d commits, head_commit %v, after %v: want commits ending in head_commit = after", len(commits), head, body["after"])
			}
		}
		if del, _ := body["deleted"].(bool); del && body["after"] != zero {
			t.Errorf("%s: deleted, but after = %v, want the zero SHA", et.Type, body["after"])
		}
		if created, _ := body["created"].(bool); created && et.Type == "push" && body["before"] != zero {
			t.Errorf("%s: created, but before = %v, want the zero SHA", et.Type, body["before"])
		}
	}
}
