package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// addedEvents are twenty distinct catalog events (none is card.created).
var addedEvents = []string{
	"account.history.ready", "card.status.active", "card.status.closed", "card.status.fraud", "card.status.inactive",
	"card.status.lost", "card.status.reissue", "card.status.stolen", "card.wallet.add", "card.wallet.add_failure",
	"kyb.verification.approved", "kyb.verification.error", "kyb.verification.initiated", "kyb.verification.rejected",
	"kyb.verification.warning", "kyc.verification.document_required", "kyc.verification.error",
	"kyc.verification.failure", "kyc.verification.reenter_information", "kyc.verification.success",
}

// TestConcurrentSubscriptionEditsSQLite: concurrent `subscriptions …`
// processes editing one subscription lose none of each other's changes.
func TestConcurrentSubscriptionEditsSQLite(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	testConcurrentEdits(t, c)
}

// TestConcurrentSubscriptionEditsPostgres is the same on PostgreSQL.
func TestConcurrentSubscriptionEditsPostgres(t *testing.T) {
	t.Parallel()
	testConcurrentEdits(t, pgEnv(t, pgtest.URL(t)))
}

type subJSON struct {
	ID      string            `json:"webhook_id"`
	Events  []string          `json:"events"`
	Status  string            `json:"status"`
	Secret  string            `json:"secret"`
	Headers map[string]string `json:"headers"`
}

func testConcurrentEdits(t *testing.T, c *crashEnv) {
	var sub subJSON
	if err := json.Unmarshal(c.hookctl(0, "subscribe", "--url", "http://127.0.0.1:9/hooks", "--events", "card.created", "-o", "json"), &sub); err != nil {
		t.Fatal(err)
	}
	get := func() subJSON {
		var s subJSON
		if err := json.Unmarshal(c.hookctl(0, "subscriptions", "get", sub.ID, "--reveal", "-o", "json"), &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	// run starts every command at once and waits for all of them.
	run := func(cmds [][]string) []string {
		outs := make([]string, len(cmds))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, args := range cmds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var out, errb bytes.Buffer
				cmd := c.cmd("hookctl", args...)
				cmd.Stdout, cmd.Stderr = &out, &errb
				<-start
				if err := cmd.Run(); err != nil {
					code := -1
					if ee, ok := err.(*exec.ExitError); ok {
						code = ee.ExitCode()
					}
					t.Errorf("hookctl %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
				}
				outs[i] = out.String() + errb.String()
			}()
		}
		close(start)
		wg.Wait()
		return outs
	}

	// 20 concurrent --add-events of distinct events: all 21 kept.
	var cmds [][]string
	for _, e := range addedEvents {
		cmds = append(cmds, []string{"subscriptions", "update", sub.ID[:8], "--add-events", e})
	}
	for i, out := range run(cmds) {
		if !strings.Contains(out, "Updated") {
			t.Errorf("update %d printed %q", i, out)
		}
	}
	if got := get(); len(got.Events) != 21 {
		t.Errorf("after 20 concurrent --add-events: %d events, want 21: %v", len(got.Events), got.Events)
	}

	// 10 concurrent --header adds, a rotate-secret and enable/disable
	// flips at the same time: every header kept, the secret printed by
	// rotate-secret is the one stored.
	cmds = cmds[:0]
	for i := range 10 {
		cmds = append(cmds, []string{"subscriptions", "update", sub.ID, "--header", fmt.Sprintf("X-Team-%d: t%d", i, i)})
	}
	cmds = append(cmds, []string{"subscriptions", "rotate-secret", sub.ID, "--grace", "0", "-o", "json"})
	for i := range 4 {
		verb := "disable"
		if i%2 == 1 {
			verb = "enable"
		}
		cmds = append(cmds, []string{"subscriptions", verb, sub.ID})
	}
	cmds = append(cmds, []string{"subscriptions", "disable", sub.ID})
	outs := run(cmds)
	var rotated subJSON
	if err := json.Unmarshal([]byte(outs[10][:strings.LastIndex(outs[10], "}")+1]), &rotated); err != nil || rotated.Secret == "" {
		t.Fatalf("rotate-secret printed %q: %v", outs[10], err)
	}
	got := get()
	if len(got.Headers) != 10 {
		t.Errorf("after 10 concurrent --header adds: %d headers, want 10: %v", len(got.Headers), got.Headers)
	}
	if got.Secret != rotated.Secret || got.Secret == sub.Secret {
		t.Errorf("stored secret %q, rotate-secret printed %q (old %q): a concurrent edit reverted the rotation", got.Secret, rotated.Secret, sub.Secret)
	}
	if len(got.Events) != 21 {
		t.Errorf("events changed by header edits: %v", got.Events)
	}
}
