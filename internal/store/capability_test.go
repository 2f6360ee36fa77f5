package store

import "testing"

func TestMaskURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/home/me/.local/share/hookctl/hookctl.db", "/home/me/.local/share/hookctl/hookctl.db"},
		{"postgres://app:s3cret@db.internal:5432/hookctl?sslmode=require", "postgres://app:xxxxx@db.internal:5432/hookctl?sslmode=require"},
		{"postgresql://app@db/hookctl", "postgresql://app@db/hookctl"},
		{"postgres://db/hookctl?user=app&password=s3cret", "postgres://db/hookctl?password=xxxxx&user=app"},
		{"postgres://app:p%40ss@db/hookctl", "postgres://app:xxxxx@db/hookctl"},
		{"postgres://app:bad%zz@db/x", "postgres://xxxxx@db/x"},
	} {
		if got := MaskURL(tc.in); got != tc.want {
			t.Errorf("MaskURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// A short password is masked where it stands, not inside unrelated words,
// and a libpq key=value string's password is masked (issue 20 items 10, 11).
func TestScrubAndMaskPasswords(t *testing.T) {
	for _, tc := range []struct{ msg, pw, want string }{
		{"connect to postgres://u:ab@host/db failed: table missing", "ab", "connect to postgres://u:xxxxx@host/db failed: table missing"},
		{"password authentication failed for user app (password=s3cr3t)", "s3cr3t", "password authentication failed for user app (password=xxxxx)"},
		{"no such table: tablespace", "ab", "no such table: tablespace"},
	} {
		if got := ScrubPassword(tc.msg, tc.pw); got != tc.want {
			t.Errorf("ScrubPassword(%q, %q) = %q, want %q", tc.msg, tc.pw, got, tc.want)
		}
	}
	for in, want := range map[string]string{
		"host=db user=app password=hunter2 dbname=hooks":      "host=db user=app password=xxxxx dbname=hooks",
		"host=db password='sec ret' dbname=hooks":             "host=db password=xxxxx dbname=hooks",
		"postgres://app:hunter2@db/hooks":                     "postgres://app:xxxxx@db/hooks",
		"/home/me/.local/share/hookctl/password=x/hookctl.db": "/home/me/.local/share/hookctl/password=x/hookctl.db",
	} {
		if got := MaskURL(in); got != want {
			t.Errorf("MaskURL(%q) = %q, want %q", in, got, want)
		}
	}
	if !IsKeyValueDSN("host=db dbname=x") || IsKeyValueDSN("./hookctl.db") {
		t.Error("IsKeyValueDSN")
	}
	if got := NormalizeIDPrefix("4F1C"); got != "4f1c" {
		t.Errorf("NormalizeIDPrefix = %q", got)
	}
	if got := NormalizeIDPrefix("evt_1AbC"); got != "evt_1AbC" {
		t.Errorf("NormalizeIDPrefix kept case = %q", got)
	}
}
