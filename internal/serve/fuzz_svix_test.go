package serve_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// FuzzSvix: Svix's applications, event types, endpoints (headers, secret,
// recover, stats) and messages (attempts, resend); see fuzz_test.go for
// what is checked.
func FuzzSvix(f *testing.F) {
	addSeeds(f, []fuzzSeed{
		{"POST", "/api/v1/app/", "", `{"name":"A","uid":"a"}`, false},
		{"POST", "/api/v1/app?get_if_exists=true", "Idempotency-Key: auto_k1", `{"name":"Fuzz","uid":"fuzzapp"}`, false},
		{"GET", "/api/v1/app?limit=1&order=ascending", "", "", false},
		{"PUT", "/api/v1/app/$APP", "", `{"name":"B","uid":"b","metadata":{"k":"v"}}`, false},
		{"PATCH", "/api/v1/app/$APP", "", `{"metadata":{"k":"w"}}`, false},
		{"DELETE", "/api/v1/app/$APP", "", "", false},
		{"POST", "/api/v1/app/$APP/endpoint/", "", `{"url":"http://127.0.0.1:9/svix","filterTypes":["a.b"],"metadata":{"k":"v"},"uid":"e2","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}`, false},
		{"GET", "/api/v1/app/$APP/endpoint?limit=10&iterator=ep_x", "", "", false},
		{"PUT", "/api/v1/app/$APP/endpoint/$EP", "", `{"url":"http://127.0.0.1:9/new","filterTypes":["user.created"],"disabled":true}`, false},
		{"PATCH", "/api/v1/app/$APP/endpoint/$EP", "", `{"filterTypes":null,"channels":["c"]}`, false},
		{"GET", "/api/v1/app/$APP/endpoint/$EP/secret/", "", "", false},
		{"POST", "/api/v1/app/$APP/endpoint/$EP/secret/rotate", "", `{"key":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}`, false},
		{"PUT", "/api/v1/app/$APP/endpoint/$EP/headers", "", `{"headers":{"X-A":"1"}}`, false},
		{"PATCH", "/api/v1/app/$APP/endpoint/$EP/headers", "", `{"headers":{"X-B":"2"},"deleteHeaders":["X-A"]}`, false},
		{"GET", "/api/v1/app/$APP/endpoint/$EP/stats?since=2020-01-01T00:00:00Z", "", "", false},
		{"POST", "/api/v1/app/$APP/endpoint/$EP/recover", "", `{"since":"2020-01-01T00:00:00Z"}`, false},
		{"DELETE", "/api/v1/app/$APP/endpoint/$EP", "", "", false},
		{"POST", "/api/v1/app/$APP/msg?with_content=false", "", `{"eventType":"user.created","payload":{"x":1},"eventId":"evt-1","channels":["c"]}`, false},
		{"POST", "/api/v1/app/$APP/msg", "", `{"eventType":"user.created","payload":{"x":1},"eventId":"evt-fuzz"}`, false},
		{"GET", "/api/v1/app/$APP/msg?event_types=user.created&limit=2&before=2100-01-01T00:00:00Z", "", "", false},
		{"GET", "/api/v1/app/$APP/msg/$MSG/", "", "", false},
		{"GET", "/api/v1/app/$APP/attempt/msg/$MSG?status=2&status_code_class=500", "", "", false},
		{"GET", "/api/v1/app/$APP/attempt/endpoint/$EP?limit=1", "", "", false},
		{"GET", "/api/v1/app/$APP/msg/$MSG/endpoint", "", "", false},
		{"GET", "/api/v1/app/$APP/endpoint/$EP/msg", "", "", false},
		{"POST", "/api/v1/app/$APP/msg/$MSG/endpoint/$EP/resend", "", "", false},
		{"POST", "/api/v1/event-type", "", `{"name":"order.created","description":"d","schemas":{"1":{"type":"object"}}}`, false},
		{"PUT", "/api/v1/event-type/user.created", "", `{"description":"e","archived":true}`, false},
		{"DELETE", "/api/v1/event-type/user.created?expunge=true", "", "", false},
		{"GET", "/api/v1/event-type?include_archived=true&with_content=true", "", "", false},
		{"POST", "/api/v1/auth/app-portal-access/$APP", "", `{"application":{"name":"P","uid":"p"}}`, false},
		{"GET", "/api/v1/health", "", "", true},
		{"GET", "/api/v1/app/%FF", "", "", false},
	})
	e := newFuzzEnv(f, fuzzList{"GET", "/api/v1/event-type?include_archived=true", "", svixAuth})
	// Every application's endpoints, messages and their attempts list.
	e.more = func(t *testing.T) string {
		code, out := e.do("GET", "/api/v1/app?limit=250", svixAuth, "")
		var apps struct{ Data []struct{ ID string } }
		if code != 200 || json.Unmarshal(out, &apps) != nil {
			return fmt.Sprintf("GET /api/v1/app answers %d %s", code, out)
		}
		for _, a := range apps.Data {
			for _, p := range []string{"/endpoint?limit=250", "/msg?limit=250"} {
				p = "/api/v1/app/" + url.PathEscape(a.ID) + p
				code, out := e.do("GET", p, svixAuth, "")
				var page struct{ Data []struct{ ID string } }
				if code != 200 || json.Unmarshal(out, &page) != nil {
					return fmt.Sprintf("GET %s answers %d %s", p, code, out)
				}
				for _, x := range page.Data {
					q := "/api/v1/app/" + url.PathEscape(a.ID) + "/attempt/endpoint/" + url.PathEscape(x.ID)
					if strings.Contains(p, "/msg?") {
						q = "/api/v1/app/" + url.PathEscape(a.ID) + "/attempt/msg/" + url.PathEscape(x.ID)
					}
					one := strings.Replace(p, "?limit=250", "/", 1) + url.PathEscape(x.ID)
					for _, q := range []string{q, one} {
						if code, out := e.do("GET", q, svixAuth, ""); code != 200 || !json.Valid(out) {
							return fmt.Sprintf("GET %s answers %d %s", q, code, out)
						}
					}
				}
			}
		}
		return ""
	}
	f.Fuzz(func(t *testing.T, method, target, headers string, body []byte, auth bool) {
		e.fuzzOne(t, method, target, headers, body, svixAuth, auth)
	})
}
