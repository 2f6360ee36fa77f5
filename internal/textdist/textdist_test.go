package textdist

import "testing"

func TestClosest(t *testing.T) {
	schemes := []string{"auto", "standard", "svix", "standard-ed25519", "stripe", "bond", "github", "mono", "mambu", "paystack", "shopify", "slack"}
	for _, c := range []struct{ word, want string }{
		{"strpe", "stripe"},
		{"STRIPE", ""}, // the same name: nothing to suggest
		{"Stirpe", "stripe"},
		{"githb", "github"},
		{"standrd", "standard"},
		{"standard-ed", "standard-ed25519"}, // a prefix of one
		{"bnd", "bond"},
		{"mon", "mono"}, // mono 1, bond 2: the nearest
		{"sxyz", ""},
		{"hmac", ""},
		{"mbo", "mono"},
	} {
		if got := Closest(c.word, schemes); got != c.want {
			t.Errorf("Closest(%q) = %q, want %q", c.word, got, c.want)
		}
	}
	if got := Closest("cat", []string{"bat", "hat"}); got != "" {
		t.Errorf("a tie: %q, want no guess", got)
	}
	if got := Closest("bnd", []string{"bond", "mambu", "mono", "svix"}); got != "bond" {
		t.Errorf("profiles: %q", got)
	}
}
