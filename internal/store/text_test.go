package store

import (
	"strings"
	"testing"
)

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

func TestStorableKey(t *testing.T) {
	short := "evt_" + strings.Repeat("☃", 300) // 904 bytes: kept whole
	if got := StorableKey(short); got != short {
		t.Errorf("StorableKey(%d bytes) shortened to %d", len(short), len(got))
	}
	a, b := strings.Repeat("é", 2000)+"a", strings.Repeat("é", 2000)+"\x00b"
	ka, kb := StorableKey(a), StorableKey(b)
	for _, k := range []string{ka, kb} {
		if len(k) > MaxKeyLen || !StorableText(k) || !strings.HasPrefix(k, strings.Repeat("é", 100)) {
			t.Errorf("StorableKey = %q (%d bytes), want at most %d bytes of text starting as given", k, len(k), MaxKeyLen)
		}
		if StorableKey(k) != k {
			t.Errorf("StorableKey is not idempotent on %q", k)
		}
	}
	if ka == kb {
		t.Errorf("two long texts differing at their end share a key %q", ka)
	}
}
