package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestPolish3TailPastAttemptBudget: a delivery that failed its 2
// attempts, then was replayed with 3 more (budget 5): deliveries tail
// printed its first attempts as "attempt 1/5" and "attempt 2/5", a budget
// they were never made under (attempts do not keep theirs). They print
// "attempt 1" and "attempt 2" now; the replay's attempts say 3/5, 4/5,
// 5/5; -o json is as it was (max_attempts: the delivery's budget, 5).
func TestPolish3TailPastAttemptBudget(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "broken", http.StatusInternalServerError)
	}))
	t.Cleanup(app.Close)
	c.hookctl(0, "subscribe", "--url", app.URL+"/hook", "--events", "card.*")
	c.hookctl(1, "trigger", "card.created", "--retry-schedule", "0s,0s")
	var ds []struct {
		ID          string `json:"id"`
		Attempts    int    `json:"attempt_count"`
		MaxAttempts int    `json:"max_attempts"`
	}
	if err := json.Unmarshal(c.hookctl(0, "deliveries", "list", "-o", "json"), &ds); err != nil || len(ds) != 1 || ds[0].Attempts != 2 || ds[0].MaxAttempts != 2 {
		t.Fatalf("deliveries list: %v, %+v; want one delivery, 2/2 attempts", err, ds)
	}
	c.hookctl(1, "replay", ds[0].ID, "--retry-schedule", "0s,0s,0s")

	out := string(c.hookctl(0, "deliveries", "tail", "--lines", "1", "--timeout", "1s"))
	re := regexp.MustCompile(`<-- \[500\] POST \S+ \([^)]*\) attempt (\S+) `)
	var got []string
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		got = append(got, m[1])
	}
	if want := []string{"1", "2", "3/5", "4/5", "5/5"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("attempts printed as %q, want %q:\n%s", got, want, out)
	}

	js := c.hookctl(0, "deliveries", "tail", "--lines", "1", "--timeout", "1s", "-o", "json")
	n := 0
	for sc := bufio.NewScanner(bytes.NewReader(js)); sc.Scan(); {
		var l struct {
			Type        string `json:"type"`
			Number      int    `json:"number"`
			MaxAttempts int    `json:"max_attempts"`
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%v: %s", err, sc.Bytes())
		}
		if l.Type == "attempt" {
			n++
			if l.MaxAttempts != 5 {
				t.Errorf("-o json attempt %d: max_attempts %d, want 5 (the delivery's budget, as before)", l.Number, l.MaxAttempts)
			}
		}
	}
	if n != 5 {
		t.Errorf("-o json: %d attempt lines, want 5:\n%s", n, js)
	}
}
