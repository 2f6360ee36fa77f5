package web_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/web"
)

// TestLiveSaysStoreFileGone: the SQLite file a live stream reads is moved
// away (deleted, or replaced by another): the stream says so once, in
// the error's words, reads nothing more from the file it has open, and
// follows on once the file is back in place. Before, it said nothing
// and kept "live" on a file nothing writes to any more (deliveries tail
// stops there).
func TestLiveSaysStoreFileGone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "hookctl.db")
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := httptest.NewUnstartedServer(nil)
	h, err := web.New(web.Config{Store: st, Addr: srv.Listener.Addr().String(), Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)
	e := &liveReplayEnv{t: t, ctx: context.Background(), st: st, url: srv.URL}
	e.failed()
	ch := openEvents(t, srv.URL+"/live")
	nextEvent(t, ch, "hello")
	if err := os.Rename(path, path+".moved"); err != nil {
		t.Fatal(err)
	}
	n := notice(t, first(nextEvent(t, ch, "store")))
	if !n.Down || !strings.Contains(n.Error, "the file is gone") || !strings.Contains(n.Text, "restart hookctl") {
		t.Errorf("the file moved away said %+v", n)
	}
	if err := os.Rename(path+".moved", path); err != nil {
		t.Fatal(err)
	}
	ev, rows := nextEvent(t, ch, "store")
	if n := notice(t, ev); n.Down || !outageBack.MatchString(n.Text) {
		t.Errorf("the file back said %+v", n)
	}
	if len(rows) > 0 {
		t.Errorf("rows sent while the file was away: %v", rows)
	}
	id := e.failed()
	if ev := first(nextEvent(t, ch, "rows")); !strings.Contains(ev.data, id) {
		t.Errorf("the delivery stored once the file was back is not sent: %.300s", ev.data)
	}
}
