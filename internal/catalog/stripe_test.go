package catalog

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85"
	"github.com/tidwall/gjson"
)

// stripeObjects maps a Stripe object name to its stripe-go type.
var stripeObjects = map[string]any{
	"payment_intent":   stripe.PaymentIntent{},
	"charge":           stripe.Charge{},
	"dispute":          stripe.Dispute{},
	"checkout.session": stripe.CheckoutSession{},
	"customer":         stripe.Customer{},
	"subscription":     stripe.Subscription{},
	"invoice":          stripe.Invoice{},
	"invoiceitem":      stripe.InvoiceItem{},
	"payment_method":   stripe.PaymentMethod{},
	"setup_intent":     stripe.SetupIntent{},
	"product":          stripe.Product{},
	"price":            stripe.Price{},
	"refund":           stripe.Refund{},
	"payout":           stripe.Payout{},
	"account":          stripe.Account{},
	"balance":          stripe.Balance{},
}

// stripeEventObject is the object type each event prefix carries.
func stripeEventObject(typ string) string {
	for prefix, obj := range map[string]string{"charge.dispute.": "dispute", "checkout.session.": "checkout.session",
		"customer.subscription.": "subscription", "payment_intent.": "payment_intent", "payment_method.": "payment_method",
		"setup_intent.": "setup_intent"} {
		if strings.HasPrefix(typ, prefix) {
			return obj
		}
	}
	obj, _, _ := strings.Cut(typ, ".")
	return obj
}

// stripeAutomatic are the Stripe events no API request causes: Stripe
// sends them with "request": {"id": null, "idempotency_key": null}.
var stripeAutomatic = map[string]bool{
	"invoice.upcoming": true, "customer.subscription.trial_will_end": true, "balance.available": true,
	"payout.paid": true, "payout.failed": true, "charge.dispute.created": true,
	"checkout.session.expired": true, "checkout.session.async_payment_succeeded": true, "checkout.session.async_payment_failed": true,
}

// TestStripeEventsDecode: every Stripe event decodes as a stripe.Event,
// its data.object decodes into the stripe-go type named by its "object"
// (the one the event type implies), and every key of the fixture is a
// field of that type, recursively (strict: no field stripe-go does not
// know, so no invented or misspelt fields). Amounts decode into int64.
func TestStripeEventsDecode(t *testing.T) {
	c := mustLoad(t)
	types := c.List("stripe", "")
	if len(types) < 40 {
		t.Fatalf("%d stripe events, want at least 40", len(types))
	}
	for _, et := range types {
		t.Run(et.Type, func(t *testing.T) {
			ev, err := c.Build(et, BuildOptions{Now: time.Unix(1767225600, 0)})
			if err != nil {
				t.Fatal(err)
			}
			var se stripe.Event
			if err := json.Unmarshal(ev.Body, &se); err != nil {
				t.Fatalf("stripe.Event: %v", err)
			}
			// request.id is null for events Stripe makes on its own
			// (renewals, payouts, disputes, expiries): handlers tell
			// them from API-caused ones by it.
			wantReq := !stripeAutomatic[et.Type]
			if req := gjson.GetBytes(ev.Body, "request"); !wantReq && (!req.Get("id").Exists() || req.Get("id").Type != gjson.Null || !req.Get("idempotency_key").Exists() || req.Get("idempotency_key").Type != gjson.Null) {
				t.Errorf("automatic event: request %s", gjson.GetBytes(ev.Body, "request").Raw)
			}
			if string(se.Type) != et.Type || se.ID != ev.ID || !strings.HasPrefix(se.ID, "evt_") || se.Object != "event" ||
				se.APIVersion != stripe.APIVersion || se.Livemode || se.Request == nil || (se.Request.ID != "") != wantReq || se.Created != 1767225600 {
				t.Errorf("envelope: type %q id %q object %q api_version %q livemode %v request %+v created %d",
					se.Type, se.ID, se.Object, se.APIVersion, se.Livemode, se.Request, se.Created)
			}
			var env map[string]any
			if err := json.Unmarshal(ev.Body, &env); err != nil {
				t.Fatal(err)
			}
			checkKeys(t, "event", env, reflect.TypeOf(stripe.Event{}))
			obj := se.Data.Object
			want := stripeEventObject(et.Type)
			if obj["object"] != want {
				t.Fatalf("data.object.object = %v, want %s", obj["object"], want)
			}
			proto, ok := stripeObjects[want]
			if !ok {
				t.Fatalf("no stripe-go type for %s", want)
			}
			typ := reflect.TypeOf(proto)
			v := reflect.New(typ)
			if err := json.Unmarshal(se.Data.Raw, v.Interface()); err != nil {
				t.Fatalf("data.object into stripe.%s: %v", typ.Name(), err)
			}
			checkKeys(t, "data.object", obj, typ)
			if strings.HasSuffix(et.Type, ".updated") && len(se.Data.PreviousAttributes) == 0 {
				t.Errorf("%s has no data.previous_attributes", et.Type)
			}
			if id, ok := obj["id"].(string); ok {
				prefix := map[string]string{"payment_intent": "pi_", "charge": "ch_", "dispute": "du_", "checkout.session": "cs_test_",
					"customer": "cus_", "subscription": "sub_", "invoice": "in_", "invoiceitem": "ii_", "payment_method": "pm_",
					"setup_intent": "seti_", "product": "prod_", "price": "price_", "refund": "re_", "payout": "po_", "account": "acct_"}[want]
				if !strings.HasPrefix(id, prefix) {
					t.Errorf("data.object.id %q, want prefix %s", id, prefix)
				}
			}
		})
	}
}

// checkKeys fails for every key of v that is not a JSON field of t.
func checkKeys(t *testing.T, path string, v any, typ reflect.Type) {
	t.Helper()
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if typ == reflect.TypeOf(json.RawMessage{}) || (typ.Kind() == reflect.Struct && typ.NumField() == 0) {
		return // opaque in stripe-go (use_stripe_sdk) or decoded later (data.object)
	}
	switch val := v.(type) {
	case map[string]any:
		switch typ.Kind() {
		case reflect.Struct:
			fields := jsonFields(typ)
			if _, isList := fields["has_more"]; isList {
				fields["object"] = reflect.TypeOf("") // "list": stripe-go's ListMeta does not keep it
			}
			keys := make([]string, 0, len(val))
			for k := range val {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				ft, ok := fields[k]
				if !ok {
					t.Errorf("%s.%s: not a field of stripe.%s", path, k, typ.Name())
					continue
				}
				checkKeys(t, path+"."+k, val[k], ft)
			}
		case reflect.Map:
			for k, x := range val {
				checkKeys(t, path+"."+k, x, typ.Elem())
			}
		case reflect.Interface:
		default:
			t.Errorf("%s: an object where stripe-go has %s", path, typ)
		}
	case []any:
		if typ.Kind() != reflect.Slice {
			t.Errorf("%s: an array where stripe-go has %s", path, typ)
			return
		}
		for i, x := range val {
			checkKeys(t, path+"["+string(rune('0'+i%10))+"]", x, typ.Elem())
		}
	}
}

// jsonFields maps JSON names to field types, flattening embedded structs.
func jsonFields(typ reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					out[k] = v
				}
			}
			continue
		}
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// Stripe events are laid out as Stripe sends them, pretty-printed with
// a two-space indent (also after --set edits; --data is sent byte for
// byte); every other provider's JSON goes out compact. A receiver that
// verifies a re-serialised body (JSON.stringify(JSON.parse(body))) gets
// different bytes from a Stripe event, as it would from Stripe.
func TestWireLayout(t *testing.T) {
	c := mustLoad(t)
	build := func(name, provider string, o BuildOptions) []byte {
		t.Helper()
		et, err := c.Lookup(name, provider)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := c.Build(et, o)
		if err != nil {
			t.Fatal(err)
		}
		return ev.Body
	}
	compact := func(b []byte) string {
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		out, _ := json.Marshal(v)
		return string(out)
	}
	body := build("payment_intent.succeeded", "stripe", BuildOptions{})
	if !strings.HasPrefix(string(body), "{\n  \"id\": \"evt_") || !strings.Contains(string(body), "\n    \"object\": {\n      \"id\": \"pi_") {
		t.Fatalf("a Stripe event is not pretty-printed as Stripe sends it:\n%.200s", body)
	}
	if compact(body) == string(body) {
		t.Fatal("re-serialising the Stripe event gives its bytes back")
	}
	edited := build("payment_intent.succeeded", "stripe", BuildOptions{Overrides: []Override{{Op: "set-string", Path: "data.object.metadata.order", Value: "42"}}})
	if !strings.Contains(string(edited), "\n        \"order\": \"42\"\n") {
		t.Fatalf("an edited Stripe event is not laid out like the rest:\n%s", edited)
	}
	data := []byte(`{"id":"evt_x","object":"event","type":"payment_intent.succeeded","data":{"object":{"object":"payment_intent"}}}`)
	if got := build("payment_intent.succeeded", "stripe", BuildOptions{Data: data}); string(got) != string(data) {
		t.Fatalf("--data was not sent byte for byte: %s", got)
	}
	for _, tc := range []struct{ name, provider string }{{"card.created", "bond"}, {"payment.succeeded", "saas"}, {"push", "github"}} {
		if b := build(tc.name, tc.provider, BuildOptions{}); compact(b) != string(b) && strings.Contains(string(b), "\n") {
			t.Errorf("%s:%s is not compact: %.120s", tc.provider, tc.name, b)
		}
	}
}

// The Stripe-like saas events go to Stripe webhook endpoints under serve
// too (and /v1/events lists them): they carry the Stripe events' API
// version and are shaped as of it (every key a field of the stripe-go
// type their "object" names), so stripe-go's webhook.ConstructEvent takes
// them. They said 2024-06-20 (subscription.current_period_end,
// payment_intent.invoice): ConstructEvent refused them for the version.
func TestSaaSEventsAreStripeVersion(t *testing.T) {
	c := mustLoad(t)
	for _, et := range c.List("saas", "") {
		t.Run(et.Type, func(t *testing.T) {
			ev, err := c.Build(et, BuildOptions{Now: time.Unix(1767225600, 0)})
			if err != nil {
				t.Fatal(err)
			}
			var se stripe.Event
			if err := json.Unmarshal(ev.Body, &se); err != nil {
				t.Fatalf("stripe.Event: %v", err)
			}
			if se.APIVersion != stripe.APIVersion || se.Type != stripe.EventType(et.Type) || se.ID != ev.ID {
				t.Errorf("envelope: api_version %q type %q id %q, want api_version %s", se.APIVersion, se.Type, se.ID, stripe.APIVersion)
			}
			var env map[string]any
			if err := json.Unmarshal(ev.Body, &env); err != nil {
				t.Fatal(err)
			}
			checkKeys(t, "event", env, reflect.TypeOf(stripe.Event{}))
			obj, _ := se.Data.Object["object"].(string)
			proto, ok := stripeObjects[obj]
			if !ok {
				t.Fatalf("data.object.object %q: no stripe-go type", obj)
			}
			typ := reflect.TypeOf(proto)
			if err := json.Unmarshal(se.Data.Raw, reflect.New(typ).Interface()); err != nil {
				t.Fatalf("data.object into stripe.%s: %v", typ.Name(), err)
			}
			checkKeys(t, "data.object", se.Data.Object, typ)
		})
	}
}
