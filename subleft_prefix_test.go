package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// subleftDump is a store export holding a live subscription and the
// delivery of a deleted one whose ids both start with 5b1e7, and a
// delivery of the live one, both failed.
const subleftDump = `{"hookctl_dump":{"version":2,"exported_at":"2026-12-07T10:00:00Z","store":"sqlite"}}
{"subscription":{"webhook_id":"5b1e7a00-0000-4000-8000-000000000001","callback_url":"http://127.0.0.1:9/live","events":["*"],"status":"enabled","secret":"whsec_rWG3M+hH9Hyo11Y+IhGuN84ZpgeMXqoWTupULl8daKU=","scheme":"auto","date_created":"2026-12-07T09:00:00Z","updated_at":"2026-12-07T09:00:00Z"}}
{"event":{"id":"evt_subleft_1","type":"payment_intent.succeeded","provider":"stripe","source":"triggered","created_at":"2026-12-07T09:00:00Z","content_type":"application/json","payload_text":"{}"}}
{"delivery":{"id":"d5b1e000-0000-4000-8000-00000000000a","seq":1,"event_id":"evt_subleft_1","subscription_id":"5b1e7a00-0000-4000-8000-000000000001","url":"http://127.0.0.1:9/live","status":"failed","attempt_count":1,"max_attempts":1,"schedule":"0s","last_error":"x","created_at":"2026-12-07T09:00:00Z","updated_at":"2026-12-07T09:00:01Z"}}
{"delivery":{"id":"d5b1e000-0000-4000-8000-00000000000b","seq":2,"event_id":"evt_subleft_1","deleted_subscription_id":"5b1e7b00-0000-4000-8000-000000000002","url":"http://127.0.0.1:9/gone","status":"failed","attempt_count":1,"max_attempts":1,"schedule":"0s","last_error":"subscription deleted","created_at":"2026-12-07T09:00:00Z","updated_at":"2026-12-07T09:00:01Z"}}
`

// TestSubleftPrefixOfLiveAndDeleted: deliveries list, deliveries tail and
// replay --failed, given --subscription a prefix that starts a live
// subscription's id and a deleted one's (known by its delivery), refuse
// it as ambiguous (exit 2), naming each — the live one, the deleted one
// with its deliveries — with the hint to type more, as for a prefix of
// two live ones; nothing is listed or replayed (-o json: the error
// document). They took the live one,
// leaving the deleted one's deliveries out without a word (replay
// resent the live one's). The live one's whole id, and a prefix of one
// alone, select as before. SQLite, and PostgreSQL when there is one.
func TestSubleftPrefixOfLiveAndDeleted(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			c := newCrashEnv(t)
			if backend == "postgres" {
				c = pgEnv(t, pgtest.URL(t))
			}
			dump := filepath.Join(c.dir, "dump.jsonl")
			if err := os.WriteFile(dump, []byte(subleftDump), 0o644); err != nil {
				t.Fatal(err)
			}
			c.hookctl(0, "store", "import", dump)
			const live, gone = "5b1e7a00-0000-4000-8000-000000000001", "5b1e7b00-0000-4000-8000-000000000002"
			want := `hookctl: error: subscription ID prefix "5b1e7" is ambiguous: it matches ` + live + ` (live), ` + gone + ` (deleted, 1 delivery)
hookctl: hint: type more characters of the ID
`
			for _, args := range [][]string{
				{"deliveries", "list", "--subscription", "5b1e7"},
				{"deliveries", "list", "--subscription", "5b1e7", "-o", "json"},
				{"deliveries", "tail", "--subscription", "5b1e7", "--timeout", "30s"},
				{"replay", "--failed", "--subscription", "5b1e7", "--yes"},
			} {
				var out, errb bytes.Buffer
				cmd := c.cmd("hookctl", args...)
				cmd.Stdout, cmd.Stderr = &out, &errb
				err := cmd.Run()
				code := 0
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				}
				// -o json: the error document on stdout too.
				json := args[len(args)-1] == "json"
				if code != 2 || json != (out.Len() != 0) || !strings.HasPrefix(errb.String(), want) ||
					json && !strings.Contains(out.String(), `"exit_code": 2`) {
					t.Errorf("hookctl %s: exit %d\nstdout: %s\nstderr: %s\nwant exit 2, nothing on stdout, stderr:\n%s", strings.Join(args, " "), code, out.String(), errb.String(), want)
				}
			}
			for sel, id := range map[string]string{live: "d5b1e000-0000-4000-8000-00000000000a", "5b1e7a": "d5b1e000-0000-4000-8000-00000000000a",
				"5b1e7b": "d5b1e000-0000-4000-8000-00000000000b", gone: "d5b1e000-0000-4000-8000-00000000000b"} {
				out := string(c.hookctl(0, "deliveries", "list", "--subscription", sel, "-o", "json"))
				if !strings.Contains(out, id) || strings.Count(out, `"event_id"`) != 1 {
					t.Errorf("deliveries list --subscription %s: %s; want %s alone", sel, out, id)
				}
			}
			// Nothing was replayed.
			out := string(c.hookctl(0, "deliveries", "list", "-o", "json"))
			if strings.Count(out, `"event_id"`) != 2 {
				t.Errorf("deliveries after the refused replay: %s; want the 2 imported", out)
			}
		})
	}
}
