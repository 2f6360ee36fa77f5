package check_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/check"
	"github.com/hookctl/hookctl/internal/signature"
)

// TestCheckfix2OutOfOrderMambuSameAccount: Mambu's out-of-order pair,
// deposit.withdrawal (a text template) then deposit.created (JSON), is
// about one deposit account of one client, and the creation is older
// than the withdrawal. The receiver refuses (409) the creation of an
// account it has seen a withdrawal from, when the account, its client
// and the order of the two timestamps all agree, so the check fails on
// its 409. Before, the two events were about two unrelated accounts and
// clients (every placeholder filled afresh): the receiver took the
// creation as a new account and the check passed.
func TestCheckfix2OutOfOrderMambuSameAccount(t *testing.T) {
	withdrawal := regexp.MustCompile(`^WITHDRAWAL \d+ on (\S+): \S+ \S+ withdrawn from deposit account (\S+) of client .+ \((\d+)\)\.`)
	type seen struct {
		client string
		at     time.Time
	}
	var mu sync.Mutex
	accounts := map[string]seen{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain"):
			m := withdrawal.FindStringSubmatch(string(body))
			if m == nil {
				http.Error(w, "unreadable withdrawal", http.StatusBadRequest)
				return
			}
			at, _ := time.Parse(time.RFC3339, m[1])
			accounts[m[2]] = seen{m[3], at}
		case gjson.GetBytes(body, "event").Str == "DEPOSIT_ACCOUNT_CREATED":
			acct, client := gjson.GetBytes(body, "depositAccount.id").Str, gjson.GetBytes(body, "client.id").Str
			at, _ := time.Parse(time.RFC3339, gjson.GetBytes(body, "timestamp").Str)
			if s, ok := accounts[acct]; ok && s.client == client && at.Before(s.at) {
				http.Error(w, "account "+acct+" already has a withdrawal", http.StatusConflict)
				return
			}
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	r := hookctl(t, nil, "check", srv.URL, "--provider", "mambu", "--only", check.ToleratesOutOfOrder, "-o", "json")
	if r.code != 1 || r.report == nil || len(r.report.Checks) != 1 || r.report.Checks[0].Status != http.StatusConflict {
		t.Fatalf("want tolerates-out-of-order to fail on the 409 of the same account, got\n%s", r.dump())
	}
	if d := r.report.Checks[0].Detail; !strings.HasPrefix(d, "deposit.withdrawal then deposit.created: ") {
		t.Errorf("evidence %q", d)
	}
}

// TestCheckfix2OutOfOrderBondSameCard: the two events of Bond's
// out-of-order pair describe one card in every field, not only its ids:
// a receiver that takes a card's last four digits as fixed (and refuses,
// 422, an event contradicting what it knows of the card) accepts both.
// Before, card.created carried card.status.active's card_id but other
// last_four, and the check failed a correct receiver.
func TestCheckfix2OutOfOrderBondSameCard(t *testing.T) {
	sch, err := signature.Lookup("bond")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	lastFour := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := sch.Verify(signature.VerifyInput{Secrets: []string{bondSecret}, Header: r.Header, Body: body, Now: time.Now()}); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		card, four := gjson.GetBytes(body, "card.card_id").Str, gjson.GetBytes(body, "card.last_four").Str
		mu.Lock()
		defer mu.Unlock()
		if known, ok := lastFour[card]; ok && known != four {
			http.Error(w, "card "+card+" ends in "+known+", not "+four, http.StatusUnprocessableEntity)
			return
		}
		lastFour[card] = four
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	r := hookctl(t, nil, "check", srv.URL, "--provider", "bond", "--secret", bondSecret, "--only", check.ToleratesOutOfOrder, "-o", "json")
	if r.code != 0 || r.report == nil || len(r.report.Checks) != 1 || r.report.Checks[0].Verdict != check.Pass {
		t.Fatalf("want tolerates-out-of-order to pass a receiver that knows a card's last four, got\n%s", r.dump())
	}
	if d := r.report.Checks[0].Detail; !strings.HasPrefix(d, "card.status.active then card.created: ") {
		t.Errorf("evidence %q", d)
	}
}
