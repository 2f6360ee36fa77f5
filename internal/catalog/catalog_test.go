package catalog

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

var (
	uuidRe    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	hex24Re   = regexp.MustCompile(`^[0-9a-f]{24}$`)
	decimalRe = regexp.MustCompile(`^\d+\.\d{2}$`)
	bondTime  = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$`)
)

func mustLoad(t testing.TB) *Catalog {
	t.Helper()
	c, err := Load(Options{FixturesDir: ""})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var t1 = time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)

func build(t *testing.T, c *Catalog, name string, o BuildOptions) (*EventType, *Event) {
	t.Helper()
	et, err := c.Lookup(name, "")
	if err != nil {
		t.Fatal(err)
	}
	if o.Now.IsZero() {
		o.Now = t1
	}
	ev, err := c.Build(et, o)
	if err != nil {
		t.Fatalf("build %s: %v", name, err)
	}
	return et, ev
}

func TestBuiltinCounts(t *testing.T) {
	c := mustLoad(t)
	want := map[string][]string{
		"bond": {"kyc.verification.error", "kyc.verification.failure", "kyc.verification.success", "kyc.verification.timeout",
			"kyc.verification.document_required", "kyc.verification.under_review", "kyc.verification.reenter_information",
			"transactions", "account.history.ready", "card.created", "card.status.active", "card.status.closed", "card.status.fraud",
			"card.status.inactive", "card.status.lost", "card.status.reissue", "card.status.stolen", "card.wallet.add",
			"card.wallet.add_failure", "kyb.verification.error", "kyb.verification.approved", "kyb.verification.rejected",
			"kyb.verification.warning", "kyb.verification.initiated"},
		"mono": {"mono.events.account_connected", "mono.events.account_updated", "direct_debit.payment_successful",
			"direct_debit.payment_failed", "mono.events.account_unlinked", "mono.events.reauthorisation_required"},
		"mambu": {"loan.disbursed", "deposit.created", "client.created"},
		"saas": {"subscription.created", "subscription.updated", "subscription.canceled", "payment.succeeded",
			"payment.failed", "refund.initiated", "customer.updated"},
		"standard": {"ping"},
	}
	for p, types := range want {
		for _, typ := range types {
			et, err := c.Lookup(typ, p)
			if err != nil {
				t.Errorf("%s:%s: %v", p, typ, err)
				continue
			}
			if et.Description == "" || et.Scheme != SchemeFor(p) || et.Origin != "builtin" {
				t.Errorf("%s: description %q scheme %q origin %q", et.QualifiedName(), et.Description, et.Scheme, et.Origin)
			}
		}
	}
	if n := len(c.List("bond", "")); n != 24 {
		t.Errorf("bond has %d events, want the 24 Bond documents", n)
	}
}

func TestSchemeFor(t *testing.T) {
	for p, s := range map[string]string{"bond": "bond", "mono": "mono", "mambu": "mambu", "saas": "stripe", "standard": "standard", "other": "standard"} {
		if got := SchemeFor(p); got != s {
			t.Errorf("SchemeFor(%q) = %q, want %q", p, got, s)
		}
	}
}

// Every built-in renders a valid body of its content type, with no template
// left over, and two renders differ in ids and timestamps.
func TestEveryBuiltinRenders(t *testing.T) {
	c := mustLoad(t)
	leftover := regexp.MustCompile(`\{\{|\{[A-Z_]{3,}\}`)
	for _, et := range c.All() {
		t.Run(et.QualifiedName(), func(t *testing.T) {
			a, err := c.Build(et, BuildOptions{Now: t1})
			if err != nil {
				t.Fatal(err)
			}
			b, err := c.Build(et, BuildOptions{Now: t1.Add(90 * time.Minute)})
			if err != nil {
				t.Fatal(err)
			}
			if err := validBody(et.ContentType, a.Body); err != nil {
				t.Fatalf("invalid %s: %v\n%s", et.ContentType, err, a.Body)
			}
			if strings.Contains(et.ContentType, "xml") {
				if err := xmlWellFormed(a.Body); err != nil {
					t.Fatal(err)
				}
			}
			if leftover.Match(a.Body) {
				t.Fatalf("template text left in body:\n%s", a.Body)
			}
			if a.ID == "" || a.ID == b.ID {
				t.Errorf("ids %q and %q should be fresh", a.ID, b.ID)
			}
			if bytes.Equal(a.Body, b.Body) {
				t.Errorf("two renders are identical")
			}
			// The time moved by 90 minutes: some timestamp must show it
			// (Mono's account_connected carries no time, like the real one).
			if et.QualifiedName() == "mono:mono.events.account_connected" {
				return
			}
			if !bytes.Contains(a.Body, []byte("05:06:07")) && !bytes.Contains(a.Body, []byte("1772600767")) {
				t.Errorf("render at %v does not carry the time:\n%s", t1, a.Body)
			}
			if !bytes.Contains(b.Body, []byte("06:36:07")) && !bytes.Contains(b.Body, []byte("1772606167")) {
				t.Errorf("render at %v does not carry the time:\n%s", t1.Add(90*time.Minute), b.Body)
			}
			if a.Method == "" || a.Scheme != SchemeFor(et.Provider) || a.Type != et.Type || a.Provider != et.Provider {
				t.Errorf("event metadata: %+v", a)
			}
		})
	}
}

func xmlWellFormed(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func TestBondFields(t *testing.T) {
	c := mustLoad(t)
	for _, et := range c.List("bond", "") {
		t.Run(et.Type, func(t *testing.T) {
			ev, err := c.Build(et, BuildOptions{Now: t1})
			if err != nil {
				t.Fatal(err)
			}
			g := gjson.ParseBytes(ev.Body)
			if g.Get("event").String() != et.Type {
				t.Errorf("event = %q", g.Get("event").String())
			}
			oa := g.Get("occurred_at").String()
			if !bondTime.MatchString(oa) || oa != "2026-03-04T05:06:07.123456+00:00" {
				t.Errorf("occurred_at = %q", oa)
			}
			if !uuidRe.MatchString(ev.ID) {
				t.Errorf("id %q is not a UUID", ev.ID)
			}
			keys := g.Get("@keys").Array()
			if keys[0].String() != "event" || keys[len(keys)-1].String() != "occurred_at" {
				t.Errorf("keys %v: want event first, occurred_at last", keys)
			}
			switch {
			case strings.HasPrefix(et.Type, "kyc."):
				if !uuidRe.MatchString(g.Get("customer_id").String()) {
					t.Errorf("customer_id %q", g.Get("customer_id").String())
				}
			case strings.HasPrefix(et.Type, "kyb."):
				if !uuidRe.MatchString(g.Get("business_id").String()) {
					t.Errorf("business_id %q", g.Get("business_id").String())
				}
			case strings.HasPrefix(et.Type, "card."):
				card := g.Get("card")
				for _, f := range []string{"card_id", "card_account_id", "customer_id"} {
					if !uuidRe.MatchString(card.Get(f).String()) {
						t.Errorf("card.%s = %q", f, card.Get(f).String())
					}
				}
				if !regexp.MustCompile(`^\d{4}$`).MatchString(card.Get("last_four").String()) {
					t.Errorf("last_four %q", card.Get("last_four").String())
				}
				want := "Active"
				if s, ok := strings.CutPrefix(et.Type, "card.status."); ok {
					want = strings.ToUpper(s[:1]) + s[1:]
				}
				if got := card.Get("status").String(); got != want {
					t.Errorf("card.status = %q, want %q", got, want)
				}
			case et.Type == "transactions":
				tx := g.Get("transaction")
				for _, f := range []string{"transaction_id", "previous_transaction_id", "customer_id", "account_id"} {
					if !uuidRe.MatchString(tx.Get(f).String()) {
						t.Errorf("transaction.%s = %q", f, tx.Get(f).String())
					}
				}
				for _, f := range []string{"amount", "fee", "balances.prior_balance", "balances.new_balance"} {
					v := tx.Get(f)
					if v.Type != gjson.String || !decimalRe.MatchString(v.Str) {
						t.Errorf("transaction.%s = %s, want a decimal string", f, v.Raw)
					}
				}
				for _, f := range []string{"payment_type", "transaction_type", "state", "currency", "created_time", "updated_time", "details"} {
					if !tx.Get(f).Exists() {
						t.Errorf("transaction.%s missing", f)
					}
				}
				prior, _ := parseCents([]byte(tx.Get("balances.prior_balance").Str))
				amount, _ := parseCents([]byte(tx.Get("amount").Str))
				newBal, _ := parseCents([]byte(tx.Get("balances.new_balance").Str))
				if prior-amount != newBal {
					t.Errorf("balances do not add up: %s - %s != %s", tx.Get("balances.prior_balance").Str, tx.Get("amount").Str, tx.Get("balances.new_balance").Str)
				}
				if !bondTime.MatchString(tx.Get("created_time").String()) {
					t.Errorf("created_time %q", tx.Get("created_time").String())
				}
				// The merchant's category code is the ISO 18245 MCC of
				// that kind of merchant (a grocer under 5812, eating
				// places, was one of the pairs the sample could draw).
				mccOf := map[string]string{"Whole Foods Market": "5411"} // Grocery Stores, Supermarkets
				for range 20 {
					ev, err := c.Build(et, BuildOptions{Now: t1})
					if err != nil {
						t.Fatal(err)
					}
					d := gjson.GetBytes(ev.Body, "transaction.details")
					name, mcc := d.Get("merchant_name").String(), d.Get("merchant_category_code").String()
					if want, ok := mccOf[name]; !ok || mcc != want {
						t.Fatalf("merchant %q with MCC %q: want a merchant whose ISO 18245 MCC the test knows, and that MCC (%q)", name, mcc, want)
					}
				}
			}
			switch et.Type {
			case "kyc.verification.document_required":
				docs := g.Get("documents").Array()
				if len(docs) == 0 {
					t.Fatal("no documents")
				}
				for _, d := range docs {
					if d.Get("document_type").String() == "" || !strings.HasPrefix(d.Get("upload_link").String(), "https://") ||
						!strings.Contains(d.Get("upload_link").String(), g.Get("customer_id").String()) ||
						(d.Get("status").String() != "required" && d.Get("status").String() != "submitted") {
						t.Errorf("document %s", d.Raw)
					}
				}
			case "kyc.verification.reenter_information":
				if len(g.Get("incorrect_information").Array()) == 0 {
					t.Error("no incorrect_information")
				}
			}
		})
	}
}

func TestMonoFields(t *testing.T) {
	c := mustLoad(t)
	for _, et := range c.List("mono", "") {
		t.Run(et.Type, func(t *testing.T) {
			ev, err := c.Build(et, BuildOptions{Now: t1})
			if err != nil {
				t.Fatal(err)
			}
			g := gjson.ParseBytes(ev.Body)
			if g.Get("event").String() != et.Type || !g.Get("data").IsObject() {
				t.Fatalf("want {event, data}: %s", ev.Body)
			}
			if !hex24Re.MatchString(ev.ID) {
				t.Errorf("id %q is not 24-hex", ev.ID)
			}
			if eid := g.Get("event_id"); eid.Exists() {
				if eid.String() != ev.ID {
					t.Errorf("event_id %q != Event.ID %q", eid.String(), ev.ID)
				}
				if g.Get("timestamp").String() != "2026-03-04T05:06:07.123Z" {
					t.Errorf("timestamp %q", g.Get("timestamp").String())
				}
			}
			for _, p := range []string{"data.id", "data.customer", "data.account._id", "data.account.customer", "data.object.id", "data.object.account.id", "data.object.customer"} {
				if v := g.Get(p); v.Exists() && !hex24Re.MatchString(v.String()) {
					t.Errorf("%s = %q, want a 24-hex object id", p, v.String())
				}
			}
			for _, p := range []string{"data.account.balance", "data.object.amount", "data.object.fee"} {
				if v := g.Get(p); v.Exists() && (v.Type != gjson.Number || strings.ContainsAny(v.Raw, ".eE")) {
					t.Errorf("%s = %s, want kobo as an integer", p, v.Raw)
				}
			}
		})
	}
	_, ev := build(t, c, "mono.events.account_updated", BuildOptions{})
	g := gjson.ParseBytes(ev.Body)
	for _, p := range []string{"name", "accountNumber", "currency", "balance", "type", "bvn", "authMethod", "institution.name", "institution.bankCode", "institution.type", "created_at", "updated_at"} {
		if !g.Get("data.account." + p).Exists() {
			t.Errorf("account_updated: data.account.%s missing", p)
		}
	}
	if s := g.Get("data.meta.data_status").String(); s != "AVAILABLE" {
		t.Errorf("data_status %q", s)
	}
	_, ev = build(t, c, "direct_debit.payment_successful", BuildOptions{})
	g = gjson.ParseBytes(ev.Body)
	if g.Get("data.type").String() != "onetime-debit" || g.Get("data.object.status").String() != "successful" {
		t.Errorf("payment_successful: %s", ev.Body)
	}
}

func TestSaaSFields(t *testing.T) {
	c := mustLoad(t)
	prefix := map[string]string{"subscription": "sub_", "payment": "pi_", "refund": "re_", "customer": "cus_"}
	for _, et := range c.List("saas", "") {
		t.Run(et.Type, func(t *testing.T) {
			ev, err := c.Build(et, BuildOptions{Now: t1})
			if err != nil {
				t.Fatal(err)
			}
			g := gjson.ParseBytes(ev.Body)
			if !strings.HasPrefix(ev.ID, "evt_") || g.Get("id").String() != ev.ID {
				t.Errorf("id %q / body id %q", ev.ID, g.Get("id").String())
			}
			if g.Get("object").String() != "event" || g.Get("type").String() != et.Type || g.Get("created").Int() != t1.Unix() ||
				g.Get("livemode").Type != gjson.False || g.Get("api_version").String() == "" {
				t.Errorf("envelope: %s", ev.Body)
			}
			obj := g.Get("data.object")
			p := prefix[strings.SplitN(et.Type, ".", 2)[0]]
			if !strings.HasPrefix(obj.Get("id").String(), p) {
				t.Errorf("data.object.id %q, want prefix %s", obj.Get("id").String(), p)
			}
			if cu := obj.Get("customer"); cu.Exists() && !strings.HasPrefix(cu.String(), "cus_") {
				t.Errorf("customer %q", cu.String())
			}
		})
	}
	// Cross-references inside one event.
	_, ev := build(t, c, "subscription.created", BuildOptions{})
	g := gjson.ParseBytes(ev.Body)
	sub := g.Get("data.object.id").String()
	if g.Get("data.object.items.data.0.subscription").String() != sub || !strings.HasSuffix(g.Get("data.object.items.url").String(), sub) {
		t.Errorf("subscription items do not refer to %s: %s", sub, ev.Body)
	}
	if g.Get("data.object.items.data.0.current_period_end").Int() != t1.Add(30*24*time.Hour).Unix() {
		t.Errorf("current_period_end %d", g.Get("data.object.items.data.0.current_period_end").Int())
	}
	_, ev = build(t, c, "payment.succeeded", BuildOptions{})
	g = gjson.ParseBytes(ev.Body)
	if g.Get("data.object.amount").Int() != g.Get("data.object.amount_received").Int() {
		t.Errorf("amount_received differs from amount: %s", ev.Body)
	}
}

func TestMambuTemplates(t *testing.T) {
	c := mustLoad(t)
	_, ev := build(t, c, "loan.disbursed", BuildOptions{})
	g := gjson.ParseBytes(ev.Body)
	if ev.ContentType != ContentJSON || ev.Method != "POST" || !uuidRe.MatchString(ev.ID) {
		t.Errorf("loan.disbursed: %+v", ev)
	}
	if g.Get("loanAccount.loanAmount").String() != g.Get("transaction.amount").String() || !decimalRe.MatchString(g.Get("transaction.amount").String()) {
		t.Errorf("one placeholder must render one value per event: %s", ev.Body)
	}
	if g.Get("timestamp").String() != "2026-03-04T05:06:07+00:00" {
		t.Errorf("timestamp %q", g.Get("timestamp").String())
	}
	_, ev = build(t, c, "deposit.created", BuildOptions{})
	g = gjson.ParseBytes(ev.Body)
	if g.Get("depositAccount.accountHolderKey").String() != g.Get("client.encodedKey").String() {
		t.Errorf("account holder and client differ: %s", ev.Body)
	}
	et, ev := build(t, c, "loan.repayment", BuildOptions{})
	if ev.ContentType != ContentXML || ev.Method != "PUT" || !bytes.HasPrefix(ev.Body, []byte("<?xml")) {
		t.Errorf("loan.repayment: %s %s %s", ev.ContentType, ev.Method, ev.Body)
	}
	if _, err := c.Build(et, BuildOptions{Overrides: []Override{{Op: OpSet, Path: "a", Value: "1"}}}); err == nil ||
		!strings.Contains(err.Error(), "need a JSON body") {
		t.Errorf("--set on XML: %v", err)
	}
	_, ev = build(t, c, "deposit.withdrawal", BuildOptions{})
	if ev.ContentType != ContentText || ev.Method != "PATCH" || !bytes.HasPrefix(ev.Body, []byte("WITHDRAWAL ")) {
		t.Errorf("deposit.withdrawal: %s %s %s", ev.ContentType, ev.Method, ev.Body)
	}
}

func TestStandardFields(t *testing.T) {
	c := mustLoad(t)
	_, ev := build(t, c, "ping", BuildOptions{})
	g := gjson.ParseBytes(ev.Body)
	if g.Get("type").String() != "ping" || g.Get("timestamp").String() != "2026-03-04T05:06:07.123Z" || !g.Get("data").IsObject() {
		t.Errorf("ping: %s", ev.Body)
	}
	if !strings.HasPrefix(ev.ID, "msg_") {
		t.Errorf("id %q", ev.ID)
	}
}

func TestCrossReferencesBond(t *testing.T) {
	c := mustLoad(t)
	_, ev := build(t, c, "kyc.verification.document_required", BuildOptions{})
	g := gjson.ParseBytes(ev.Body)
	cust := g.Get("customer_id").String()
	for _, d := range g.Get("documents").Array() {
		if !strings.Contains(d.Get("upload_link").String(), "/customers/"+cust+"/") {
			t.Errorf("upload_link %q does not refer to customer %s", d.Get("upload_link").String(), cust)
		}
	}
	docs := g.Get("documents").Array()
	if docs[0].Get("upload_link").String() == docs[1].Get("upload_link").String() {
		t.Error("two documents share an upload link")
	}
}

func TestBuildDataReplacesBody(t *testing.T) {
	c := mustLoad(t)
	et, _ := c.Lookup("payment.succeeded", "")
	ev, err := c.Build(et, BuildOptions{Data: []byte(`{"id":"evt_mine","type":"payment.succeeded"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if string(ev.Body) != `{"id":"evt_mine","type":"payment.succeeded"}` || ev.ID != "evt_mine" {
		t.Errorf("body %s id %s", ev.Body, ev.ID)
	}
	if _, err := c.Build(et, BuildOptions{Data: []byte(`{"id":`)}); err == nil {
		t.Error("invalid --data accepted")
	}
	// Overriding the id changes the event id too.
	ev, err = c.Build(et, BuildOptions{Overrides: []Override{{Op: OpSet, Path: "id", Value: "evt_123"}}})
	if err != nil || ev.ID != "evt_123" {
		t.Errorf("id %q err %v", ev.ID, err)
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		p, t string
		want bool
	}{
		{"*", "card.created", true}, {"card.*", "card.created", true}, {"card.*", "card.status.lost", true},
		{"card.*", "card", false}, {"card.*", "cards.x", false}, {"kyc.verification.*", "kyc.verification.success", true},
		{"card.created", "card.created", true}, {"card.created", "card.created2", false},
	} {
		if got := Match(tc.p, tc.t); got != tc.want {
			t.Errorf("Match(%q, %q) = %v", tc.p, tc.t, got)
		}
	}
}

// Build is used from several goroutines by trigger; run with -race.
func TestBuildConcurrent(t *testing.T) {
	c := mustLoad(t)
	types := c.All()
	done := make(chan error)
	for g := 0; g < 4; g++ {
		go func() {
			var err error
			for i := 0; i < 50 && err == nil; i++ {
				et := types[(g*50+i)%len(types)]
				var ev *Event
				if ev, err = c.Build(et, BuildOptions{Now: t1}); err == nil {
					err = validBody(et.ContentType, ev.Body)
				}
			}
			done <- err
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestBuiltinFilesComplete: the string embeds Load parses are every .json
// file of builtin/, in directory order, with the same bytes.
func TestBuiltinFilesComplete(t *testing.T) {
	entries, err := builtinFS.ReadDir("builtin")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, de := range entries {
		if !de.IsDir() && strings.HasSuffix(de.Name(), ".json") {
			want = append(want, "builtin/"+de.Name())
		}
	}
	files := builtinFiles()
	var got []string
	for _, f := range files {
		got = append(got, f.name)
		data, err := builtinFS.ReadFile(f.name)
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != f.data {
			t.Errorf("%s: the string embed differs from the file", f.name)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("builtinFiles() = %v, builtin/ has %v: add the new file to builtinFiles", got, want)
	}
}

// TestBuildKeepsIdentity: --set and --data may change anything but which
// event the body is. hookctl sends, routes (subscriptions' --events,
// X-GitHub-Event) and records the event as the type named, so a body
// naming another type, or a Stripe event carrying another kind of object,
// was a silent lie to the receiver. A field removed or made a non-string
// (a malformed event, on purpose) is still allowed, and a custom fixture
// whose own body names another type (a variant) is its author's choice.
func TestBuildKeepsIdentity(t *testing.T) {
	dir := t.TempDir()
	fx := `[{"type": "payment_intent.succeeded.3ds", "provider": "stripe", "body": {"id": "{{id evt_ @event}}", "object": "event", "type": "payment_intent.succeeded", "data": {"object": {"object": "payment_intent"}}}},
	        {"type": "order.any", "body": {"type": "{{choice order.a order.b}}"}}]`
	if err := os.WriteFile(filepath.Join(dir, "fx.json"), []byte(fx), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(Options{FixturesDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	set := func(path, v string) Override { return Override{Op: OpSetString, Path: path, Value: v} }
	for _, tc := range []struct {
		name    string
		o       BuildOptions
		wantErr string // "" = accepted
		hint    string
	}{
		{"stripe:payment_intent.succeeded", BuildOptions{Overrides: []Override{set("type", "charge.succeeded")}},
			`the body's type is "charge.succeeded", not "payment_intent.succeeded": hookctl sends, routes and records this event as stripe:payment_intent.succeeded`,
			"name it instead: stripe:charge.succeeded"},
		{"stripe:payment_intent.succeeded", BuildOptions{Overrides: []Override{set("data.object.object", "charge")}},
			`the body's data.object.object is "charge", not "payment_intent"`, "or leave data.object.object as the fixture has it"},
		{"github:pull_request.opened", BuildOptions{Overrides: []Override{set("action", "closed")}},
			`the body's action is "closed", not "opened": hookctl sends, routes and records this event as github:pull_request.opened`,
			"name it instead: github:pull_request.closed"},
		{"github:pull_request.opened", BuildOptions{Overrides: []Override{set("action", "labeled")}},
			`the body's action is "labeled"`, `to send "pull_request.labeled" events, add a custom fixture`},
		{"bond:card.created", BuildOptions{Data: []byte(`{"event":"card.status.lost","card":{}}`)},
			`the body's event is "card.status.lost", not "card.created"`, "name it instead: bond:card.status.lost"},
		{"mono:mono.events.account_connected", BuildOptions{Overrides: []Override{set("event", "mono.events.account_updated")}},
			`the body's event is "mono.events.account_updated"`, ""},
		{"standard:ping", BuildOptions{Data: []byte(`{"type":"other"}`)}, `the body's type is "other", not "ping"`, ""},
		// allowed: the same identity, other fields, a malformed event on purpose
		{"stripe:payment_intent.succeeded", BuildOptions{Overrides: []Override{set("type", "payment_intent.succeeded"), set("data.object.currency", "eur")}}, "", ""},
		{"stripe:payment_intent.succeeded", BuildOptions{Overrides: []Override{{Op: OpUnset, Path: "type"}}}, "", ""},
		{"stripe:payment_intent.succeeded", BuildOptions{Overrides: []Override{{Op: OpSetJSON, Path: "type", Value: "5"}}}, "", ""},
		{"bond:card.created", BuildOptions{Data: []byte(`{"event":"card.created","card":{}}`)}, "", ""},
		{"bond:card.created", BuildOptions{Data: []byte(`{"card":{}}`)}, "", ""},
		{"github:push", BuildOptions{Overrides: []Override{set("ref", "refs/heads/main")}}, "", ""},
		{"stripe:payment_intent.succeeded.3ds", BuildOptions{Overrides: []Override{set("data.object.amount", "5")}}, "", ""},
		{"stripe:payment_intent.succeeded.3ds", BuildOptions{Overrides: []Override{set("type", "charge.succeeded")}}, `the body's type is "charge.succeeded", not "payment_intent.succeeded"`, ""},
		// a fixture that draws its type at random has no one type to keep
		{"order.any", BuildOptions{Data: []byte(`{"type":"order.a"}`)}, "", ""},
		{"order.any", BuildOptions{Data: []byte(`{"type":"order.b"}`)}, "", ""},
		{"order.any", BuildOptions{Data: []byte(`{"type":"order.a"}`)}, "", ""},
		{"order.any", BuildOptions{Data: []byte(`{"type":"order.b"}`)}, "", ""},
	} {
		et, err := c.Lookup(tc.name, "")
		if err != nil {
			t.Fatal(err)
		}
		ev, err := c.Build(et, tc.o)
		if tc.wantErr == "" {
			if err != nil {
				t.Errorf("%s %+v: %v", tc.name, tc.o, err)
			} else if ev.Type != et.Type {
				t.Errorf("%s: type %s", tc.name, ev.Type)
			}
			continue
		}
		var ce *Error
		if !errors.As(err, &ce) || !strings.Contains(ce.Msg, tc.wantErr) {
			t.Errorf("%s %+v: got %v, want %q", tc.name, tc.o, err, tc.wantErr)
			continue
		}
		if h := strings.Join(ce.Hints(), "\n"); !strings.Contains(h, tc.hint) {
			t.Errorf("%s: hints %q, want %q", tc.name, h, tc.hint)
		}
	}
}

// TestMambuNotificationIDIsTheEventID: a Mambu notification's
// notificationId (JSON, XML or text) is the event's id (sent as
// x-notifications-idempotency-key when the event goes ad hoc; to a
// subscription, the key is that subscription's own:
// signature.MambuNotificationKey), and --set notificationId changes it;
// the id was a fresh UUID unrelated to the event.
func TestMambuNotificationIDIsTheEventID(t *testing.T) {
	c := mustLoad(t)
	for _, name := range []string{"loan.disbursed", "client.created", "deposit.created", "loan.repayment", "deposit.withdrawal"} {
		_, ev := build(t, c, name, BuildOptions{})
		if !uuidRe.MatchString(ev.ID) || !bytes.Contains(ev.Body, []byte(ev.ID)) {
			t.Errorf("%s: id %s not in the body %s", name, ev.ID, ev.Body)
		}
		if g := gjson.GetBytes(ev.Body, "notificationId"); ev.ContentType == ContentJSON && g.String() != ev.ID {
			t.Errorf("%s: notificationId %s, id %s", name, g.String(), ev.ID)
		}
	}
	_, ev := build(t, c, "loan.disbursed", BuildOptions{Overrides: []Override{{Op: OpSetString, Path: "notificationId", Value: "n-1"}}})
	if ev.ID != "n-1" {
		t.Errorf("--set notificationId: id %s", ev.ID)
	}
}
