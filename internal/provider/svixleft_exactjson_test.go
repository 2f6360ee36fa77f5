package provider_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/provider"
)

type exactInner struct {
	Name string `json:"name"`
}

type exactEmbedded struct {
	Tag string `json:"tag"`
}

type exactIn struct {
	exactEmbedded
	URL     *string                   `json:"url"`
	UID     string                    `json:"uid"`
	Items   []exactInner              `json:"items"`
	ByKey   map[string]exactInner     `json:"byKey"`
	Meta    map[string]string         `json:"metadata"`
	Payload json.RawMessage           `json:"payload"`
	Loose   any                       `json:"loose"`
	Ptr     *exactInner               `json:"ptr"`
	Nested  map[string]*[]*exactInner `json:"nested"`
}

// TestSvixleftDecodeJSONMatchesKeysExactly: the providers' servers (Svix's
// serde, Bond's Python, Mambu's Jackson) read {"URL": …} as an unknown
// key, not as url; encoding/json took it case-insensitively, so serve
// created an endpoint the real API refuses, and {"url": a, "URL": b}
// took b. Keys of maps, payloads and values of no struct type are kept
// as sent, byte for byte.
func TestSvixleftDecodeJSONMatchesKeysExactly(t *testing.T) {
	decode := func(body string) (exactIn, error) {
		var in exactIn
		err := provider.DecodeJSON(httptest.NewRequest("POST", "/", strings.NewReader(body)), &in, false)
		return in, err
	}
	for body, want := range map[string]string{
		`{"URL": "https://a", "Uid": "u"}`:                     `<nil> "" ""`,
		`{"url": "https://a", "URL": "https://b"}`:             `https://a "" ""`,
		`{"URL": "https://b", "url": "https://a", "TAG": "x"}`: `https://a "" ""`,
		`{"url":"https://a","uid":"u","tag":"t"}`:              `https://a "u" "t"`,
		"{\n  \"Url\" : 1,\n \"uid\":\"u\"}":                   `<nil> "u" ""`,
		`{"\u0055RL": "https://b", "uid": "\u0075"}`:           `<nil> "u" ""`,
	} {
		in, err := decode(body)
		if err != nil {
			t.Errorf("%s: %v", body, err)
			continue
		}
		u := "<nil>"
		if in.URL != nil {
			u = *in.URL
		}
		if got := fmt.Sprintf("%s %q %q", u, in.UID, in.Tag); got != want {
			t.Errorf("%s: url, uid, tag = %s, want %s", body, got, want)
		}
	}
	// Nested objects of struct types: each level by its own fields.
	in, err := decode(`{"items": [{"Name": "no"}, {"name": "yes"}], "byKey": {"K": {"NAME": "no", "name": "k"}},
		"ptr": {"Name": "no"}, "nested": {"n": [{"name": "deep"}, {"nAme": "no"}]},
		"metadata": {"Team": "a", "team": "b"}, "payload": {"URL": "kept", "Name": 1}, "loose": {"URL": 2}}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%q %q %q %q %q %v %s %v", in.Items[0].Name, in.Items[1].Name, in.ByKey["K"].Name, in.Ptr.Name,
		(*in.Nested["n"])[0].Name+(*in.Nested["n"])[1].Name, in.Meta, in.Payload, in.Loose); got !=
		`"" "yes" "k" "" "deep" map[Team:a team:b] {"URL": "kept", "Name": 1} map[URL:2]` {
		t.Errorf("nested: %s", got)
	}
	// Errors read as before.
	for body, want := range map[string]string{
		`{"url": 5}`:          "field url has the wrong type",
		`{"URL": 5`:           "not valid JSON",
		`[1]`:                 "must be a JSON object",
		`{"items": {"a": 1}}`: "field items has the wrong type",
	} {
		if _, err := decode(body); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
}

// TestSvixleftUnmarshalExactAgreesWithEncodingJSON: where every key is
// exact, UnmarshalExact decodes what json.Unmarshal decodes, and a body
// json.Unmarshal refuses is refused with the same error, whatever the
// walk makes of it (escapes, nesting, numbers, literals, spaces, bodies
// cut short).
func TestSvixleftUnmarshalExactAgreesWithEncodingJSON(t *testing.T) {
	bodies := []string{
		`{}`, ` { } `, `{"url":"a\"b\\","uid":"\u00e9\ud83d\ude00","items":[],"byKey":{}}`,
		`{"items":[{"name":"x"},{"name":"y","extra":[1,2.5e-3,-0,true,false,null,{"a":[[]]}]}],"loose":[1,{"b":"]}"}]}`,
		"{\n\t\"payload\" : {\"x\": \"}\" , \"y\":[\"{\",\"[\"]},\r\n\"metadata\":{\"k\":\"v\"}}",
		`{"ptr":null,"nested":{"a":null,"b":[null,{"name":"z"}]},"payload":[1,"2",{"3":4}]}`,
		`{"tag":"t","url":null}`, `{"\u0075rl":"escaped key"}`,
		// Refused by json.Unmarshal, however far the walk gets.
		`{"url":"a"`, `{"url":"a",}`, `{"url" "a"}`, `{"items":[1,]}`, `{"url":tru}`, `{"url":"a"}x`, `{"a":1}}`, `[`, `"x`, ``, `nul`,
		`{"items":{"name":1}}`, `{"url":5}`, `{"items":[{"name":5}]}`, `{"payload":}`, `{"payload":{"a":1]}`,
	}
	for _, body := range bodies {
		var want, got exactIn
		werr := json.Unmarshal([]byte(body), &want)
		gerr := provider.UnmarshalExact([]byte(body), &got)
		if fmt.Sprint(werr) != fmt.Sprint(gerr) {
			t.Errorf("%q: error %v, json.Unmarshal's %v", body, gerr, werr)
			continue
		}
		wj, _ := json.Marshal(want)
		gj, _ := json.Marshal(got)
		if string(wj) != string(gj) {
			t.Errorf("%q: decoded %s, json.Unmarshal %s", body, gj, wj)
		}
	}
}

// TestSvixleftUnmarshalExactUniqueRefusesAFieldGivenTwice: serde's
// derived decoders (Svix) refuse an object giving one of the struct's
// fields twice; encoding/json kept the last. Keys of maps, keys in
// another case and payloads are not fields, and bad JSON is reported as
// such first. UnmarshalExact (Bond, Mambu: last wins) takes them.
func TestSvixleftUnmarshalExactUniqueRefusesAFieldGivenTwice(t *testing.T) {
	for body, want := range map[string]string{
		`{"url":"a","uid":"u","url":"b"}`:                    "duplicate field `url`",
		`{"items":[{"name":"a"},{"name":"b","name":"c"}]}`:   "duplicate field `name`",
		`{"tag":"a","tag":"b"}`:                              "duplicate field `tag`",
		`{"url":"a","URL":"b","metadata":{"k":"1","k":"2"}}`: "<nil>",
		`{"payload":{"a":1,"a":2},"byKey":{"k":{},"k":{}}}`:  "<nil>",
		`{"url":"a","url":"b"`:                               "unexpected end of JSON input",
	} {
		var in exactIn
		if got := fmt.Sprint(provider.UnmarshalExactUnique([]byte(body), &in)); got != want {
			t.Errorf("%s: %s, want %s", body, got, want)
		}
	}
	var in exactIn
	if err := provider.UnmarshalExact([]byte(`{"url":"a","url":"b"}`), &in); err != nil || *in.URL != "b" {
		t.Errorf("UnmarshalExact of a field given twice: %v %v, want the last", err, in.URL)
	}
}
