package main

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
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

// objectKeys returns the keys of a JSON object in their order.
func objectKeys(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", b)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		keys = append(keys, tok.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
	}
	return keys
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

	if w, g := objectKeys(t, []byte(example)), objectKeys(t, got); !slices.Equal(w, g) {
		t.Errorf("README's subscription keys:\n  %v\nsubscriptions get -o json:\n  %v", w, g)
	}
	if w, g := objectKeys(t, []byte(example)), objectKeys(t, subs[0]); !slices.Equal(w, g) {
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
	masked := regexp.MustCompile(`^whsec_\w{4}….{3}$`)
	if !masked.MatchString(want["secret"].(string)) || !masked.MatchString(real["secret"].(string)) {
		t.Errorf("secret: README %v, real %v: want both masked alike", want["secret"], real["secret"])
	}

	// During a rotation grace period: the two more keys the README names.
	c.hookctl(0, "subscriptions", "rotate-secret", id, "--grace", "1h")
	rotated := objectKeys(t, c.hookctl(0, "subscriptions", "get", id, "-o", "json"))
	for _, k := range []string{"previous_secret", "previous_secret_expires_at"} {
		if !strings.Contains(readme(t), "`"+k+"`") || !slices.Contains(rotated, k) {
			t.Errorf("rotation key %s: in README and output? output keys %v", k, rotated)
		}
	}
	if len(rotated) != len(objectKeys(t, got))+2 {
		t.Errorf("after rotate-secret: keys %v, want the README's and the two previous_secret ones", rotated)
	}

	// `delete -o json` prints `{"deleted": true, "webhook_id": "…"}`.
	m := regexp.MustCompile("`delete -o json` prints\\s+`(\\{[^`]*\\})`").FindStringSubmatch(readme(t))
	if m == nil {
		t.Fatal("README does not show delete -o json")
	}
	del := c.hookctl(0, "subscriptions", "delete", id, "--yes", "-o", "json")
	if w, g := objectKeys(t, []byte(strings.ReplaceAll(m[1], "…", "x"))), objectKeys(t, del); !slices.Equal(w, g) {
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
	if got := objectKeys(t, out); !slices.Equal(got, want) {
		t.Errorf("verify -o json: README %v, real %v", want, got)
	}
}

// TestReadmeCheckJSONKeys: every key the README lists for `check -o json`
// (and for each of its checks) is in the real document, in that order.
// The real document has more than the README lists (provider, event,
// run_id; a check's body and hint): reported to the check helper, whose
// README section this is.
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
		if i < len(want) {
			t.Errorf("%s: README lists %v; check -o json has %v", what, want, got)
		}
		if !slices.Equal(want, got) {
			t.Logf("%s: README lists %v; check -o json has %v", what, want, got)
		}
	}
	inOrder("check -o json", wantTop, objectKeys(t, out))
	var all []string
	for _, ch := range doc.Checks {
		for _, k := range objectKeys(t, ch) {
			if !slices.Contains(all, k) {
				all = append(all, k)
			}
		}
	}
	inOrder("a check", inner["checks"], all)
}
