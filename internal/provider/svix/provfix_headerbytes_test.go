package svix_test

import (
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/svix/svix-webhooks/go/models"

	"github.com/hookctl/hookctl/internal/provider/svix"
	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
)

// An endpoint header whose value is not UTF-8 (caf\xe9, set with
// `hookctl subscriptions update --header` on the endpoint's subscription)
// is kept: GET …/headers/ writes it as the rest of hookctl's JSON does,
// "\u0001base64:" and its bytes (it wrote U+FFFD, and a client that PUT
// the headers it read back replaced the byte for good), and a PUT of that
// form sets the bytes, which the next delivery carries. Bytes a JSON
// string cannot carry (raw non-UTF-8 in the body, a lone surrogate
// escape) are refused with Svix's 422 instead of being stored as U+FFFD.
func TestProvfixEndpointHeaderBytes(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	uid := "a"
	if _, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "A", Uid: &uid}, nil); err != nil {
		t.Fatal(err)
	}
	ep, err := sv.Endpoint.Create(ctx, uid, models.EndpointIn{Url: e.Recv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	subs, err := e.Store.ListSubscriptions(ctx, store.SubscriptionFilter{})
	if err != nil || len(subs) != 1 || subs[0].Metadata[svix.MetaID] != ep.Id {
		t.Fatalf("subscriptions: %v %v", subs, err)
	}
	subID := subs[0].ID
	if _, err := store.UpdateSubscriptionFunc(ctx, e.Store, subID, func(s *store.Subscription) error {
		s.Headers = map[string]string{"X-Caf": "caf\xe9", "X-Plain": "ok"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/app/a/endpoint/" + ep.Id + "/headers"
	code, body := e.Do("GET", path, bearer, nil)
	var got struct {
		Headers map[string]string `json:"headers"`
	}
	if err := json.Unmarshal(body, &got); code != 200 || err != nil {
		t.Fatalf("get: %d %s %v", code, body, err)
	}
	want := store.HeaderBytesPrefix + base64.StdEncoding.EncodeToString([]byte("caf\xe9"))
	if got.Headers["X-Caf"] != want || got.Headers["X-Plain"] != "ok" {
		t.Fatalf("GET headers: %q, want X-Caf %q (the bytes), X-Plain ok", got.Headers, want)
	}
	headers := func() map[string]string {
		t.Helper()
		s, err := e.Store.GetSubscription(ctx, subID)
		if err != nil {
			t.Fatal(err)
		}
		return s.Headers
	}

	// What GET gave, PUT back: the same bytes.
	b, _ := json.Marshal(map[string]any{"headers": got.Headers})
	if code, body := e.Do("PUT", path, bearer, b); code != 204 {
		t.Fatalf("put back: %d %s", code, body)
	}
	if h := headers(); h["X-Caf"] != "caf\xe9" || h["X-Plain"] != "ok" {
		t.Fatalf("after the PUT of what GET gave: %q", h)
	}
	if _, err := sv.Message.Create(ctx, uid, models.MessageIn{EventType: "a.b", Payload: map[string]any{}}, nil); err != nil {
		t.Fatal(err)
	}
	if rec := e.Recv.Next(t, 10*time.Second); rec.Header.Get("X-Caf") != "caf\xe9" {
		t.Fatalf("the delivery's X-Caf: %q, want the bytes caf\\xe9", rec.Header.Get("X-Caf"))
	}

	// Refused, nothing changed: U+FFFD would be stored.
	for name, raw := range map[string]string{
		"raw byte":       "{\"headers\":{\"X-Caf\":\"caf\xe9!\"}}",
		"lone surrogate": `{"headers":{"X-Caf":"caf\udce9!"}}`,
	} {
		if code, body := e.Do("PUT", path, bearer, raw); code != 422 {
			t.Errorf("PUT with a %s: %d %s, want 422", name, code, body)
		}
		if code, body := e.Do("PATCH", path, bearer, raw); code != 422 {
			t.Errorf("PATCH with a %s: %d %s, want 422", name, code, body)
		}
	}
	if h := headers(); h["X-Caf"] != "caf\xe9" {
		t.Fatalf("after the refused requests: %q", h)
	}
	// Text, escaped or not, is text: a surrogate pair, an escaped quote.
	if code, body := e.Do("PATCH", path, bearer, `{"headers":{"X-Smile":"\ud83d\ude00 \" caf\u00e9 é"}}`); code != 204 {
		t.Fatalf("PATCH with escaped text: %d %s", code, body)
	}
	if h := headers(); h["X-Smile"] != "\U0001F600 \" café é" || h["X-Caf"] != "caf\xe9" {
		t.Fatalf("after the PATCH of text: %q", h)
	}
	if code, body := e.Do("POST", "/api/v1/app/a/endpoint", bearer, "{\"url\":\""+e.Recv.URL+"\",\"headers\":{\"X-Caf\":\"caf\xe9\"}}"); code != 422 {
		t.Errorf("create with a raw byte in a header: %d %s, want 422", code, body)
	}
	// A create may give the bytes as GET writes them.
	b, _ = json.Marshal(map[string]any{"url": e.Recv.URL, "headers": map[string]string{"X-Caf": want}})
	code, body = e.Do("POST", "/api/v1/app/a/endpoint", bearer, b)
	var out struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(body, &out); code != 201 {
		t.Fatalf("create with the base64 form: %d %s", code, body)
	}
	if code, body := e.Do("GET", "/api/v1/app/a/endpoint/"+out.ID+"/headers", bearer, nil); code != 200 || json.Unmarshal(body, &got) != nil || got.Headers["X-Caf"] != want {
		t.Fatalf("the created endpoint's headers: %d %s", code, body)
	}
}
