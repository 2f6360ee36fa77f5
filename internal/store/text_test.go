package store

import "testing"

func TestStorableForm(t *testing.T) {
	for in, want := range map[string]string{
		"card.created":         "card.created",
		"héllo ☃":              "héllo ☃",
		`already \x00 text`:    `already \x00 text`,
		"a\x00b":               `a\x00b`,
		"msg_\xff":             `msg_\xff`,
		"caf\xe9 \xc3":         `caf\xe9 \xc3`,
		"ok ☃\x00\xf0\x9f\x98": `ok ☃\x00\xf0\x9f\x98`,
	} {
		got := StorableForm(in)
		if got != want {
			t.Errorf("StorableForm(%q) = %q, want %q", in, got, want)
		}
		if !StorableText(got) {
			t.Errorf("StorableForm(%q) = %q is not StorableText", in, got)
		}
	}
}
