package delivery

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestTrigperfH1BodylessAnswersShareConnections: workers sending through
// the lean transport to a receiver that answers without a body (204) reuse
// each other's connections; each exchange must be done with a connection
// before the pool hands it on. exchange reset the head limit in a deferred
// call, after a body-less answer had already given the connection back,
// while another worker was reading its answer on it: a data race (found
// by `go test -race -run TestDriveFinishesWhenQueuedDeliveriesAreTakenOver`,
// which failed with it on main), and that worker's head read without the
// MaxResponseHeaderBytes limit. Under -race this test fails on the old
// exchange (checked); without it, it checks every answer arrives.
func TestTrigperfH1BodylessAnswersShareConnections(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	const workers, each = 8, 150
	tr := newH1Transport(5*time.Second, 2, http.DefaultTransport) // fewer idle slots than workers: connections change hands
	defer tr.CloseIdleConnections()
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				req, err := http.NewRequest(http.MethodPost, srv.URL+"/hook", bytes.NewReader([]byte(`{"a":1}`)))
				if err != nil {
					errs <- err
					return
				}
				resp, err := tr.roundTrip(req, time.Now().Add(30*time.Second))
				if err != nil {
					errs <- err
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusNoContent {
					errs <- &statusErr{resp.StatusCode}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	n := 0
	for err := range errs {
		if n < 3 {
			t.Errorf("exchange: %v", err)
		}
		n++
	}
	if n > 0 {
		t.Errorf("%d of %d exchanges failed", n, workers*each)
	}
}

type statusErr struct{ code int }

func (e *statusErr) Error() string { return http.StatusText(e.code) }
