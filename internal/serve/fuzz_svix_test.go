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
		{"POST", "/api/v1/app/", "", `{"name":"A","uid":"a"}`, false, ""},
		{"POST", "/api/v1/app?get_if_exists=true", "Idempotency-Key: auto_k1", `{"name":"Fuzz","uid":"fuzzapp"}`, false, ""},
		{"GET", "/api/v1/app?limit=1&order=ascending", "", "", false, ""},
		{"PUT", "/api/v1/app/$APP", "", `{"name":"B","uid":"b","metadata":{"k":"v"}}`, false, ""},
		{"PATCH", "/api/v1/app/$APP", "", `{"metadata":{"k":"w"}}`, false, ""},
		{"DELETE", "/api/v1/app/$APP", "", "", false, ""},
		{"POST", "/api/v1/app/$APP/endpoint/", "", `{"url":"http://127.0.0.1:9/svix","filterTypes":["a.b"],"metadata":{"k":"v"},"uid":"e2","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}`, false, ""},
		{"GET", "/api/v1/app/$APP/endpoint?limit=10&iterator=ep_x", "", "", false, ""},
		{"PUT", "/api/v1/app/$APP/endpoint/$EP", "", `{"url":"http://127.0.0.1:9/new","filterTypes":["user.created"],"disabled":true}`, false, ""},
		{"PATCH", "/api/v1/app/$APP/endpoint/$EP", "", `{"filterTypes":null,"channels":["c"]}`, false, ""},
		{"GET", "/api/v1/app/$APP/endpoint/$EP/secret/", "", "", false, ""},
		{"POST", "/api/v1/app/$APP/endpoint/$EP/secret/rotate", "", `{"key":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}`, false, ""},
		{"PUT", "/api/v1/app/$APP/endpoint/$EP/headers", "", `{"headers":{"X-A":"1"}}`, false, ""},
		{"PATCH", "/api/v1/app/$APP/endpoint/$EP/headers", "", `{"headers":{"X-B":"2"},"deleteHeaders":["X-A"]}`, false, ""},
		{"GET", "/api/v1/app/$APP/endpoint/$EP/stats?since=2020-01-01T00:00:00Z", "", "", false, ""},
		{"POST", "/api/v1/app/$APP/endpoint/$EP/recover", "", `{"since":"2020-01-01T00:00:00Z"}`, false, ""},
		{"DELETE", "/api/v1/app/$APP/endpoint/$EP", "", "", false, ""},
		{"POST", "/api/v1/app/$APP/msg?with_content=false", "", `{"eventType":"user.created","payload":{"x":1},"eventId":"evt-1","channels":["c"]}`, false, ""},
		{"POST", "/api/v1/app/$APP/msg", "", `{"eventType":"user.created","payload":{"x":1},"eventId":"evt-fuzz"}`, false, ""},
		{"GET", "/api/v1/app/$APP/msg?event_types=user.created&limit=2&before=2100-01-01T00:00:00Z", "", "", false, ""},
		{"GET", "/api/v1/app/$APP/msg/$MSG/", "", "", false, ""},
		{"GET", "/api/v1/app/$APP/attempt/msg/$MSG?status=2&status_code_class=500", "", "", false, ""},
		{"GET", "/api/v1/app/$APP/attempt/endpoint/$EP?limit=1", "", "", false, ""},
		{"GET", "/api/v1/app/$APP/msg/$MSG/endpoint", "", "", false, ""},
		{"GET", "/api/v1/app/$APP/endpoint/$EP/msg", "", "", false, ""},
		{"POST", "/api/v1/app/$APP/msg/$MSG/endpoint/$EP/resend", "", "", false, ""},
		{"POST", "/api/v1/event-type", "", `{"name":"order.created","description":"d","schemas":{"1":{"type":"object"}}}`, false, ""},
		{"PUT", "/api/v1/event-type/user.created", "", `{"description":"e","archived":true}`, false, ""},
		{"DELETE", "/api/v1/event-type/user.created?expunge=true", "", "", false, ""},
		{"GET", "/api/v1/event-type?include_archived=true&with_content=true", "", "", false, ""},
		{"POST", "/api/v1/auth/app-portal-access/$APP", "", `{"application":{"name":"P","uid":"p"}}`, false, ""},
		{"GET", "/api/v1/health", "", "", true, ""},
		{"GET", "/api/v1/app/%FF", "", "", false, ""},
		{"POST", "/api/v1/app/newapp3/msg", "", `{"eventType":"","payload":{},"application":{"name":"z","uid":"newapp3"}}`, false, ""},
		{"POST", "/api/v1/app/newapp4/msg", "", `{"eventType":"a","payload":[],"application":{"name":"z","uid":"newapp4"}}`, false, ""},
		{"POST", "/api/v1/app/newapp5/msg", "", `{"eventType":"a b","payload":{},"application":{"name":"z","uid":"newapp5"}}`, false, ""},
		{"POST", "/api/v1/app/newapp6/msg", "", `{"eventType":"a","payload":{},"eventId":"evt-fuzz","application":{"name":"z","uid":"newapp6"}}`, false, ""},
		{"POST", "/api/v1/app/newapp7/msg", "", `{"eventType":"a","payload":{},"channels":["a b c"],"application":{"name":"z","uid":"newapp7"}}`, false, ""},
		{"POST", "/api/v1/app/newapp8/msg", "", `{"eventType":"a","payload":{},"application":{"name":"","uid":"newapp8"}}`, false, ""},
		{"POST", "/api/v1/app/fuzzapp/msg", "", `{"eventType":"a","payload":{},"eventId":"evt-fuzz"}`, false, ""},
		{"POST", "/api/v1/auth/app-portal-access/newapp9", "", `{"application":{"name":"z","uid":"newapp9"},"expiry":"x"}`, false, ""},
		{"POST", "/api/v1/auth/app-portal-access/newapp10", "", `{"application":{"name":"z","uid":"newapp10"},"featureFlags":"x"}`, false, ""},
		{"POST", "/api/v1/auth/app-portal-access/newapp11", "", `{"application":{"name":"z","uid":"other11"}}`, false, ""},
		{"POST", "/api/v1/app?get_if_exists=true", "", `{"name":"Fuzz2","uid":"fuzzapp"}`, false, ""},
		{"PUT", "/api/v1/app/newapp12", "", `{"name":"z","uid":"newapp12","metadata":"x"}`, false, ""},
		{"PUT", "/api/v1/app/newapp13", "", `{"name":"z","uid":"other13"}`, false, ""},
		{"PUT", "/api/v1/event-type/new.type2", "", `{"description":"x","schemas":"bad"}`, false, ""},
		{"PUT", "/api/v1/event-type/new type", "", `{"description":"x"}`, false, ""},
		{"PUT", "/api/v1/app/fuzzapp/endpoint/newep", "", `{"url":"http://127.0.0.1:9/x","filterTypes":"x"}`, false, ""},
		{"PUT", "/api/v1/app/fuzzapp/endpoint/newep2", "", `{"url":"http://127.0.0.1:9/x","uid":"other"}`, false, ""},
		{"PUT", "/api/v1/app/fuzzapp/endpoint/newep3", "", `{"url":"http://127.0.0.1:9/x","secret":"bad"}`, false, ""},
		{"PUT", "/api/v1/app/fuzzapp/endpoint/newep4", "", `{"url":"http://127.0.0.1:9/x","headers":{"Host":"x"}}`, false, ""},
		{"POST", "/api/v1/app", "", `{"name":$V,"uid":$V}`, false, "a b"},
		{"PUT", "/api/v1/app/$APP", "", `{"name":"x","uid":$V,"metadata":{$V:$V}}`, false, "app_x"},
		{"GET", "/api/v1/app/$V", "", "", false, "fuzzapp"},
		{"POST", "/api/v1/app/$APP/endpoint", "", `{"url":$V,"uid":"e3"}`, false, "http://127.0.0.1:9/x"},
		{"POST", "/api/v1/app/$APP/endpoint", "", `{"url":"http://127.0.0.1:9/x","filterTypes":[$V],"channels":[$V],"uid":$V}`, false, "user.created"},
		{"PATCH", "/api/v1/app/$APP/endpoint/$EP", "", `{"filterTypes":[$V],"description":$V,"disabled":false}`, false, "user.created"},
		{"PUT", "/api/v1/app/$APP/endpoint/$EP/headers", "", `{"headers":{$V:$V}}`, false, "X-A"},
		{"PATCH", "/api/v1/app/$APP/endpoint/$EP/headers", "", `{"headers":{"X-B":"1"},"deleteHeaders":[$V]}`, false, "X-B"},
		{"POST", "/api/v1/app/$APP/endpoint/$EP/secret/rotate", "", `{"key":$V}`, false, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
		{"GET", "/api/v1/app/$APP/endpoint/$EP/stats?since=$V&until=$V", "", "", false, "2020-01-01T00:00:00Z"},
		{"POST", "/api/v1/app/$APP/endpoint/$EP/recover", "", `{"since":$V}`, false, "2020-01-01T00:00:00Z"},
		{"POST", "/api/v1/app/$APP/msg", "", `{"eventType":$V,"payload":{"x":$V},"eventId":$V,"channels":[$V]}`, false, "user.created"},
		{"GET", "/api/v1/app/$APP/msg?iterator=$V&limit=2", "", "", false, "msg_x"},
		{"GET", "/api/v1/app/$APP/msg?before=$V&after=$V&event_types=$V&channel=$V", "", "", false, "2020-01-01T00:00:00Z"},
		{"GET", "/api/v1/app/$APP/attempt/endpoint/$EP?status=$V&status_code_class=$V&iterator=$V", "", "", false, "0"},
		{"GET", "/api/v1/app/$APP/msg/$V", "", "", false, "evt-fuzz"},
		{"POST", "/api/v1/event-type", "", `{"name":$V,"description":$V,"schemas":{$V:{}}}`, false, "a.b"},
		{"PATCH", "/api/v1/event-type/$V", "", `{"description":$V,"archived":false}`, false, "user.created"},
		{"GET", "/api/v1/app?iterator=$V&order=$V", "", "", false, "ascending"},
		{"POST", "/api/v1/app", "Idempotency-Key: $V", `{"name":"I","uid":"i"}`, false, "k"},
		{"POST", "/api/v1/app", "", `{"name":"x","uid":"$APP"}`, false, ""},
		{"POST", "/api/v1/app", "", `{"name":"x","uid":"app_zzz"}`, false, ""},
		{"POST", "/api/v1/app", "", `{"name":"","uid":""}`, false, ""},
		{"POST", "/api/v1/app", "", `{"name":"n\u0000","uid":"a\u0000b"}`, false, ""},
		{"POST", "/api/v1/app", "", `{"name":"n","uid":"a/b"}`, false, ""},
		{"PUT", "/api/v1/app/$APP", "", `{"name":"n","uid":"app_zzz"}`, false, ""},
		{"PATCH", "/api/v1/app/$APP", "", `{"uid":null}`, false, ""},
		{"PATCH", "/api/v1/app/$APP", "", `{"uid":""}`, false, ""},
		{"PATCH", "/api/v1/app/$APP", "", `{"metadata":{"":"x"}}`, false, ""},
		{"POST", "/api/v1/app/$APP/endpoint", "", `{"url":"http://127.0.0.1:9/x","uid":"$EP"}`, false, ""},
		{"POST", "/api/v1/app/$APP/endpoint", "", `{"url":"http://127.0.0.1:9/x","uid":"ep_x","filterTypes":[]}`, false, ""},
		{"POST", "/api/v1/app/$APP/endpoint", "", `{"url":"http://127.0.0.1:9/x","filterTypes":[""]}`, false, ""},
		{"POST", "/api/v1/app/$APP/endpoint", "", `{"url":"http://127.0.0.1:9/x","filterTypes":["a\u0000"],"channels":[""]}`, false, ""},
		{"POST", "/api/v1/app/$APP/endpoint", "", `{"url":"http://127.0.0.1:9/x","rateLimit":-1,"version":-5,"headers":{"":"x"}}`, false, ""},
		{"PUT", "/api/v1/app/$APP/endpoint/$EP", "", `{"url":"http://127.0.0.1:9/x","uid":"ep_zz"}`, false, ""},
		{"PUT", "/api/v1/app/$APP/endpoint/$EP/headers", "", `{"headers":{"Host":"x","Content-Length":"5","X-A\r\nB":"1","X-B":"a\r\nb"}}`, false, ""},
		{"PATCH", "/api/v1/app/$APP/endpoint/$EP/headers", "", `{"headers":{},"deleteHeaders":["", "nope"]}`, false, ""},
		{"POST", "/api/v1/app/$APP/endpoint/$EP/secret/rotate", "", `{"key":"whsec_"}`, false, ""},
		{"POST", "/api/v1/app/$APP/endpoint/$EP/secret/rotate", "", `{"key":null}`, false, ""},
		{"GET", "/api/v1/app/$APP/endpoint/$EP/stats?since=9999-12-31T23:59:59Z&until=0001-01-01T00:00:00Z", "", "", false, ""},
		{"GET", "/api/v1/app/$APP/endpoint/$EP/stats?since=2020-01-01T00:00:00+99:00", "", "", false, ""},
		{"POST", "/api/v1/app/$APP/endpoint/$EP/recover", "", `{"since":"0001-01-01T00:00:00Z","until":"9999-12-31T23:59:59Z"}`, false, ""},
		{"POST", "/api/v1/app/$APP/endpoint/$EP/recover", "", `{"since":"2100-01-01T00:00:00Z"}`, false, ""},
		{"POST", "/api/v1/app/$APP/msg", "", `{"eventType":"user.created","payload":{},"eventId":""}`, false, ""},
		{"POST", "/api/v1/app/$APP/msg", "", `{"eventType":"","payload":{}}`, false, ""},
		{"POST", "/api/v1/app/$APP/msg", "", `{"eventType":"user.created","payload":{},"channels":[],"tags":["x"],"payloadRetentionPeriod":-1}`, false, ""},
		{"POST", "/api/v1/app/$APP/msg", "", `{"eventType":"user.created","payload":null}`, false, ""},
		{"POST", "/api/v1/app/$APP/msg", "", `{"eventType":"user.created","payload":{"a":"\ud800"}}`, false, ""},
		{"POST", "/api/v1/app/$APP/msg", "", `{"eventType":"user.created","payload":{},"application":{"name":"z"}}`, false, ""},
		{"POST", "/api/v1/app/newapp/msg", "", `{"eventType":"user.created","payload":{},"application":{"name":"z","uid":"newapp"}}`, false, ""},
		{"POST", "/api/v1/app/newapp2/msg", "", `{"eventType":"user.created","payload":{},"application":{"name":"z","uid":"other"}}`, false, ""},
		{"GET", "/api/v1/app/$APP/msg?iterator=zzz&limit=1&order=ascending", "", "", false, ""},
		{"GET", "/api/v1/app/$APP/msg?iterator=msg_&before=2020-01-01T00:00:00Z&after=2030-01-01T00:00:00Z", "", "", false, ""},
		{"GET", "/api/v1/app/$APP/msg?event_types=a,b,,&channel=&tag=x", "", "", false, ""},
		{"GET", "/api/v1/app/$APP/msg?with_content=maybe", "", "", false, ""},
		{"GET", "/api/v1/app/$APP/attempt/msg/$MSG?status=9&status_code_class=7&endpoint_id=x", "", "", false, ""},
		{"GET", "/api/v1/app/$APP/attempt/endpoint/$EP?iterator=atmpt_zzz", "", "", false, ""},
		{"GET", "/api/v1/app/$APP/msg/evt-fuzz", "", "", false, ""},
		{"POST", "/api/v1/app/$APP/msg/$MSG/endpoint/$EP/resend", "", "", false, ""},
		{"POST", "/api/v1/event-type", "", `{"name":"","description":""}`, false, ""},
		{"POST", "/api/v1/event-type", "", `{"name":"a b","description":"x","schemas":{"1":"x"}}`, false, ""},
		{"POST", "/api/v1/event-type", "", `{"name":"x.y","description":"x","schemas":[]}`, false, ""},
		{"PATCH", "/api/v1/event-type/new.type", "", `{"description":null}`, false, ""},
		{"PUT", "/api/v1/event-type/%20", "", `{"description":"x"}`, false, ""},
		{"POST", "/api/v1/auth/app-portal-access/nope", "", `{"application":{"name":"P","uid":"nope2"}}`, false, ""},
		{"POST", "/api/v1/auth/app-portal-access/$APP", "", `{"featureFlags":["x"],"expiry":-1}`, false, ""},
		{"DELETE", "/api/v1/app/$APP", "", "", false, ""},
		{"POST", "/api/v1/app/fuzzapp/msg", "", `{"eventType":"user.created","payload":{}}`, false, ""},
		{"GET", "/api/v1/app/fuzzapp/msg/$MSG", "", "", false, ""},
		{"POST", "/api/v1/app", "", `{"name":"Fuzz","uid":"fuzzapp"}`, false, ""},
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
	f.Fuzz(func(t *testing.T, method, target, headers string, body []byte, auth bool, v string) {
		e.fuzzOne(t, method, target, headers, body, svixAuth, auth, v)
	})
}
