package catalog

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
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
