package listen

import (
	"bytes"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/hookctl/hookctl/internal/testutil/jsonkeys"
)

// TestReadmeRejectionAnswer: the 401 the README shows for a bad signature
// has the keys, in the order, of what listen answers.
func TestReadmeRejectionAnswer(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("`(\\{\"error\":\"invalid signature\"[^`]*\\})`").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README shows no rejection answer `{\"error\":\"invalid signature\",…}`")
	}
	want := jsonkeys.Of(t, m[1])

	a, _ := app(t, 200)
	s, _, log := newTestServer(t, a.URL, func(c *Config) { c.Recorder = newRecorder(t, &memStore{}) })
	defer log.Close()
	good := []byte(`{"id":"evt_7","type":"card.created"}`)
	req := httptest.NewRequest("POST", "/", bytes.NewReader([]byte(`{"id":"evt_7","type":"card.created","amount":1}`)))
	req.Header.Set("Content-Type", "application/json")
	sign(t, req, "s3cret", "evt_7", good)
	rw := httptest.NewRecorder()
	s.ServeHTTP(rw, req)
	if rw.Code != 401 {
		t.Fatalf("tampered request answered %d: %s", rw.Code, rw.Body)
	}
	if got := jsonkeys.Of(t, bytes.TrimSpace(rw.Body.Bytes())); !slices.Equal(got, want) {
		t.Errorf("README's rejection answer has keys %v; listen answers %v: %s", want, got, rw.Body)
	}
}
