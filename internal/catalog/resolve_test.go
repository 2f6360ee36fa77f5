package catalog

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLookup(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "dup.yaml", "type: card.created\nprovider: standard\ndescription: mine\nbody:\n  type: card.created\n")
	c, err := Load(Options{FixturesDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, provider string
		want           string // qualified name, or error text
		hints          []string
	}{
		{"kyc.verification.success", "", "bond:kyc.verification.success", nil},
		{"bond:card.created", "", "bond:card.created", nil},
		{"card.created", "standard", "standard:card.created", nil},
		{"card.created", "", `event "card.created" exists in several providers`,
			[]string{"use a qualified name: bond:card.created, standard:card.created", "or pass --provider bond"}},
		{"card.create", "", `unknown event "card.create"`,
			[]string{`did you mean "card.created"?`, `run "hookctl events list" to see every event type`}},
		{"kyc.verification.sucess", "", `unknown event "kyc.verification.sucess"`,
			[]string{`did you mean "kyc.verification.success"?`, `run "hookctl events list" to see every event type`}},
		{"ping", "bond", `unknown event "ping" for provider bond`,
			[]string{"ping is a standard or github event: use standard:ping or github:ping", `run "hookctl events list --provider bond" to see its event types`}},
		{"bnd:card.created", "", `unknown provider "bnd"`, []string{`did you mean "bond"?`, "providers: bond, mono, mambu, saas, standard, stripe, github"}},
		{"mono:card.created", "bond", `event "mono:card.created" names provider mono but --provider is bond`, []string{"drop one of them"}},
		{"zzzzzz", "", `unknown event "zzzzzz"`, []string{`run "hookctl events list" to see every event type`}},
	} {
		et, err := c.Lookup(tc.name, tc.provider)
		if err == nil {
			if et.QualifiedName() != tc.want {
				t.Errorf("Lookup(%q, %q) = %s, want %s", tc.name, tc.provider, et.QualifiedName(), tc.want)
			}
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("Lookup(%q, %q): %v, want %s", tc.name, tc.provider, err, tc.want)
			continue
		}
		e := err.(*Error)
		if !reflect.DeepEqual(e.Hints(), tc.hints) || e.ExitCode() != 2 {
			t.Errorf("Lookup(%q): hints %q, want %q", tc.name, e.Hints(), tc.hints)
		}
	}
}

func TestValidatePatterns(t *testing.T) {
	c := mustLoad(t)
	if err := c.ValidatePatterns([]string{"card.*", "kyc.verification.*", "*", "transactions", "kyc.*", "direct_debit.payment_successful"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		p    []string
		want string
		hint string
	}{
		{[]string{"crad.*"}, `event pattern "crad.*" matches no event type`, `did you mean "card.*"?`},
		{[]string{"card.created", "kyc.verfication.success"}, `unknown event "kyc.verfication.success"`, `did you mean "kyc.verification.success"?`},
		{[]string{"card*"}, `invalid event pattern "card*"`, "patterns are an event type, a prefix ending in .* (card.*) or *"},
		{[]string{"*.created"}, `invalid event pattern "*.created"`, "patterns are an event type, a prefix ending in .* (card.*) or *"},
		{[]string{"bond:card.created"}, `invalid event pattern "bond:card.created": patterns match event types without a provider`, `did you mean "card.created"?`},
		{[]string{"bond:card.craeted"}, `invalid event pattern "bond:card.craeted": patterns match event types without a provider`, `did you mean "card.created"?`},
		{[]string{"order:created"}, `invalid event pattern "order:created": patterns match event types without a provider`, `use "created"`},
		{[]string{""}, "empty event pattern", "patterns are an event type, a prefix ending in .* (card.*) or *"},
		{nil, "no event patterns given", "for example: --events 'card.*,kyc.verification.success' or --events '*'"},
	} {
		err := c.ValidatePatterns(tc.p)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q: %v, want %s", tc.p, err, tc.want)
			continue
		}
		if h := err.(*Error).Hints(); len(h) == 0 || h[0] != tc.hint {
			t.Errorf("%q: hints %q, want %q first", tc.p, h, tc.hint)
		}
	}
}

func TestCompleteTypes(t *testing.T) {
	c := mustLoad(t)
	got := c.CompleteTypes("card.status.l", "")
	if !reflect.DeepEqual(got, []string{"card.status.lost"}) {
		t.Errorf("got %q", got)
	}
	got = c.CompleteTypes("saas:pay", "")
	if !reflect.DeepEqual(got, []string{"saas:payment.failed", "saas:payment.succeeded"}) {
		t.Errorf("got %q", got)
	}
	if got := c.Completions("pi", ""); len(got) != 1 || !strings.HasPrefix(got[0], "ping\tstandard: ") {
		t.Errorf("completions %q", got)
	}
	if n := len(c.CompleteTypes("", "mono")); n != 6 {
		t.Errorf("mono completions: %d", n)
	}
}

func TestCustomFixtures(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "order.yaml", `type: order.shipped
provider: saas
description: An order was shipped
body:
  id: "{{id evt_ @event}}"
  type: order.shipped
  created: "{{now_unix}}"
  data:
    object:
      id: "{{id ord_ @order}}"
      amount: "{{random_int 100 200}}"
      total: "{{random_amount 1 2}}"
      shipped: true
      note: null
      weight: 1.5
      tracking: "https://track.example/{{id ord_ @order}}"
`)
	writeFile(t, dir, "sub/list.json", `[
  {"type": "user.created", "description": "A user signed up", "body": {"type": "user.created", "timestamp": "{{now}}", "data": {"id": "{{uuid}}", "z": 1, "a": 2}}},
  {"type": "kyc.verification.success", "provider": "bond", "description": "Overridden", "body": {"event": "kyc.verification.success", "customer_id": "fixed", "occurred_at": "{{now_micro}}"}}
]`)
	writeFile(t, dir, "note.yml", `type: sms.sent
content_type: text/plain
method: put
template: "SMS to {PHONE} at {EVENT_TIMESTAMP}"
placeholders:
  PHONE: "+49{{digits 10}}"
`)
	writeFile(t, dir, "README.md", "ignored")
	writeFile(t, dir, "xml/loan.yaml", "type: loan.closed\nprovider: mambu\nscheme: GitHub\ntemplate_file: loan.xml\n")
	writeFile(t, dir, "xml/loan.xml", "<loan><id>{LOAN_ACCOUNT_ID}</id><at>{{now_unix}}</at></loan>\n")
	c, err := Load(Options{FixturesDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

	et, err := c.Lookup("order.shipped", "")
	if err != nil {
		t.Fatal(err)
	}
	if et.Scheme != "stripe" || et.Origin != filepath.Join(dir, "order.yaml") && !strings.HasSuffix(et.Origin, "order.yaml") {
		t.Errorf("order.shipped: scheme %s origin %s", et.Scheme, et.Origin)
	}
	ev, err := c.Build(et, BuildOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	body := string(ev.Body)
	for _, want := range []string{`"created":1767323045,`, `"shipped":true,"note":null,"weight":1.5,`, `{"id":"` + ev.ID} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %s:\n%s", want, body)
		}
	}
	if !strings.HasPrefix(body, `{"id":"evt_`) || !regexp.MustCompile(`"amount":(1\d\d|200),`).MatchString(body) || !regexp.MustCompile(`"total":"(1\.\d\d|2\.00)"`).MatchString(body) {
		t.Errorf("body %s", body)
	}

	et, _ = c.Lookup("user.created", "")
	ev, _ = c.Build(et, BuildOptions{Now: now})
	if et.Provider != "standard" || !strings.Contains(string(ev.Body), `"timestamp":"2026-01-02T03:04:05Z","data":{"id":"`) ||
		!strings.HasSuffix(string(ev.Body), `","z":1,"a":2}}`) {
		t.Errorf("user.created %s: %s", et.Provider, ev.Body)
	}

	et, _ = c.Lookup("kyc.verification.success", "")
	if et.Description != "Overridden" || len(c.List("bond", "")) != 24 {
		t.Errorf("custom fixture should replace the built-in: %q, %d bond events", et.Description, len(c.List("bond", "")))
	}

	et, _ = c.Lookup("loan.closed", "")
	ev, _ = c.Build(et, BuildOptions{Now: now})
	if et.Scheme != "github" || ev.ContentType != ContentXML || !regexp.MustCompile(`^<loan><id>[0-9A-Z]{7}</id><at>1767323045</at></loan>\n$`).Match(ev.Body) {
		t.Errorf("loan.closed: %s %s %q", et.Scheme, ev.ContentType, ev.Body)
	}

	et, _ = c.Lookup("sms.sent", "")
	ev, _ = c.Build(et, BuildOptions{Now: now})
	if ev.Method != "PUT" || ev.ContentType != ContentText || !strings.HasPrefix(string(ev.Body), "SMS to +49") ||
		!strings.HasSuffix(string(ev.Body), " at 2026-01-02T03:04:05+00:00") {
		t.Errorf("sms.sent: %s %s %q", ev.Method, ev.ContentType, ev.Body)
	}
}

func TestCustomFixtureErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file, content string
		want, hint          string
	}{
		{"bad json", "a.json", "{\n  \"type\": \"x\",\n  \"body\": {\"a\": }\n}\n", "a.json:3: invalid JSON (column 17): invalid character '}' looking for beginning of value", ""},
		{"bad yaml", "a.yaml", "type: x\nbody:\n  a: [1\n", "a.yaml:3: invalid YAML: did not find expected ',' or ']'", ""},
		{"unknown function", "a.yaml", "type: x\nbody:\n  a: \"{{uuidd}}\"\n", `a.yaml:3: unknown template function "uuidd" in "{{uuidd}}"`, "did you mean {{uuid}}?"},
		{"bad args", "a.json", `{"type": "x", "body": {"a": "{{hex x}}"}}`, `a.json:1: want a length between 1 and 256, got "x" in "{{hex x}}"`, "usage: {{hex N [@name]}}"},
		{"unclosed", "a.yaml", "type: x\nbody:\n  a: \"{{uuid\"\n", `a.yaml:3: unclosed {{ in "{{uuid\"}"`, ""},
		{"missing type", "a.yaml", "provider: bond\nbody: {a: 1}\n", "a.yaml:1: missing type", "add type: my.event"},
		{"unknown provider", "a.yaml", "type: x\nprovider: bnd\nbody: {a: 1}\n", `a.yaml:2: unknown provider "bnd"`, `did you mean "bond"?`},
		{"unknown field", "a.yaml", "type: x\nbdy: {a: 1}\n", `a.yaml:2: unknown field "bdy"`, `did you mean "body"?`},
		{"no body", "a.json", `{"type": "x"}`, "a.json:1: event x needs one body", "give exactly one of body:, template: or template_file:"},
		{"bad method", "a.yaml", "type: x\nmethod: GET\nbody: {a: 1}\n", `a.yaml:2: invalid method "GET"`, "use POST, PUT or PATCH"},
		{"unknown placeholder", "a.yaml", "type: x\ntemplate: \"<a>{NOPE}</a>\"\n", `a.yaml:2: unknown placeholder in "{NOPE}"`, "define it under placeholders: in the fixture"},
		{"template renders invalid json", "a.yaml", "type: x\ncontent_type: application/json\ntemplate: '{\"a\": {CURRENCY}}'\n", "a.yaml:3: the template does not render valid application/json: invalid character 'E' looking for beginning of value", ""},
		{"duplicate", "a.json", `[{"type": "x", "body": {}}, {"type": "x", "body": {}}]`, "a.json:1: event standard:x is already defined in ", ""},
		{"unknown scheme", "a.yaml", "type: x\nscheme: stripee\nbody: {a: 1}\n", `a.yaml:2: unknown scheme "stripee"`, `did you mean "stripe"?`},
		{"missing template_file", "a.yaml", "type: x\ntemplate_file: nope.xml\n", `a.yaml:2: cannot read template_file "nope.xml": no such file or directory`, "template_file is relative to the fixture file"},
		{"body scalar", "a.json", `{"type": "x", "body": "text"}`, "a.json:1: body must be a JSON object or array", "for XML or text bodies use template: with content_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, tc.file, tc.content)
			_, err := Load(Options{FixturesDir: dir})
			if err == nil {
				t.Fatal("loaded a bad fixture")
			}
			got := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			fe, ok := err.(*FixtureError)
			if !ok || fe.ExitCode() != 2 {
				t.Fatalf("want a *FixtureError with exit code 2, got %T", err)
			}
			if tc.hint != "" && (len(fe.Hints()) == 0 || fe.Hints()[0] != tc.hint) {
				t.Errorf("hints %q, want %q", fe.Hints(), tc.hint)
			}
		})
	}
	if _, err := Load(Options{FixturesDir: "/nonexistent/fixtures"}); err == nil || !strings.Contains(err.Error(), "fixtures directory /nonexistent/fixtures not found") {
		t.Errorf("missing dir: %v", err)
	}
}

func TestTemplateRules(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 678901234, time.UTC)
	for _, tc := range []struct{ src, want string }{
		{`{"a":"{{now_unix}}"}`, `{"a":1767323045}`},
		{`{"a":"t={{now_unix}}"}`, `{"a":"t=1767323045"}`},
		{`{"a":"{{now_unix_ms}}","b":"{{now_micro}}","c":"{{now_ms}}","d":"{{now_tz}}","e":"{{now_date}}","f":"{{now}}"}`,
			`{"a":1767323045678,"b":"2026-01-02T03:04:05.678901+00:00","c":"2026-01-02T03:04:05.678Z","d":"2026-01-02T03:04:05+00:00","e":"2026-01-02","f":"2026-01-02T03:04:05Z"}`},
		{`{"a":"{{now_date 30d}}","b":"{{now_unix -1h}}"}`, `{"a":"2026-02-01","b":1767319445}`},
		{`{"a":"{{choice only}}","b":"{{choice two words|}}"}`, `{"a":"only","b":"`},
		{`{"a":"{{random_int 7 7}}","b":"{{random_amount 2.5 2.5}}"}`, `{"a":7,"b":"2.50"}`},
		{`{"a":"{{random_amount 10 10 @a}}","b":"{{random_amount 2.5 2.5 @b}}","c":"{{minus @a @b}}","d":"{{plus @a @b}}","e":"{{minus @b @a}}"}`,
			`{"a":"10.00","b":"2.50","c":"7.50","d":"12.50","e":"-7.50"}`},
		{`{"a":"{{random_int 9 9 @a}}","b":"{{random_int 4 4 @b}}","c":"{{minus @a @b}}"}`, `{"a":9,"b":4,"c":"5"}`},
	} {
		tm, err := compileTemplate([]byte(tc.src), true, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		got := string(tm.render(&renderer{now: now}, nil))
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s\ngot  %s\nwant %s", tc.src, got, tc.want)
		}
	}
	tm, _ := compileTemplate([]byte(`{{uuid @a}} {{uuid @a}} {{uuid}} {{hex 24 @b}} {{hex 24 @b}}`), false, nil)
	f := strings.Fields(string(tm.render(&renderer{now: now}, nil)))
	if f[0] != f[1] || f[0] == f[2] || f[3] != f[4] || !uuidRe.MatchString(f[2]) || !hex24Re.MatchString(f[3]) {
		t.Errorf("@name memo: %q", f)
	}
}
