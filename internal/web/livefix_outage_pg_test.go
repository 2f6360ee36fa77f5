package web_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestLiveFromNowAfterOutagePostgres: /live without after= opened while
// the inspector's PostgreSQL server is away (its connections cut, new
// ones refused) says so and, once the server is back, follows the log
// from the newest delivery then: the log's history is not sent, a
// delivery stored after is. Before, it sent the whole log from seq 1.
func TestLiveFromNowAfterOutagePostgres(t *testing.T) {
	t.Parallel()
	srv, proxy, publish := pgOutageInspector(t)
	old := []string{publish(), publish(), publish()}
	proxy.SetDown(true)
	ch := openEvents(t, srv.URL+"/live")
	var hello helloJSON
	if ev := first(nextEvent(t, ch, "hello")); json.Unmarshal([]byte(ev.data), &hello) != nil || !hello.Down {
		t.Errorf("the hello of a stream opened during an outage reads %s, want down", ev.data)
	}
	if n := notice(t, first(nextEvent(t, ch, "store"))); !n.Down {
		t.Errorf("a stream opened during an outage said %+v", n)
	}
	proxy.SetDown(false)
	ev, rows := nextEvent(t, ch, "store")
	if n := notice(t, ev); n.Down || !outageBack.MatchString(n.Text) {
		t.Errorf("its end said %+v", n)
	}
	after := publish()
	for {
		ev, more := nextEvent(t, ch, "rows")
		rows = append(append(rows, more...), ev)
		if strings.Contains(ev.data, after) {
			break
		}
	}
	// (The pending rows up to the cursor are re-read, and sent as
	// updates, as when the stream opens with the store up.)
	for _, ev := range rows {
		var b liveBatchJSON
		if err := json.Unmarshal([]byte(ev.data), &b); err != nil {
			t.Fatal(err)
		}
		for _, id := range old {
			if strings.Contains(b.Rows, id) {
				t.Errorf("a stream from now sent %s, stored before it opened: %.300s", id, ev.data)
			}
		}
	}
}
