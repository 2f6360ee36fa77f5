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
		// sslpassword: the passphrase of the client key (sslkey=…).
		"postgres://app:hunter2@db/hooks?sslmode=verify-full&sslpassword=keyS3cret": "postgres://app:xxxxx@db/hooks?sslmode=verify-full&sslpassword=xxxxx",
		"host=db sslpassword=keyS3cret password=hunter2 dbname=hooks":               "host=db sslpassword=xxxxx password=xxxxx dbname=hooks",
		"host=db sslpassword='key S3cret' dbname=hooks":                             "host=db sslpassword=xxxxx dbname=hooks",
		"postgres://app:pw@db:notaport/hooks?sslpassword=keyS3cret&password=x":      "postgres://xxxxx@db:notaport/hooks?sslpassword=xxxxx&password=xxxxx",
	} {
		if got := MaskURL(in); got != want {
			t.Errorf("MaskURL(%q) = %q, want %q", in, got, want)
		}
	}
	if got := DSNPassword("host=db sslpassword=keyS3cret password=hunter2"); got != "hunter2" {
		t.Errorf("DSNPassword took the key's passphrase: %q", got)
	}
	if got := DSNSecrets("host=db sslpassword='key S3cret' password=hunter2"); len(got) != 2 || got[0] != "key S3cret" || got[1] != "hunter2" {
		t.Errorf("DSNSecrets = %q", got)
	}
	if got := DSNSecrets("postgres://app:hunter2@db/hooks?sslpassword=keyS3cret"); len(got) != 2 || got[0] != "hunter2" || got[1] != "keyS3cret" {
		t.Errorf("DSNSecrets = %q", got)
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
