package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// parityFixture is a store export with the values the two back ends could
// disagree on: creation-time ties, nanoseconds and non-UTC zones, Unicode
// and long values, empty and absent maps, a 1 MiB payload, ids sharing
// prefixes.
func parityFixture(t *testing.T, path string) {
	t.Helper()
	big := append([]byte(`{"blob":"`), bytes.Repeat([]byte("x"), 1<<20)...)
	big = append(big, `"}`...)
	long := strings.Repeat("long ünïcødé value ", 600)
	sub := func(id, created, desc, status string, extra map[string]any) map[string]any {
		s := map[string]any{
			"ID": id, "CallbackURL": "http://127.0.0.1:9/" + id[:4], "Events": []string{"card.*"},
			"Description": desc, "Status": status, "Secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
			"PreviousSecret": "", "PreviousSecretExpiresAt": "0001-01-01T00:00:00Z", "Provider": "", "Scheme": "auto",
			"Method": "", "Headers": nil, "Metadata": nil, "CreatedAt": created, "UpdatedAt": created,
		}
		for k, v := range extra {
			s[k] = v
		}
		return map[string]any{"subscription": s}
	}
	ev := func(id, typ, created string, payload []byte, extra map[string]any) map[string]any {
		e := map[string]any{
			"ID": id, "Type": typ, "Provider": "bond", "Payload": base64.StdEncoding.EncodeToString(payload),
			"ContentType": "application/json", "Source": "triggered", "Headers": nil, "CreatedAt": created,
		}
		for k, v := range extra {
			e[k] = v
		}
		return map[string]any{"event": e}
	}
	obj := func(kind, id, key string, deleted bool, data, created, updated string) map[string]any {
		return map[string]any{"object": map[string]any{
			"Kind": kind, "ID": id, "Key": key, "Data": base64.StdEncoding.EncodeToString([]byte(data)),
			"Deleted": deleted, "CreatedAt": created, "UpdatedAt": updated,
		}}
	}
	seq := 0
	del := func(id, evt, sub, status, created string, extra map[string]any) map[string]any {
		seq++
		d := map[string]any{
			"ID": id, "Seq": seq, "EventID": evt, "SubscriptionID": sub, "URL": "http://127.0.0.1:9/hooks",
			"Method": "", "Scheme": "", "Secret": "", "Headers": nil, "Status": status, "AttemptCount": 1,
			"MaxAttempts": 5, "Schedule": "0s,1s,2s,4s,8s", "NextAttemptAt": "0001-01-01T00:00:00Z",
			"LastError": "", "LastStatus": 500, "RunID": "run-1", "LeaseOwner": "",
			"LeaseExpiresAt": "0001-01-01T00:00:00Z", "CreatedAt": created, "UpdatedAt": created,
		}
		if status == "succeeded" {
			d["LastStatus"] = 200
		}
		for k, v := range extra {
			d[k] = v
		}
		return map[string]any{"delivery": d}
	}
	att := func(delID string, n int, started string, extra map[string]any) map[string]any {
		a := map[string]any{
			"DeliveryID": delID, "Number": n, "StartedAt": started, "Duration": 1500000,
			"RequestURL": "http://127.0.0.1:9/hooks", "RequestMethod": "POST",
			"RequestHeaders": map[string][]string{"Content-Type": {"application/json"}},
			"ResponseStatus": 500, "ResponseHeaders": nil, "ResponseBody": base64.StdEncoding.EncodeToString([]byte("nope")),
			"Error": "",
		}
		for k, v := range extra {
			a[k] = v
		}
		return map[string]any{"attempt": a}
	}
	const (
		sA1 = "aaaa1111-0000-4000-8000-000000000001"
		sA2 = "aaaa2222-0000-4000-8000-000000000002"
		sB  = "bbbb0000-0000-4000-8000-000000000003"
		sC  = "cccc0000-0000-4000-8000-000000000004"
		d1  = "d1110000-0000-4000-8000-000000000001"
		d2  = "d1120000-0000-4000-8000-000000000002"
		d3  = "d2000000-0000-4000-8000-000000000003"
		d4  = "d3000000-0000-4000-8000-000000000004"
		d5  = "d4000000-0000-4000-8000-000000000005"
		d6  = "d5000000-0000-4000-8000-000000000006"
	)
	recs := []map[string]any{
		// sA2 sorts before sA1 by id but is imported after it, at the same instant.
		sub(sA1, "2026-01-02T03:04:05.123456789Z", "café ☕ 日本語 — first", "enabled", nil),
		sub(sA2, "2026-01-02T05:04:05.123456789+02:00", "tie with the first", "enabled", map[string]any{
			"Headers": map[string]string{}, "Metadata": map[string]string{}}),
		sub(sB, "2026-01-03T00:00:00.5Z", long, "disabled", map[string]any{
			"Events": []string{"kyc.verification.success", "card.created"}, "Method": "PUT", "Provider": "stripe",
			"Headers":        map[string]string{"X-Ünicode": "wert ✓", "X-Empty": "", "X-Long": long},
			"Metadata":       map[string]string{"created_by": "listen", "note": "日本"},
			"PreviousSecret": "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "PreviousSecretExpiresAt": "2026-01-04T00:00:00.000000001Z",
			"CallbackURL": "http://127.0.0.1:9/" + strings.Repeat("p", 3000)}),
		sub(sC, "2026-01-01T23:59:59.999999999-05:00", "", "enabled", map[string]any{"Events": []string{"*"}}),

		// serve's Svix state: an application, a deleted one (a tombstone),
		// an event type; exported by kind, then creation.
		obj("svix.event_type", "card.created", "", false, `{"name":"card.created","description":"ünï ☕"}`,
			"2026-01-02T03:00:00.000001Z", "2026-01-02T03:00:00.000001Z"),
		obj("svix.app", "app_2Live", "shop", false, `{"name":"Shop 日本","uid":"shop","metadata":{"team":"pay"},"rateLimit":7}`,
			"2026-01-02T03:01:00.123456789+01:00", "2026-01-02T04:00:00.5Z"),
		obj("svix.app", "app_1Dead", "", true, `{"name":"Gone"}`, "2026-01-02T01:00:00Z", "2026-01-02T05:00:00Z"),

		// Listed before older events: a store keeps the file's order.
		ev("evt_c", "card.created", "2026-01-05T00:00:00.000001Z", []byte("not json \xff\xfe bytes"), map[string]any{
			"ContentType": "application/octet-stream", "Headers": map[string][]string{}}),
		ev("evt_a1", "card.created", "2026-01-02T03:10:00Z", []byte(`{"event":"card.created","amount":12.50}`), nil),
		ev("evt_a2", "card.updated", "2026-01-02T03:10:00Z", []byte(`{"ü":"日本語 ☕"}`), map[string]any{
			"Source": "received", "Verdict": "valid",
			"Headers": map[string][]string{"X-Multi": {"1", "2"}, "X-Empty": {""}, "Webhook-Id": {"msg_1"}}}),
		ev("evt_b", "kyc.verification.success", "2026-01-02T08:40:00.987654321+05:30", big, nil),

		del(d1, "evt_a1", sA1, "failed", "2026-01-02T03:10:00.000000001Z", map[string]any{"LastError": "HTTP 500 — ünïcødé"}),
		del(d2, "evt_a1", sA2, "succeeded", "2026-01-02T03:10:00.000000001Z", map[string]any{
			"Headers": map[string]string{"X-Trace": "ü"}}),
		del(d3, "evt_a2", "", "failed", "2026-01-02T03:10:00Z", map[string]any{
			"Kind": "forward", "LastStatus": 0, "LastError": "dial tcp: connection refused", "Method": "PATCH",
			"Scheme": "standard", "Secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "Headers": map[string]string{}}),
		del(d4, "evt_b", sB, "pending", "2026-01-02T03:10:00.5Z", map[string]any{
			"NextAttemptAt": "2026-01-02T03:15:00.123456789Z", "AttemptCount": 2}),
		del(d5, "evt_c", sC, "failed", "2026-01-05T00:00:00.000001Z", map[string]any{"OriginID": d1, "Kind": "edited"}),
		del(d6, "evt_c", sA1, "succeeded", "2026-01-05T00:00:00.000001Z", nil),

		// Recorded before d1's: attempts of concurrent deliveries.
		att(d6, 1, "2026-01-05T00:00:00.000001Z", map[string]any{"ResponseStatus": 200}),
		att(d1, 1, "2026-01-02T03:10:00.000000001Z", map[string]any{"Error": "HTTP 500 — ünïcødé",
			"ResponseHeaders": map[string][]string{"X-Resp": {"a", "b"}}}),
		att(d2, 1, "2026-01-02T03:10:00.000000001Z", map[string]any{"ResponseStatus": 200, "ResponseBody": "",
			"RequestHeaders": map[string][]string{}}),
		att(d3, 1, "2026-01-02T03:10:00Z", map[string]any{"ResponseStatus": 0, "ResponseBody": nil,
			"Error": "dial tcp: connection refused", "RequestHeaders": nil}),
		att(d4, 1, "2026-01-02T03:10:00.5Z", nil),
		att(d4, 2, "2026-01-02T03:11:00.5+01:00", map[string]any{"Manual": true,
			"ResponseBody": base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("r"), 64<<10))}),
		att(d5, 1, "2026-01-05T00:00:00.000001Z", nil),
	}
	var b bytes.Buffer
	for _, r := range recs {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// parityRun is one command's visible result.
type parityRun struct {
	code           int
	stdout, stderr string
}

func (c *crashEnv) run(stdin []byte, args ...string) parityRun {
	var out, errb bytes.Buffer
	cmd := c.cmd("hookctl", args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatalf("hookctl %v: %v", args, err)
	}
	return parityRun{code, out.String(), errb.String()}
}

var (
	parityPGLocation = regexp.MustCompile(`postgres://[^\s"]*`)
	parityBackend    = regexp.MustCompile(`\b(sqlite|postgres|PostgreSQL|SQLite)\b`)
	// Each back end numbers its own migrations.
	// A dump's header line says when it was written, and from which backend.
	parityDumpHeader = regexp.MustCompile(`\{"hookctl_dump":\{"version":2,"exported_at":"[^"]+","store":"(sqlite|postgres)"\}\}`)
	paritySchema     = regexp.MustCompile(`(schema version\t|"schema_version": |"latest_schema_version": |\(latest )\d+`)
)

// TestStoreParity runs one scenario through the real binary against a fresh
// SQLite file and a fresh PostgreSQL schema and diffs what the user sees:
// the two back ends must not differ but for the store's name and location.
func TestStoreParity(t *testing.T) {
	t.Parallel()
	pgURL := pgtest.URL(t)
	lite, pg := newCrashEnv(t), pgEnv(t, pgURL)
	lite.env = append(lite.env, "XDG_DATA_HOME="+lite.dir+"/data")
	fixture := filepath.Join(t.TempDir(), "fixture.jsonl")
	parityFixture(t, fixture)
	litePath := filepath.Join(lite.dir, "hookctl.db")
	norm := func(s string) string {
		s = strings.ReplaceAll(s, litePath, "<STORE>")
		// Listen's journals: beside a SQLite file, in the data directory for PostgreSQL.
		s = strings.ReplaceAll(s, filepath.Join(pg.dir, "data", "hookctl", "journal"), "<JOURNAL>")
		s = strings.ReplaceAll(s, filepath.Join(lite.dir, "journal"), "<JOURNAL>")
		s = strings.ReplaceAll(s, lite.dir, "<DIR>")
		s = strings.ReplaceAll(s, pg.dir, "<DIR>")
		s = parityPGLocation.ReplaceAllString(s, "<STORE>")
		s = paritySchema.ReplaceAllString(s, "${1}<N>")
		s = parityDumpHeader.ReplaceAllString(s, "<DUMP HEADER>")
		return parityBackend.ReplaceAllString(s, "<BACKEND>")
	}
	var dump *os.File
	if p := os.Getenv("PARITY_DUMP"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		dump = f
	}
	step := func(stdin []byte, args ...string) (parityRun, parityRun) {
		t.Helper()
		a, b := lite.run(stdin, args...), pg.run(stdin, args...)
		na := parityRun{a.code, norm(a.stdout), norm(a.stderr)}
		nb := parityRun{b.code, norm(b.stdout), norm(b.stderr)}
		if dump != nil {
			fmt.Fprintf(dump, "$ hookctl %s (exit %d)\n%.3000s%.3000s\n", strings.Join(args, " "), a.code, na.stdout, na.stderr)
		}
		if na != nb {
			t.Errorf("hookctl %s: the stores differ\n--- sqlite (exit %d)\n%s%s\n--- postgres (exit %d)\n%s%s",
				strings.Join(args, " "), a.code, tail(na.stdout), na.stderr, b.code, tail(nb.stdout), nb.stderr)
		}
		return a, b
	}

	step(nil, "store", "import", fixture)
	for _, args := range [][]string{
		{"store", "info"},
		{"store", "info", "-o", "json"},
		{"subscriptions", "list"},
		{"subscriptions", "list", "-o", "json"},
		{"subscriptions", "list", "--reveal", "-o", "json"},
		{"subscriptions", "list", "--status", "disabled"},
		{"subscriptions", "list", "--event", "card.created"},
		{"subscriptions", "list", "--event", "kyc.verification.success", "-o", "json"},
		{"subscriptions", "get", "aaaa"},
		{"subscriptions", "get", "AAAA1"},
		{"subscriptions", "get", "aaaa1"},
		{"subscriptions", "get", "bbbb", "-o", "json", "--reveal"},
		{"subscriptions", "get", "zzzz"},
		{"subscriptions", "get", "aaaa2222-0000-4000-8000-000000000002", "-o", "json"},
		{"subscriptions", "get", "%"},
		{"subscriptions", "get", "_"},
		{"events", "log"},
		{"events", "log", "-o", "json"},
		{"events", "log", "--event", "card.*"},
		{"events", "log", "--source", "received", "-o", "json"},
		{"events", "log", "--since", "2026-01-02T03:10:00Z"},
		{"events", "log", "--since", "2026-01-02T03:10:00.000000001Z"},
		{"events", "log", "--until", "2026-01-02T03:10:00Z"},
		{"events", "log", "--until", "2026-01-02T03:10:00.000000001Z"},
		{"events", "log", "--limit", "1"},
		{"events", "log", "--limit", "2", "-o", "json"},
		{"events", "show", "evt_a"},
		{"events", "show", "evt_a2"},
		{"events", "show", "evt_c", "-o", "json"},
		{"events", "show", "evt_zz"},
		{"deliveries", "list"},
		{"deliveries", "list", "-o", "json"},
		{"deliveries", "list", "--status", "failed"},
		{"deliveries", "list", "--status", "pending", "-o", "json"},
		{"deliveries", "list", "--event", "card.*"},
		{"deliveries", "list", "--subscription", "aaaa1"},
		{"deliveries", "list", "--subscription", "aaaa"},
		{"deliveries", "list", "--subscription", "zzzz"},
		{"deliveries", "list", "--since", "2026-01-02T03:10:00.000000001Z"},
		{"deliveries", "list", "--since", "2026-01-02T03:10:00.0000000011Z"},
		{"deliveries", "list", "--until", "2026-01-02T03:10:00.000000001Z"},
		{"deliveries", "list", "--since", "2026-01-02T04:10:00.5+01:00"},
		{"deliveries", "list", "--limit", "2"},
		{"deliveries", "list", "--source", "received"},
		{"deliveries", "show", "d1"},
		{"deliveries", "show", "d11"},
		{"deliveries", "show", "d111"},
		{"deliveries", "show", "d3", "-o", "json"},
		{"deliveries", "show", "d4", "-o", "json"},
		{"deliveries", "show", "d2"},
		{"deliveries", "show", "D5"},
		{"deliveries", "show", "dzz"},
		{"replay", "--failed", "--dry-run"},
		{"replay", "--failed", "--dry-run", "-o", "json"},
		{"replay", "--failed", "--dry-run", "--limit", "1"},
		{"replay", "--failed", "--dry-run", "--subscription", "aaaa1", "--force"},
		{"replay", "--pending", "--dry-run", "--since", "2026-01-02T03:10:00.5Z"},
		{"replay", "d1", "--dry-run"},
		{"store", "prune", "--dry-run", "--older-than", "2026-01-02T03:10:00.000000001Z"},
		{"store", "prune", "--dry-run", "--older-than", "2026-01-03T00:00:00Z", "-o", "json"},
	} {
		step(nil, args...)
	}

	// Two stores' exports in one file (the same Seqs twice), a delivery
	// given twice, deliveries without a Seq: numbered as they come.
	merged := filepath.Join(t.TempDir(), "merged.jsonl")
	if err := os.WriteFile(merged, []byte(strings.Join([]string{
		`{"event":{"ID":"evt_m","Type":"card.created","Provider":"bond","Payload":"e30=","ContentType":"application/json","Source":"triggered","CreatedAt":"2026-01-06T00:00:00Z"}}`,
		`{"delivery":{"ID":"e0000000-0000-4000-8000-000000000001","EventID":"evt_m","URL":"http://127.0.0.1:9/m","Status":"failed","AttemptCount":1,"MaxAttempts":1,"CreatedAt":"2026-01-06T00:00:00Z","UpdatedAt":"2026-01-06T00:00:00Z"}}`,
		`{"delivery":{"ID":"e0000000-0000-4000-8000-000000000002","Seq":20,"EventID":"evt_m","URL":"http://127.0.0.1:9/m","Status":"failed","AttemptCount":1,"MaxAttempts":1,"CreatedAt":"2026-01-06T00:00:00Z","UpdatedAt":"2026-01-06T00:00:00Z"}}`,
		`{"delivery":{"ID":"e0000000-0000-4000-8000-000000000003","Seq":20,"EventID":"evt_m","URL":"http://127.0.0.1:9/m","Status":"failed","AttemptCount":1,"MaxAttempts":1,"CreatedAt":"2026-01-06T00:00:00Z","UpdatedAt":"2026-01-06T00:00:00Z"}}`,
		`{"delivery":{"ID":"e0000000-0000-4000-8000-000000000002","Seq":30,"EventID":"evt_m","URL":"http://127.0.0.1:9/dup","Status":"failed","AttemptCount":1,"MaxAttempts":1,"CreatedAt":"2026-01-06T00:00:00Z","UpdatedAt":"2026-01-06T00:00:00Z"}}`,
		`{"delivery":{"ID":"e0000000-0000-4000-8000-000000000004","Seq":2,"EventID":"evt_m","URL":"http://127.0.0.1:9/m","Status":"failed","AttemptCount":1,"MaxAttempts":1,"CreatedAt":"2026-01-06T00:00:00Z","UpdatedAt":"2026-01-06T00:00:00Z"}}`,
		`{"delivery":{"ID":"e0000000-0000-4000-8000-000000000005","EventID":"evt_m","URL":"http://127.0.0.1:9/m","Status":"failed","AttemptCount":1,"MaxAttempts":1,"CreatedAt":"2026-01-06T00:00:00Z","UpdatedAt":"2026-01-06T00:00:00Z"}}`,
		`{"attempt":{"DeliveryID":"e0000000-0000-4000-8000-000000000003","Number":1,"StartedAt":"2026-01-06T00:00:00Z"}}`,
	}, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	step(nil, "store", "import", merged, "-o", "json")

	// Records whose event or delivery is missing: the first is named.
	orphans := filepath.Join(t.TempDir(), "orphans.jsonl")
	var lines []string
	for i := range 40 {
		lines = append(lines, fmt.Sprintf(`{"delivery":{"ID":"0aaa%04d-0000-4000-8000-000000000000","EventID":"evt_gone_%d","URL":"http://127.0.0.1:9/o","Status":"failed","CreatedAt":"2026-01-06T00:00:00Z","UpdatedAt":"2026-01-06T00:00:00Z"}}`, 99-i, i))
	}
	for i := range 40 {
		lines = append(lines, fmt.Sprintf(`{"attempt":{"DeliveryID":"0bbb%04d-0000-4000-8000-000000000000","Number":%d,"StartedAt":"2026-01-06T00:00:00Z"}}`, 99-i, i+1))
	}
	if err := os.WriteFile(orphans, []byte(strings.Join(lines[:40], "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	step(nil, "store", "import", orphans)
	if err := os.WriteFile(orphans, []byte(strings.Join(lines[40:], "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	step(nil, "store", "import", orphans)
	// A batch (--batch-size records per transaction) that fails keeps none
	// of its records; the batches before it stay.
	partial := filepath.Join(t.TempDir(), "partial.jsonl")
	if err := os.WriteFile(partial, []byte(strings.Join([]string{
		`{"event":{"ID":"evt_p1","Type":"card.created","Provider":"bond","Payload":"e30=","ContentType":"application/json","Source":"triggered","CreatedAt":"2026-01-07T00:00:00Z"}}`,
		`{"event":{"ID":"evt_p2","Type":"card.created","Provider":"bond","Payload":"e30=","ContentType":"application/json","Source":"triggered","CreatedAt":"2026-01-07T00:00:00Z"}}`,
		`{"event":{"ID":"evt_p3","Type":"card.created","Provider":"bond","Payload":"e30=","ContentType":"application/json","Source":"triggered","CreatedAt":"2026-01-07T00:00:00Z"}}`,
		lines[0],
	}, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	step(nil, "store", "import", partial, "--batch-size", "2")
	// A delivery before its event, an attempt before its delivery: refused
	// as the first record that refers to no earlier one.
	late := filepath.Join(t.TempDir(), "late.jsonl")
	if err := os.WriteFile(late, []byte(strings.Join([]string{
		`{"attempt":{"DeliveryID":"0ccc0000-0000-4000-8000-000000000000","Number":1,"StartedAt":"2026-01-08T00:00:00Z"}}`,
		`{"delivery":{"ID":"0ccc0000-0000-4000-8000-000000000000","EventID":"evt_late","URL":"http://127.0.0.1:9/l","Status":"failed","CreatedAt":"2026-01-08T00:00:00Z","UpdatedAt":"2026-01-08T00:00:00Z"}}`,
		`{"event":{"ID":"evt_late","Type":"card.created","Provider":"bond","Payload":"e30=","ContentType":"application/json","Source":"triggered","CreatedAt":"2026-01-08T00:00:00Z"}}`,
	}, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	step(nil, "store", "import", late)
	if err := os.WriteFile(late, []byte(strings.Join([]string{
		`{"delivery":{"ID":"0ccc0000-0000-4000-8000-000000000000","EventID":"evt_late","URL":"http://127.0.0.1:9/l","Status":"failed","CreatedAt":"2026-01-08T00:00:00Z","UpdatedAt":"2026-01-08T00:00:00Z"}}`,
		`{"event":{"ID":"evt_late","Type":"card.created","Provider":"bond","Payload":"e30=","ContentType":"application/json","Source":"triggered","CreatedAt":"2026-01-08T00:00:00Z"}}`,
	}, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	step(nil, "store", "import", late)
	step(nil, "events", "log", "--since", "2026-01-07T00:00:00Z")
	// An application whose uid a live one has (in the store, or earlier in
	// the file): refused naming its record, the batch not written.
	taken := filepath.Join(t.TempDir(), "taken.jsonl")
	if err := os.WriteFile(taken, []byte(strings.Join([]string{
		`{"object":{"Kind":"svix.app","ID":"app_3","Key":"other","Data":"e30=","CreatedAt":"2026-01-08T00:00:00Z","UpdatedAt":"2026-01-08T00:00:00Z"}}`,
		`{"object":{"Kind":"svix.app","ID":"app_4","Key":"shop","Data":"e30=","CreatedAt":"2026-01-08T00:00:00Z","UpdatedAt":"2026-01-08T00:00:00Z"}}`,
	}, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	refused := func(a parityRun, want string) {
		t.Helper()
		if a.code != 2 || !strings.Contains(a.stderr, want) {
			t.Errorf("exit %d, want 2 and %q in:\n%s", a.code, want, a.stderr)
		}
	}
	a, _ := step(nil, "store", "import", taken)
	refused(a, `stopped: record 2: svix.app app_4: its key "shop" is taken by svix.app app_2Live`)
	if err := os.WriteFile(taken, []byte(strings.Join([]string{
		`{"event":{"ID":"evt_t","Type":"card.created","Provider":"bond","Payload":"e30=","ContentType":"application/json","Source":"triggered","CreatedAt":"2026-01-08T00:00:00Z"}}`,
		`{"delivery":{"ID":"0ddd0000-0000-4000-8000-000000000000","EventID":"evt_none","URL":"http://127.0.0.1:9/l","Status":"failed","CreatedAt":"2026-01-08T00:00:00Z","UpdatedAt":"2026-01-08T00:00:00Z"}}`,
		`{"object":{"Kind":"svix.app","ID":"app_5","Key":"twice","Data":"e30=","CreatedAt":"2026-01-08T00:00:00Z","UpdatedAt":"2026-01-08T00:00:00Z"}}`,
		`{"object":{"Kind":"svix.app","ID":"app_6","Key":"twice","Data":"e30=","CreatedAt":"2026-01-08T00:00:00Z","UpdatedAt":"2026-01-08T00:00:00Z"}}`,
	}, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, _ = step(nil, "store", "import", taken) // the delivery, the first record that fails
	refused(a, "delivery 0ddd0000-0000-4000-8000-000000000000: its event evt_none is neither earlier")
	if err := os.WriteFile(taken, []byte(strings.Join([]string{
		`{"object":{"Kind":"svix.app","ID":"app_2Live","Key":"changed","Data":"e30=","CreatedAt":"2026-01-08T00:00:00Z","UpdatedAt":"2026-01-08T00:00:00Z"}}`,
		`{"object":{"Kind":"svix.app","ID":"app_5","Key":"twice","Data":"e30=","CreatedAt":"2026-01-08T00:00:00Z","UpdatedAt":"2026-01-08T00:00:00Z"}}`,
		`{"object":{"Kind":"svix.app","ID":"app_6","Key":"twice","Data":"e30=","CreatedAt":"2026-01-08T00:00:00Z","UpdatedAt":"2026-01-08T00:00:00Z"}}`,
	}, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, batch := range []string{"1000", "1"} {
		a, _ = step(nil, "store", "import", taken, "--batch-size", batch)
		refused(a, `record 3: svix.app app_6: its key "twice" is taken by svix.app app_5`)
	}
	if a, _ := step(nil, "store", "info", "-o", "json"); !strings.Contains(a.stdout, `"objects": 4,`) {
		t.Errorf("objects: the fixture's 3 and app_5 (batch size 1), want 4:\n%s", a.stdout)
	}
	step(nil, "deliveries", "list", "--event", "card.created", "--since", "2026-01-06T00:00:00Z", "-o", "json")

	// Each store's export, imported into a fresh store of the other kind,
	// exports the same records again.
	ea, eb := step(nil, "store", "export")
	if n := strings.Count(ea.stdout, `{"object":{"kind":"svix.`); n != 4 {
		t.Errorf("export: %d objects, want 4", n)
	}
	lite2, pg2 := newCrashEnv(t), pgEnv(t, pgtest.URL(t))
	pg2.run([]byte(ea.stdout), "store", "import", "-")
	lite2.run([]byte(eb.stdout), "store", "import", "-")
	// The same records, byte for byte: only the header lines differ (the
	// time of the export, the backend).
	if x := pg2.run(nil, "store", "export").stdout; records(x) != records(ea.stdout) {
		t.Errorf("sqlite export → postgres import → export differs:\n%s", lineDiff(records(ea.stdout), records(x)))
	}
	if x := lite2.run(nil, "store", "export").stdout; records(x) != records(eb.stdout) {
		t.Errorf("postgres export → sqlite import → export differs:\n%s", lineDiff(records(eb.stdout), records(x)))
	}
	if records(ea.stdout) != records(eb.stdout) {
		t.Errorf("the sqlite and postgres exports differ:\n%s", lineDiff(records(ea.stdout), records(eb.stdout)))
	}
}

// records is an export without its header line.
func records(export string) string {
	head, rest, _ := strings.Cut(export, "\n")
	if !strings.HasPrefix(head, `{"hookctl_dump":{"version":2,`) {
		return export
	}
	return rest
}

// lineDiff names the first lines that differ (shortened).
func lineDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			out = append(out, fmt.Sprintf("line %d:\n  - %.600s\n  + %.600s", i+1, x, y))
		}
		if len(out) == 5 {
			break
		}
	}
	return strings.Join(out, "\n")
}

var parityGenerated = []*regexp.Regexp{
	regexp.MustCompile(`whsec_\S*…\S*`), // a masked secret
	regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`),
	regexp.MustCompile(`\b(evt|msg|whsec|run|wh|trg)_[A-Za-z0-9+/=_-]+`),
	regexp.MustCompile(`\b[0-9a-f]{24,32}\b`),
	regexp.MustCompile(`\b[0-9a-f]{8}\b`), // a short id
}

var (
	parityTime = regexp.MustCompile(`\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d| UTC)?`)
	parityDur  = regexp.MustCompile(`\b(\d+(\.\d+)? ?(ns|µs|ms|h|m|s))+\b( ago)?`)
)

// parityNames replaces what a store generated (ids, secrets, times) by
// names in order of first appearance, so two runs of one scenario compare.
type parityNames map[string]string

func (m parityNames) norm(s string) string {
	for _, re := range parityGenerated {
		s = re.ReplaceAllStringFunc(s, func(id string) string {
			if n, ok := m[id]; ok {
				return n
			}
			m[id] = fmt.Sprintf("<G%d>", len(m)+1)
			return m[id]
		})
	}
	s = parityTime.ReplaceAllString(s, "<TIME>")
	return parityDur.ReplaceAllString(s, "<DUR>")
}

// TestStoreParityLive: subscriptions created, changed and deleted, events
// triggered and replayed through the binary give the same output on both
// back ends (generated ids, secrets and times named by first appearance).
func TestStoreParityLive(t *testing.T) {
	slowFaultTest(t, "both stores driven side by side (~5 s)")
	pgURL := pgtest.URL(t)
	lite, pg := newCrashEnv(t), pgEnv(t, pgURL)
	lite.env = append(lite.env, "XDG_DATA_HOME="+lite.dir+"/data")
	envs := []*crashEnv{lite, pg}
	names := [2]parityNames{{}, {}}
	vars := [2]map[string]string{{}, {}}
	var dump *os.File
	if p := os.Getenv("PARITY_DUMP"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		dump = f
	}
	norm := func(i int, s string, sorted bool) string {
		c := envs[i]
		s = strings.ReplaceAll(s, filepath.Join(lite.dir, "hookctl.db"), "<STORE>")
		s = parityPGLocation.ReplaceAllString(s, "<STORE>")
		s = strings.ReplaceAll(s, c.dir, "<DIR>")
		s = parityBackend.ReplaceAllString(s, "<BACKEND>")
		if sorted { // deliveries sent concurrently: lines in any order, ids not named
			for _, re := range parityGenerated {
				s = re.ReplaceAllString(s, "<ID>")
			}
			s = parityDur.ReplaceAllString(parityTime.ReplaceAllString(s, "<TIME>"), "<DUR>")
			lines := strings.Split(s, "\n")
			sort.Strings(lines)
			return strings.Join(lines, "\n")
		}
		return names[i].norm(s)
	}
	// step runs args (with {VAR} replaced by each store's value) on both
	// stores and returns their raw stdout.
	step := func(args ...string) [2]string {
		t.Helper()
		var runs [2]parityRun
		var raw [2]string
		sorted := (args[0] == "trigger" || args[0] == "replay") && !slices.Contains(args, "--dry-run")
		for i, c := range envs {
			a := make([]string, len(args))
			for j, arg := range args {
				a[j] = arg
				for k, v := range vars[i] {
					a[j] = strings.ReplaceAll(a[j], "{"+k+"}", v)
				}
			}
			r := c.run(nil, a...)
			raw[i] = r.stdout
			runs[i] = parityRun{r.code, norm(i, r.stdout, sorted), norm(i, r.stderr, sorted)}
		}
		if dump != nil {
			fmt.Fprintf(dump, "$ hookctl %s (exit %d)\n%.3000s%.3000s\n", strings.Join(args, " "), runs[0].code, runs[0].stdout, runs[0].stderr)
		}
		if runs[0] != runs[1] {
			t.Errorf("hookctl %s: the stores differ\n--- sqlite (exit %d)\n%s%s\n--- postgres (exit %d)\n%s%s",
				strings.Join(args, " "), runs[0].code, tail(runs[0].stdout), runs[0].stderr, runs[1].code, tail(runs[1].stdout), runs[1].stderr)
		}
		return raw
	}
	// set names a field of each store's JSON output.
	set := func(name string, out [2]string, field string) {
		t.Helper()
		for i := range out {
			var v map[string]any
			if err := json.Unmarshal([]byte(out[i]), &v); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			vars[i][name], _ = v[field].(string)
		}
	}
	set("A", step("subscribe", "--url", "http://127.0.0.1:9/a", "--events", "card.*", "--description", "ünï ☕", "--header", "X-A: 1", "-o", "json"), "webhook_id")
	set("B", step("subscribe", "--url", "http://127.0.0.1:9/b", "--events", "card.created,kyc.*", "--method", "PUT", "-o", "json"), "webhook_id")
	for _, args := range [][]string{
		{"subscriptions", "update", "{A}", "--add-events", "kyc.verification.success", "--header", "X-B: ü ✓", "--remove-header", "X-A"},
		{"subscriptions", "update", "{A}", "--description", ""},
		{"subscriptions", "disable", "{B}"},
		{"subscriptions", "list"},
		{"subscriptions", "list", "-o", "json", "--reveal"},
		{"trigger", "card.created", "--no-retry", "--timeout", "1s", "--set-string", "data.note=日本語"},
		{"subscriptions", "enable", "{B}"},
		{"trigger", "card.created", "--retry-schedule", "0s,1h", "--timeout", "1s", "--wait", "2s"},
		{"trigger", "card.created", "--url", "http://127.0.0.1:9/x", "--no-retry", "-H", "X-C: 1", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
		{"events", "log"},
		{"events", "log", "-o", "json"},
		{"deliveries", "list"},
		{"deliveries", "list", "-o", "json"},
		{"deliveries", "list", "--status", "pending"},
		{"deliveries", "list", "--subscription", "{A}", "-o", "json"},
		{"replay", "--failed", "--dry-run"},
		{"replay", "--failed", "--yes", "--no-retry", "--timeout", "1s"},
		{"subscriptions", "rotate-secret", "{A}"},
		{"subscriptions", "delete", "{B}", "--yes"},
		{"subscriptions", "get", "{B}"},
		{"subscriptions", "update", "{B}", "--description", "x"},
		{"deliveries", "list"},
		{"deliveries", "list", "--status", "failed", "-o", "json"},
		{"replay", "--pending", "--dry-run"},
		{"store", "prune", "--older-than", "1h", "--dry-run"},
		{"store", "prune", "--older-than", "0s", "--yes"},
		{"deliveries", "list"},
		{"events", "log"},
	} {
		step(args...)
	}
}
