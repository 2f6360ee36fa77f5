package postgres

import "testing"

// The schema a search_path puts first, as PostgreSQL reads it. The
// server shows its default as `"$user", public` (quoted): that is $user,
// not a schema named "$user" (a fresh database was refused for it).
func TestSearchPathSchema(t *testing.T) {
	for in, want := range map[string]string{
		`"$user", public`:   "",
		`$user, public`:     "",
		`"$user"`:           "",
		``:                  "",
		`teama, public`:     "teama",
		`TeamA,public`:      "teama",
		`"TeamA", public`:   "TeamA",
		`"we""ird", public`: `we"ird`,
		` public `:          "public",
	} {
		if got := searchPathSchema(in); got != want {
			t.Errorf("searchPathSchema(%q) = %q, want %q", in, got, want)
		}
	}
}
