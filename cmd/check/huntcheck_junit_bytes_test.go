package check_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestJUnitEvidenceControlBytes: a receiver answering control bytes (an
// escape sequence, a NUL) has them in the JUnit file's evidence written
// as the terminal shows them (\x1b, \x00), not each replaced by U+FFFD
// (XML has no such characters), which left "\ufffd]0;pwned\ufffd" in the
// CI's test report. The file stays valid XML.
func TestJUnitEvidenceControlBytes(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte("\x1b]0;pwned\x07\x1b[31merror\x00"))
	}))
	defer srv.Close()
	junit := filepath.Join(t.TempDir(), "check.xml")
	r := hookctl(t, nil, "check", srv.URL, "--scheme", "standard", "--secret", stdSecret, "--only", "accepts-valid", "--junit", junit)
	if r.code != 1 || r.junit == nil {
		t.Fatalf("want exit 1 and a JUnit file, got\n%s", r.dump())
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(data); strings.Contains(s, "\ufffd") || !strings.Contains(s, `500 in `) || !strings.Contains(s, `: \x1b]0;pwned\x07\x1b[31merror\x00`) {
		t.Errorf("the JUnit evidence does not write the answer's control bytes as \\x1b…:\n%s", s)
	}
}
