package dump

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// Every body reads back byte for byte, in the most readable form that
// can: JSON as itself, other text as a string, anything else base64.
func TestBodiesRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		body string
		form string // the field name the line uses
	}{
		{`{"a":1,"b":[true,null,"x"]}`, `"payload":{"a":1,"b":[true,null,"x"]}`},
		{`12.50`, `"payload":12.50`},
		{`"a string"`, `"payload":"a string"`},
		{`{"html":"<b>&amp;</b>","sep":"` + "\u2028" + `"}`, `"payload":{"html":"<b>&amp;</b>"`},
		{"{ \"spaced\": 1 }\n", `"payload_text":"{ \"spaced\": 1 }\n"`},
		{`null`, `"payload_text":"null"`},
		{"plain text, caf\u00e9 \u2028 <&>", `"payload_text":"plain text, café \u2028 <&>"`},
		{"nul \x00 inside", `"payload_text":"nul \u0000 inside"`},
		{"\x00\xff\xfe binary", `"payload_base64":"AP/+IGJpbmFyeQ=="`},
		{"{\"bad\":\"\xc3\x28\"}", `"payload_base64":`},
	} {
		ev := &store.Event{ID: "evt_1", Type: "t", Payload: []byte(tc.body), CreatedAt: time.Unix(1, 0)}
		line, err := Marshal(store.Record{Event: ev})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(line, []byte(tc.form)) {
			t.Errorf("%q: line %s lacks %s", tc.body, line, tc.form)
		}
		var buf bytes.Buffer
		w, err := NewWriter(&buf, Header{ExportedAt: time.Unix(2, 0)})
		if err != nil {
			t.Fatal(err)
		}
		resp := []byte(tc.body)
		for _, r := range []store.Record{{Event: ev}, {Object: &store.Object{Kind: "k", ID: "i", Data: []byte(tc.body)}},
			{Attempt: &store.Attempt{DeliveryID: "d", Number: 1, ResponseStatus: 200, ResponseBody: resp}}} {
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		rd := NewReader(&buf)
		got := [3][]byte{}
		for i := range got {
			r, err := rd.Next()
			if err != nil {
				t.Fatalf("%q: %v", tc.body, err)
			}
			switch {
			case r.Event != nil:
				got[i] = r.Event.Payload
			case r.Object != nil:
				got[i] = r.Object.Data
			case r.Attempt != nil:
				got[i] = r.Attempt.ResponseBody
			}
		}
		for i, g := range got {
			if string(g) != tc.body {
				t.Errorf("%q: body %d read back as %q", tc.body, i, g)
			}
		}
	}
}

// Durations keep their nanoseconds through duration_ms.
func TestDurationRoundTrip(t *testing.T) {
	for _, d := range []time.Duration{0, 1, 999, 1500001, 123456789, 29*time.Second + 7, time.Hour + 3} {
		var buf bytes.Buffer
		w, _ := NewWriter(&buf, Header{})
		if err := w.Write(store.Record{Attempt: &store.Attempt{DeliveryID: "d", Number: 1, Duration: d}}); err != nil {
			t.Fatal(err)
		}
		r, err := NewReader(&buf).Next()
		if err != nil {
			t.Fatal(err)
		}
		if r.Attempt.Duration != d {
			t.Errorf("%d ns read back as %d", d, r.Attempt.Duration)
		}
	}
}

// A header of a version this hookctl does not know is refused, naming
// it; lines before any header are version 1, and each header sets the
// format of the lines after it (dumps put together).
func TestVersions(t *testing.T) {
	_, err := NewReader(strings.NewReader(`{"hookctl_dump":{"version":3,"exported_at":"2030-01-01T00:00:00Z"}}` + "\n")).Next()
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Version != 3 || !strings.Contains(err.Error(), "format version 3; this hookctl reads versions 1 to 2") {
		t.Errorf("version 3: %v", err)
	}
	in := `{"event":{"ID":"evt_old","Type":"a","CreatedAt":"2026-01-02T03:04:05Z","Payload":"e30="}}
{"hookctl_dump":{"version":2,"exported_at":"2026-01-02T03:04:05Z","store":"sqlite"}}
{"event":{"id":"evt_new","type":"b","created_at":"2026-01-02T03:04:05Z","payload":{}}}
{"hookctl_dump":{"version":1,"exported_at":"2026-01-02T03:04:05Z"}}
{"event":{"ID":"evt_old2","Type":"c","CreatedAt":"2026-01-02T03:04:05Z"}}
`
	rd := NewReader(strings.NewReader(in))
	var got []string
	for {
		r, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r.Event.ID+"/"+r.Event.Type+"/"+string(r.Event.Payload))
	}
	if strings.Join(got, " ") != "evt_old/a/{} evt_new/b/{} evt_old2/c/" {
		t.Errorf("read %v", got)
	}
	// A version 2 line with a field of version 1 (or a typo) is refused,
	// not read as an empty record.
	_, err = NewReader(strings.NewReader(`{"hookctl_dump":{"version":2}}` + "\n" + `{"event":{"ID":"evt_1","CreatedAt":"2026-01-02T03:04:05Z"}}`)).Next()
	var re *RecordError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), `unknown field "CreatedAt"`) {
		t.Errorf("a version 1 line after a version 2 header: %v", err)
	}
	_, err = NewReader(strings.NewReader(`{"hookctl_dump":{"version":2}}` + "\n" + `{"event":{"id":"e","payload":{},"payload_text":"{}"}}`)).Next()
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "the payload is given twice") {
		t.Errorf("two payloads: %v", err)
	}
}

// Zero times and empty values are left out, not written as Go's zero
// values.
func TestEmptyLeftOut(t *testing.T) {
	line, err := Marshal(store.Record{Delivery: &store.Delivery{ID: "d", EventID: "e", Status: "pending",
		CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"delivery":{"id":"d","event_id":"e","status":"pending","created_at":"2026-01-02T02:04:05Z"}}`; string(line) != want {
		t.Errorf("got  %s\nwant %s", line, want)
	}
}

// FieldName gives, for each Go field of a record, the name a version 2
// line has it under.
func TestFieldName(t *testing.T) {
	tags := func(v any) map[string]bool {
		out := map[string]bool{}
		ty := reflect.TypeOf(v)
		for i := 0; i < ty.NumField(); i++ {
			out[strings.Split(ty.Field(i).Tag.Get("json"), ",")[0]] = true
		}
		return out
	}
	for kind, v := range map[string]struct {
		line   any
		fields []string
	}{
		"subscription": {subscription{}, []string{"ID", "CallbackURL", "CreatedAt", "UpdatedAt", "Status", "PreviousSecretExpiresAt"}},
		"object":       {object{}, []string{"Kind", "ID", "Key", "CreatedAt", "UpdatedAt"}},
		"event":        {event{}, []string{"ID", "Type", "CreatedAt", "ContentType"}},
		"delivery":     {delivery{}, []string{"ID", "EventID", "SubscriptionID", "RunID", "OriginID", "CreatedAt", "UpdatedAt", "Status", "LeaseExpiresAt"}},
		"attempt":      {attempt{}, []string{"DeliveryID", "StartedAt", "Number"}},
	} {
		names := tags(v.line)
		for _, f := range v.fields {
			if n := FieldName(2, kind, f); !names[n] {
				t.Errorf("%s %s: %q is not a field of a version 2 line", kind, f, n)
			}
			if n := FieldName(1, kind, f); n != f {
				t.Errorf("%s %s in version 1: %q", kind, f, n)
			}
		}
	}
	if n := FieldName(2, "subscription", "CreatedAt"); n != "date_created" {
		t.Errorf("subscription CreatedAt: %q", n)
	}
}
