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
