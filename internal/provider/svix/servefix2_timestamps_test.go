package svix_test

import (
	"context"
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/provider/svix"
	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// svixTimeRE is a timestamp as the Svix API writes it (chrono's AutoSi):
// UTC with "Z", a fraction of none, 3 or 6 digits (never 9: Svix keeps
// microseconds).
var svixTimeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?Z$`)

// Every timestamp of every Svix object is in Svix's one format:
// applications, endpoints, event types, messages (with deliverAt),
// attempts (listed both ways and read alone), a message's destinations
// (nextAttempt), an endpoint's attempted messages, the recover task.
// The server's clock has nanoseconds (…456789 past each millisecond).
// Before, applications and event types had 9-digit fractions (the clock's)
// while endpoints and messages had the store's microseconds.
func TestServefix2SvixTimestamps(t *testing.T) {
	servefix2SvixTimestamps(t, servetest.Start(t, servefix2Clock))
}

func TestServefix2SvixTimestampsPostgres(t *testing.T) {
	pgtest.ServerURL(t)
	st, err := postgres.Open(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	servefix2SvixTimestamps(t, servetest.StartWith(t, st, servefix2Clock))
}

// servefix2Clock is the wall clock with 456789 ns past the millisecond.
func servefix2Clock(o *serve.Options) {
	o.Now = func() time.Time { return time.Now().Truncate(time.Millisecond).Add(456789) }
}

func servefix2SvixTimestamps(t *testing.T, e *servetest.Env) {
	e.Recv.SetStatus(500) // the deliveries fail: a pending one has a nextAttempt
	do := func(method, path string, body any, want int) map[string]any {
		t.Helper()
		code, b := e.Do(method, path, bearer, body)
		if code != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, code, b, want)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s %s: %v %s", method, path, err, b)
		}
		return m
	}
	// check finds the timestamps under each key of keys in v (every key
	// must be there at least once) and checks their format.
	check := func(what string, v any, keys ...string) {
		t.Helper()
		seen := map[string]int{}
		var walk func(v any)
		walk = func(v any) {
			switch x := v.(type) {
			case map[string]any:
				for k, c := range x {
					switch k {
					case "createdAt", "updatedAt", "timestamp", "nextAttempt", "deliverAt":
						if s, ok := c.(string); ok {
							seen[k]++
							if !svixTimeRE.MatchString(s) {
								t.Errorf("%s: %s %q is not in Svix's format", what, k, s)
							}
							continue
						}
					}
					walk(c)
				}
			case []any:
				for _, c := range x {
					walk(c)
				}
			}
		}
		walk(v)
		for _, k := range keys {
			if seen[k] == 0 {
				t.Errorf("%s: no %s in %v", what, k, v)
			}
		}
	}

	app := do("POST", "/api/v1/app/", map[string]any{"name": "ts", "uid": "ts-app"}, 201)
	check("app create", app, "createdAt", "updatedAt")
	check("app get", do("GET", "/api/v1/app/ts-app/", nil, 200), "createdAt", "updatedAt")
	check("app update", do("PATCH", "/api/v1/app/ts-app/", map[string]any{"name": "ts2"}, 200), "createdAt", "updatedAt")
	check("app list", do("GET", "/api/v1/app/", nil, 200), "createdAt", "updatedAt")

	check("event type create", do("POST", "/api/v1/event-type/", map[string]any{"name": "order.paid", "description": "paid"}, 201), "createdAt", "updatedAt")
	check("event type get", do("GET", "/api/v1/event-type/order.paid/", nil, 200), "createdAt", "updatedAt")
	check("event type put", do("PUT", "/api/v1/event-type/order.shipped/", map[string]any{"description": "shipped"}, 201), "createdAt", "updatedAt")
	check("event type list", do("GET", "/api/v1/event-type/", nil, 200), "createdAt", "updatedAt")

	ep := do("POST", "/api/v1/app/ts-app/endpoint/", map[string]any{"url": e.Recv.URL + "/hook"}, 201)
	check("endpoint create", ep, "createdAt", "updatedAt")
	epID := ep["id"].(string)
	check("endpoint get", do("GET", "/api/v1/app/ts-app/endpoint/"+epID+"/", nil, 200), "createdAt", "updatedAt")
	check("endpoint list", do("GET", "/api/v1/app/ts-app/endpoint/", nil, 200), "createdAt", "updatedAt")

	deliverAt := time.Now().Add(10 * time.Minute).UTC().Format(time.RFC3339Nano)
	check("message create (deliverAt)", do("POST", "/api/v1/app/ts-app/msg/", map[string]any{"eventType": "order.shipped", "payload": map[string]any{"n": 0}, "deliverAt": deliverAt}, 202), "timestamp", "deliverAt")
	msg := do("POST", "/api/v1/app/ts-app/msg/", map[string]any{"eventType": "order.paid", "payload": map[string]any{"n": 1}}, 202)
	check("message create", msg, "timestamp")
	msgID := msg["id"].(string)
	check("message get", do("GET", "/api/v1/app/ts-app/msg/"+msgID+"/", nil, 200), "timestamp")
	check("message list", do("GET", "/api/v1/app/ts-app/msg/", nil, 200), "timestamp", "deliverAt")

	e.Recv.Next(t, 5*time.Second) // the first attempt, failed
	var atts map[string]any
	for range 250 { // recorded just after the answer
		if atts = do("GET", "/api/v1/app/ts-app/attempt/msg/"+msgID+"/", nil, 200); len(atts["data"].([]any)) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	check("attempts by message", atts, "timestamp")
	attID := atts["data"].([]any)[0].(map[string]any)["id"].(string)
	check("attempt get", do("GET", "/api/v1/app/ts-app/msg/"+msgID+"/attempt/"+attID+"/", nil, 200), "timestamp")
	check("attempts by endpoint (with_msg)", do("GET", "/api/v1/app/ts-app/attempt/endpoint/"+epID+"/?with_msg=true", nil, 200), "timestamp")
	check("message destinations", do("GET", "/api/v1/app/ts-app/msg/"+msgID+"/endpoint/", nil, 200), "nextAttempt")
	check("endpoint's messages", do("GET", "/api/v1/app/ts-app/endpoint/"+epID+"/msg/", nil, 200), "timestamp", "nextAttempt")
	since := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	check("recover", do("POST", "/api/v1/app/ts-app/endpoint/"+epID+"/recover/", map[string]any{"since": since}, 202), "updatedAt")
}

// The fraction as Svix's server (chrono, AutoSi) writes it: none when
// zero, 3 digits when they say it all, else 6; nanoseconds dropped.
func TestServefix2SvixTimeFormat(t *testing.T) {
	base := time.Date(2026, 12, 5, 21, 4, 5, 0, time.FixedZone("CET", 3600))
	for _, c := range []struct {
		ns   int
		want string
	}{
		{0, "2026-12-05T20:04:05Z"},
		{999, "2026-12-05T20:04:05Z"},
		{120_000_000, "2026-12-05T20:04:05.120Z"},
		{123_400_000, "2026-12-05T20:04:05.123400Z"},
		{123_456_789, "2026-12-05T20:04:05.123456Z"},
		{1_000, "2026-12-05T20:04:05.000001Z"},
	} {
		tm := svix.Time{Time: base.Add(time.Duration(c.ns))}
		b, err := json.Marshal(tm)
		if err != nil || string(b) != `"`+c.want+`"` {
			t.Errorf("%d ns: %s %v, want %q", c.ns, b, err, c.want)
		}
		var back svix.Time
		if err := json.Unmarshal(b, &back); err != nil || !back.Equal(base.Add(time.Duration(c.ns)).Truncate(time.Microsecond)) {
			t.Errorf("%d ns: read back %v %v", c.ns, back, err)
		}
	}
}
