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
