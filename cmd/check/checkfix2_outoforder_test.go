package check_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/check"
	"github.com/hookctl/hookctl/internal/signature"
)

// TestCheckfix2OutOfOrderMambuSameAccount: Mambu's out-of-order pair,
// deposit.created then client.created, is about one client (the account's
// holder is the client the older event creates, by id and key), in one
// format (JSON both: one endpoint's templates; it was a text template
// then a JSON one), and the client's creation is older than the account's.
// The receiver refuses (409) the creation of a client it has already seen
// an account opened for, when the client's id and key and the order of
// the two creation dates all agree, so the check fails on its 409.
// Before, the pair was deposit.withdrawal (plain text) then
// deposit.created: no one receiver of JSON templates read both.
func TestCheckfix2OutOfOrderMambuSameAccount(t *testing.T) {
	t.Parallel()
	type seen struct {
		key string
		at  time.Time
	}
	var mu sync.Mutex
	clients := map[string]seen{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || !gjson.ValidBytes(body) {
			http.Error(w, "this endpoint's templates are JSON", http.StatusUnsupportedMediaType)
			return
		}
		switch gjson.GetBytes(body, "event").Str {
		case "DEPOSIT_ACCOUNT_CREATED":
			if gjson.GetBytes(body, "depositAccount.accountHolderKey").Str != gjson.GetBytes(body, "client.encodedKey").Str {
				http.Error(w, "the account's holder is not its client", http.StatusBadRequest)
				return
			}
			at, _ := time.Parse(time.RFC3339, gjson.GetBytes(body, "depositAccount.creationDate").Str)
			clients[gjson.GetBytes(body, "client.id").Str] = seen{gjson.GetBytes(body, "client.encodedKey").Str, at}
		case "CLIENT_CREATED":
			id, key := gjson.GetBytes(body, "client.id").Str, gjson.GetBytes(body, "client.encodedKey").Str
			at, _ := time.Parse(time.RFC3339, gjson.GetBytes(body, "client.creationDate").Str)
			if s, ok := clients[id]; ok && s.key == key && at.Before(s.at) {
				http.Error(w, "client "+id+" already has an account", http.StatusConflict)
				return
			}
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	r := hookctl(t, nil, "check", srv.URL, "--provider", "mambu", "--only", check.ToleratesOutOfOrder, "-o", "json")
	if r.code != 1 || r.report == nil || len(r.report.Checks) != 1 || r.report.Checks[0].Status != http.StatusConflict {
		t.Fatalf("want tolerates-out-of-order to fail on the 409 of the same client, got\n%s", r.dump())
	}
	if d := r.report.Checks[0].Detail; !strings.HasPrefix(d, "deposit.created then client.created: ") {
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
	t.Parallel()
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
