package main

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/testutil/jsonkeys"
)

// The JSON the README shows is the JSON hookctl prints: these tests take
// the README's examples and key lists and compare them with the real
// binary's -o json output, key for key.

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readmeBlockAfter returns the first fenced block of lang after the line
// holding marker.
func readmeBlockAfter(t *testing.T, marker, lang string) string {
	t.Helper()
	s := readme(t)
	i := strings.Index(s, marker)
	if i < 0 {
		t.Fatalf("README has no %q", marker)
	}
	s = s[i:]
	start := strings.Index(s, "```"+lang+"\n")
	if start < 0 {
		t.Fatalf("no ```%s block after %q", lang, marker)
	}
	s = s[start+len("```"+lang+"\n"):]
	end := strings.Index(s, "```")
	return s[:end]
}

// TestReadmeSubscriptionJSON: the subscription object of the README is
// what `subscriptions get -o json` prints for the README's own subscribe
// command: the same keys in the same order, the secret and the
// credential header masked alike; `delete -o json` and the rotation keys
// as the README says.
func TestReadmeSubscriptionJSON(t *testing.T) {
	example := readmeBlockAfter(t, "**JSON** (`-o json`) prints the provider-style object", "json")
	var want map[string]any
	if err := json.Unmarshal([]byte(example), &want); err != nil {
		t.Fatalf("README's subscription JSON: %v\n%s", err, example)
	}

	c := newCrashEnv(t)
	c.hookctl(0, "subscribe", "--url", "http://localhost:3000/webhooks", "--events", "card.*,kyc.verification.success",
		"--description", "my app", "--header", "Authorization: Bearer t0k3n")
	list := c.hookctl(0, "subscriptions", "list", "-o", "json")
	var subs []json.RawMessage
	if err := json.Unmarshal(list, &subs); err != nil || len(subs) != 1 {
		t.Fatalf("subscriptions list -o json: %v\n%s", err, list)
	}
	var sub map[string]any
	json.Unmarshal(subs[0], &sub)
	id := sub["webhook_id"].(string)
	got := c.hookctl(0, "subscriptions", "get", id[:4], "-o", "json")

	if w, g := jsonkeys.Of(t, []byte(example)), jsonkeys.Of(t, got); !slices.Equal(w, g) {
		t.Errorf("README's subscription keys:\n  %v\nsubscriptions get -o json:\n  %v", w, g)
	}
	if w, g := jsonkeys.Of(t, []byte(example)), jsonkeys.Of(t, subs[0]); !slices.Equal(w, g) {
		t.Errorf("README's subscription keys:\n  %v\nsubscriptions list -o json:\n  %v", w, g)
	}
	var real map[string]any
	json.Unmarshal(got, &real)
	for _, k := range []string{"callback_url", "description", "status", "provider", "scheme", "method", "secret_masked"} {
		if want[k] != real[k] {
			t.Errorf("%s: README %v, real %v", k, want[k], real[k])
		}
	}
	if !slices.Equal(strSlice(want["events"]), strSlice(real["events"])) {
		t.Errorf("events: README %v, real %v", want["events"], real["events"])
	}
	// Masked as get and list mask them (not as subscribe, which shows them once).
	if wh, rh := want["headers"].(map[string]any), real["headers"].(map[string]any); wh["Authorization"] != rh["Authorization"] {
		t.Errorf("headers.Authorization: README %v, real %v", wh["Authorization"], rh["Authorization"])
	}
	masked := regexp.MustCompile(`^whsec_[A-Za-z0-9+/]{4}….{3}$`) // base64: + and / too
	if !masked.MatchString(want["secret"].(string)) || !masked.MatchString(real["secret"].(string)) {
		t.Errorf("secret: README %v, real %v: want both masked alike", want["secret"], real["secret"])
	}

	// During a rotation grace period: the two more keys the README names.
	c.hookctl(0, "subscriptions", "rotate-secret", id, "--grace", "1h")
	rotated := jsonkeys.Of(t, c.hookctl(0, "subscriptions", "get", id, "-o", "json"))
	for _, k := range []string{"previous_secret", "previous_secret_expires_at"} {
		if !strings.Contains(readme(t), "`"+k+"`") || !slices.Contains(rotated, k) {
			t.Errorf("rotation key %s: in README and output? output keys %v", k, rotated)
		}
	}
	if len(rotated) != len(jsonkeys.Of(t, got))+2 {
		t.Errorf("after rotate-secret: keys %v, want the README's and the two previous_secret ones", rotated)
	}

	// `delete -o json` prints `{"deleted": true, "webhook_id": "…"}`.
	m := regexp.MustCompile("`delete -o json` prints\\s+`(\\{[^`]*\\})`").FindStringSubmatch(readme(t))
	if m == nil {
		t.Fatal("README does not show delete -o json")
	}
	del := c.hookctl(0, "subscriptions", "delete", id, "--yes", "-o", "json")
	if w, g := jsonkeys.Of(t, []byte(strings.ReplaceAll(m[1], "…", "x"))), jsonkeys.Of(t, del); !slices.Equal(w, g) {
		t.Errorf("delete -o json: README %v, real %v (%s)", w, g, del)
	}
}

func strSlice(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// keyList reads the README's shorthand for a JSON document's keys,
// `{"url", "scheme", "checks": [{"id", …}], "summary"}`: the top-level
// keys in order, and for a key followed by `: [{…}]` or `: {…}` the keys
// inside (under that key's name).
func keyList(t *testing.T, s string) (top []string, inner map[string][]string) {
	t.Helper()
	inner = map[string][]string{}
	tok := regexp.MustCompile(`"[^"]*"|[{}\[\]:,]`).FindAllString(s, -1)
	depth, parent, last := 0, "", ""
	for _, x := range tok {
		switch x {
		case "{":
			depth++
			if depth == 2 {
				parent = last
			}
		case "}":
			depth--
		case ":", ",", "[", "]":
		default:
			k := strings.Trim(x, `"`)
			switch depth {
			case 1:
				top = append(top, k)
				last = k
			case 2:
				inner[parent] = append(inner[parent], k)
			}
		}
	}
	if len(top) == 0 {
		t.Fatalf("no keys in %q", s)
	}
	return top, inner
}

// TestReadmeVerifyJSONKeys: `verify -o json`'s keys are the README's
// {"valid", "scheme", "id", "reason", "error"} (an invalid request has
// them all).
func TestReadmeVerifyJSONKeys(t *testing.T) {
	m := regexp.MustCompile("`-o json` prints\\s+`(\\{\"valid\"[^`]*\\})`").FindStringSubmatch(readme(t))
	if m == nil {
		t.Fatal("README does not list verify -o json's keys")
	}
	want, _ := keyList(t, m[1])
	c := newCrashEnv(t)
	cmd := c.cmd("hookctl", "verify", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"-H", "webhook-id: msg_p5jXN8AQM9LWM0D4loKWxJek", "-H", "webhook-timestamp: 1614265330",
		"-H", "webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "-o", "json")
	cmd.Stdin = strings.NewReader(`{"test": 2432232314}`)
	out, _ := cmd.Output() // exit 1: stale
	if got := jsonkeys.Of(t, out); !slices.Equal(got, want) {
		t.Errorf("verify -o json: README %v, real %v", want, got)
	}
}

// TestReadmeCheckJSONKeys: the keys the README lists for `check -o json`,
// for its checks (together) and for its summary are exactly the real
// document's, in order.
func TestReadmeCheckJSONKeys(t *testing.T) {
	m := regexp.MustCompile("`-o json` gives\\s+`(\\{\"url\"[^`]*\\})`").FindStringSubmatch(readme(t))
	if m == nil {
		t.Fatal("README does not list check -o json's keys")
	}
	wantTop, inner := keyList(t, m[1])
	c := newCrashEnv(t)
	url, _ := c.receiver("app")
	// A receiver that answers 200 to everything: one check passes, one
	// fails with a hint (exit 1).
	out := c.hookctl(1, "check", url, "--scheme", "standard", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"--only", "accepts-valid,rejects-wrong-secret", "-o", "json")
	var doc struct {
		Checks []json.RawMessage `json:"checks"`
	}
	if err := json.Unmarshal(out, &doc); err != nil || len(doc.Checks) == 0 {
		t.Fatalf("check -o json: %v\n%s", err, out)
	}
	inOrder := func(what string, want, got []string) {
		i := 0
		for _, k := range got {
			if i < len(want) && k == want[i] {
				i++
			}
		}
		if i < len(want) || !slices.Equal(want, got) {
			t.Errorf("%s: README lists %v; check -o json has %v", what, want, got)
		}
	}
	inOrder("check -o json", wantTop, jsonkeys.Of(t, out))
	var all []string
	for _, ch := range doc.Checks {
		for _, k := range jsonkeys.Of(t, ch) {
			if !slices.Contains(all, k) {
				all = append(all, k)
			}
		}
	}
	// A check has only some keys (hint when it has one): each check's
	// keys in README's order, and every key README lists seen.
	for _, ch := range doc.Checks {
		got, i := jsonkeys.Of(t, ch), 0
		for _, k := range inner["checks"] {
			if i < len(got) && got[i] == k {
				i++
			}
		}
		if i < len(got) {
			t.Errorf("a check: README lists %v; check -o json has %v", inner["checks"], got)
		}
	}
	slices.Sort(all)
	want := slices.Clone(inner["checks"])
	slices.Sort(want)
	if !slices.Equal(all, want) {
		t.Errorf("checks: README lists %v; check -o json has %v", want, all)
	}
	var sum struct {
		Summary json.RawMessage `json:"summary"`
	}
	if err := json.Unmarshal(out, &sum); err != nil {
		t.Fatal(err)
	}
	inOrder("the summary", inner["summary"], jsonkeys.Of(t, sum.Summary))
}

// allKeys collects every object key of a JSON document, at any depth.
func allKeys(v any, into map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			into[k] = true
			allKeys(e, into)
		}
	case []any:
		for _, e := range x {
			allKeys(e, into)
		}
	}
}

// TestReadmeTriggerJSONKeys: every key README's **Output:** paragraph of
// trigger names (`run_id`, `events` (`id`, …), …) is in the document
// `trigger -o json` prints, with the top-level ones exactly those; and
// replay's is that document with `replayed` for `timed_out`.
func TestReadmeTriggerJSONKeys(t *testing.T) {
	s := readme(t)
	_, para, ok := strings.Cut(s, "- **Output:** on stdout a line per event")
	if !ok {
		t.Fatal("README has no trigger **Output:** paragraph")
	}
	para, _, _ = strings.Cut(para, "\n\n")
	para, _, _ = strings.Cut(para, "\n- **") // the next item of the list
	_, para, _ = strings.Cut(para, "`-o json` prints one document instead:")
	var named []string
	for _, m := range regexp.MustCompile("`([a-z_]+)`").FindAllStringSubmatch(para, -1) {
		named = append(named, m[1])
	}
	if len(named) < 15 {
		t.Fatalf("found only %v in README's trigger -o json description", named)
	}

	c := newCrashEnv(t)
	// A refused connection: a failed delivery, with last_error and an
	// attempt's error.
	out := c.hookctl(1, "trigger", "card.created", "--url", "http://127.0.0.1:1/webhooks", "--no-retry", "-o", "json")
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("trigger -o json: %v\n%s", err, out)
	}
	have := map[string]bool{}
	allKeys(doc, have)
	for _, k := range named {
		if !have[k] {
			t.Errorf("README names %q in trigger -o json; the document has no such key: %s", k, out)
		}
	}
	top := []string{"run_id", "events", "deliveries", "summary", "elapsed_ms", "timed_out", "interrupted"}
	var got []string
	for k := range doc {
		got = append(got, k)
	}
	slices.Sort(got)
	slices.Sort(top)
	if !slices.Equal(got, top) {
		t.Errorf("trigger -o json top-level keys %v, README's %v", got, top)
	}

	rep := c.hookctl(1, "replay", "--failed", "--yes", "-o", "json")
	var rdoc map[string]any
	json.Unmarshal(rep, &rdoc)
	if _, ok := rdoc["replayed"]; !ok || rdoc["timed_out"] != nil {
		t.Errorf("replay -o json: want `replayed` for `timed_out`: %s", rep)
	}
}

// TestReadmeListenJSONLines: the ready, event and forward lines README
// shows for `listen -o json` have the keys, in order, of the lines listen
// prints for an event sent through it.
func TestReadmeListenJSONLines(t *testing.T) {
	block := readmeBlockAfter(t, "`-o json` prints one object per line and nothing else on stdout", "json")
	want := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("README listen line %q: %v", line, err)
		}
		want[m["kind"].(string)] = jsonkeys.Of(t, []byte(line))
	}
	if len(want) != 3 {
		t.Fatalf("README's listen lines: %v", want)
	}

	c := newCrashEnv(t)
	app, _ := c.receiver("app")
	var out bytes.Buffer
	l := c.cmd("hookctl", "listen", "--port", "0", "--forward", app, "-o", "json")
	l.Stdout = &syncWriter{w: &out}
	if err := l.Start(); err != nil {
		t.Fatal(err)
	}
	defer l.Process.Kill()
	ready := waitLine(t, l.Stdout.(*syncWriter), 0)
	var r struct{ URL, Secret string }
	json.Unmarshal([]byte(ready), &r)
	c.hookctl(0, "trigger", "card.created", "--url", r.URL+"/", "--scheme", "bond", "--secret", r.Secret)
	waitLine(t, l.Stdout.(*syncWriter), 2)
	l.Process.Signal(os.Interrupt)
	l.Wait()
	got := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		json.Unmarshal([]byte(line), &m)
		got[m["kind"].(string)] = jsonkeys.Of(t, []byte(line))
	}
	for kind, keys := range want {
		if !slices.Equal(got[kind], keys) {
			t.Errorf("listen -o json %s line: README %v, real %v", kind, keys, got[kind])
		}
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// waitLine waits until the writer holds line n (0-based) and returns it.
func waitLine(t *testing.T, s *syncWriter, n int) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		lines := strings.Split(s.w.String(), "\n")
		s.mu.Unlock()
		if len(lines) > n+1 {
			return lines[n]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no line %d from listen", n)
	return ""
}

// TestReadmeJSONKeysTable: the Output contract's table of the other
// commands' -o json keys is what they print: every key printed is listed
// (a bracketed one may be absent), in the listed order, and every
// unbracketed key is printed.
func TestReadmeJSONKeysTable(t *testing.T) {
	t.Parallel()
	s := readme(t)
	i := strings.Index(s, "  | command | keys |\n")
	if i < 0 {
		t.Fatal("README has no table of -o json keys")
	}
	type keySpec struct {
		keys     []string // in order
		optional map[string]bool
	}
	table := map[string]keySpec{}
	cell := regexp.MustCompile("\\[?`([a-z_]+)`\\]?")
	for _, line := range strings.Split(s[i:], "\n")[2:] {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			break
		}
		cols := strings.Split(strings.Trim(line, "|"), "|")
		names := regexp.MustCompile("`([a-z ]+)`").FindAllStringSubmatch(cols[0], -1)
		cmd := names[0][1]
		if cmd == "deliveries tail" && len(names) > 1 {
			cmd += " " + names[1][1] // its delivery lines, its attempt lines
		}
		spec := keySpec{optional: map[string]bool{}}
		if strings.Contains(cols[1], "those of `deliveries list`") {
			base := table["deliveries list"]
			spec.keys = slices.Clone(base.keys)
			for k := range base.optional {
				spec.optional[k] = true
			}
			cols[1] = cols[1][strings.Index(cols[1], "and"):]
		}
		for _, m := range cell.FindAllStringSubmatch(cols[1], -1) {
			spec.keys = append(spec.keys, m[1])
			if strings.HasPrefix(m[0], "[") {
				spec.optional[m[1]] = true
			}
		}
		table[cmd] = spec
	}

	c := newCrashEnv(t)
	app, _ := c.receiver("app")
	c.hookctl(0, "subscribe", "--url", app+"/hooks", "--events", "card.*")
	trig := c.hookctl(0, "trigger", "card.created", "-o", "json")
	var run struct{ Deliveries []struct{ ID string } }
	if err := json.Unmarshal(trig, &run); err != nil || len(run.Deliveries) != 1 {
		t.Fatalf("trigger: %v %s", err, trig)
	}
	first := func(b []byte) []byte {
		var list []json.RawMessage
		if err := json.Unmarshal(b, &list); err != nil || len(list) == 0 {
			t.Fatalf("want a non-empty list: %v %s", err, b)
		}
		return list[0]
	}
	runs := map[string]func() []byte{
		"version":         func() []byte { return c.hookctl(0, "version", "-o", "json") },
		"config list":     func() []byte { return first(c.hookctl(0, "config", "list", "-o", "json")) },
		"config path":     func() []byte { return c.hookctl(0, "config", "path", "-o", "json") },
		"store info":      func() []byte { return c.hookctl(0, "store", "info", "-o", "json") },
		"store migrate":   func() []byte { return c.hookctl(0, "store", "migrate", "-o", "json") },
		"store prune":     func() []byte { return c.hookctl(0, "store", "prune", "--older-than", "0", "--dry-run", "-o", "json") },
		"events log":      func() []byte { return first(c.hookctl(0, "events", "log", "-o", "json")) },
		"deliveries list": func() []byte { return first(c.hookctl(0, "deliveries", "list", "-o", "json")) },
		"deliveries show": func() []byte { return c.hookctl(0, "deliveries", "show", run.Deliveries[0].ID, "-o", "json") },
		"deliveries tail delivery": func() []byte {
			return tailLine(t, c.hookctl(0, "deliveries", "tail", "--timeout", "300ms", "-o", "json"), "delivery")
		},
		"deliveries tail attempt": func() []byte {
			return tailLine(t, c.hookctl(0, "deliveries", "tail", "--timeout", "300ms", "-o", "json"), "attempt")
		},
	}
	for cmd, out := range runs {
		spec, ok := table[cmd]
		if !ok {
			t.Errorf("README's table has no row for %s", cmd)
			continue
		}
		got := jsonkeys.Of(t, out())
		var want []string // the listed keys in the order printed
		for _, k := range spec.keys {
			if slices.Contains(got, k) {
				want = append(want, k)
			} else if !spec.optional[k] {
				t.Errorf("%s -o json: no %q (README lists it): %v", cmd, k, got)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s -o json: keys %v, README lists %v", cmd, got, spec.keys)
		}
	}
}

// tailLine is the first of deliveries tail's JSON lines of this type.
func tailLine(t *testing.T, out []byte, typ string) []byte {
	t.Helper()
	for _, l := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		var v struct{ Type string }
		if err := json.Unmarshal(l, &v); err != nil {
			t.Fatalf("deliveries tail -o json: a line that is not JSON: %v\n%s", err, l)
		}
		if v.Type == typ {
			return l
		}
	}
	t.Fatalf("deliveries tail -o json: no %s line:\n%s", typ, out)
	return nil
}
