package main

import (
	"encoding/json"
	"testing"
)

// TestProvfixGitHubRepositoryStable: two events about one repository
// (two pushes, an issue opened) name it by one repository.id, node_id and
// owner id, as GitHub's do (a repository's id never changes), and
// X-GitHub-Hook-Installation-Target-ID is that id. Each event was built
// with a fresh random repository id, so a receiver that looked the
// repository up by id (or kept its installation target) met a new
// repository with every event.
func TestProvfixGitHubRepositoryStable(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	rec := newWireReceiver(t)
	wireSubscribe(c, "--url", rec.URL+"/a", "--events", "*", "--provider", "github")
	wireTrigger(c, 2, "push")
	wireTrigger(c, 1, "push")
	wireTrigger(c, 1, "issues.opened")
	reqs := rec.at("/a")
	if len(reqs) != 4 {
		t.Fatalf("/a got %d requests, want 4", len(reqs))
	}
	type repo struct {
		ID       json.Number `json:"id"`
		NodeID   string      `json:"node_id"`
		FullName string      `json:"full_name"`
		Owner    struct {
			ID json.Number `json:"id"`
		} `json:"owner"`
	}
	var first repo
	for i, q := range reqs {
		var body struct {
			Repository repo `json:"repository"`
		}
		if err := json.Unmarshal(q.Body, &body); err != nil || body.Repository.ID == "" {
			t.Fatalf("request %d: no repository.id (%v)", i+1, err)
		}
		r := body.Repository
		if target := q.Header.Get("X-GitHub-Hook-Installation-Target-ID"); target != string(r.ID) {
			t.Errorf("request %d: X-GitHub-Hook-Installation-Target-ID %s, repository.id %s", i+1, target, r.ID)
		}
		if i == 0 {
			first = r
			continue
		}
		if r != first {
			t.Errorf("request %d (%s): repository %+v, the first event's was %+v: one repository, one id", i+1, q.Header.Get("X-GitHub-Event"), r, first)
		}
	}
}
