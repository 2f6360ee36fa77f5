package listen

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// BenchmarkRecorderAdd is the request-path cost of recording one forward
// alone: encoding it into the journal and waiting for the fdatasync that
// covers it (the store write happens later, off the request path). Run
// with -cpu or in parallel to see the group commit share fsyncs.
func BenchmarkRecorderAdd(b *testing.B) {
	r, err := NewRecorder(&memStore{}, b.TempDir(), "k", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close(context.Background())
	body := make([]byte, 1024)
	h := http.Header{"Content-Type": {"application/json"}, "Webhook-Id": {"msg_1"}, "Webhook-Timestamp": {"1795430746"},
		"Webhook-Signature": {"v1,RG7uhvcGGAyPdjvZIEqRIN6secsmjoVjJZsfqH0GzR0="}, "User-Agent": {"wrk"}, "Content-Length": {"1024"}}
	rh := http.Header{"Content-Type": {"text/plain"}, "Date": {"Mon, 23 Nov 2026 10:45:29 GMT"}, "Content-Length": {"2"}}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		r.Add(&Record{
			Event:    store.Event{ID: "msg_1", Type: "payment.succeeded", Provider: "standard", Payload: body, Source: "received", Headers: h, CreatedAt: now},
			Delivery: &store.Delivery{SubscriptionID: "s", URL: "http://127.0.0.1:3000/webhooks", Method: "POST", MaxAttempts: 1, Schedule: "0s", CreatedAt: now},
			Attempt:  &store.Attempt{Number: 1, StartedAt: now, Duration: time.Millisecond, RequestURL: "http://127.0.0.1:3000/webhooks", RequestMethod: "POST", RequestHeaders: h, ResponseStatus: 200, ResponseHeaders: rh, ResponseBody: []byte("ok")},
			Update:   store.DeliveryUpdate{Status: "succeeded", LastStatus: 200},
		})
	}
}

func TestCodecRoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 4, 12, 123456789, time.UTC)
	recs := []*Record{
		{Event: store.Event{ID: "e1", Type: "a.b", Payload: []byte(`{"x":1}`), Source: "received", Headers: map[string][]string{"A": {"1", "2"}}, CreatedAt: now}},
		{
			Event:    store.Event{ID: "e2", Type: "c.d", Provider: "bond", Payload: []byte{}, ContentType: "application/json", Source: "received", CreatedAt: now},
			Delivery: &store.Delivery{SubscriptionID: "s", URL: "http://x/y?z=1", Method: "PUT", Scheme: "stripe", Secret: "whsec_p", Headers: map[string]string{"K": "V"}, MaxAttempts: 1, Schedule: "0s", CreatedAt: now},
			Attempt: &store.Attempt{Number: 1, StartedAt: now, Duration: 1234 * time.Microsecond, RequestURL: "http://x/y?z=1", RequestMethod: "PUT",
				RequestHeaders: map[string][]string{"B": {"é"}}, ResponseStatus: 502, Error: "refused"},
			Update: store.DeliveryUpdate{Status: "failed", LastError: "refused", LastStatus: 0},
		},
	}
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	var scratch []byte
	for _, r := range recs {
		var err error
		if scratch, err = writeFrame(w, scratch, r, 3); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	rd := bufio.NewReader(&buf)
	var rb []byte
	for i, want := range recs {
		got, lap, b, err := readFrame(rd, rb)
		rb = b
		if err != nil || lap != 3 {
			t.Fatal(lap, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("record %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
	if _, _, _, err := readFrame(rd, nil); err != io.EOF {
		t.Fatalf("after the last record: %v", err)
	}
	if _, err := decodeRecord([]byte{5, 'a'}); err == nil {
		t.Fatal("a truncated record decoded")
	}
}

// BenchmarkRecorderAddParallel: 16 concurrent senders share each
// fdatasync (group commit): the time per record falls well below one sync.
func BenchmarkRecorderAddParallel(b *testing.B) {
	r, err := NewRecorder(&memStore{}, b.TempDir(), "k", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close(context.Background())
	body := make([]byte, 1024)
	now := time.Now()
	b.SetParallelism(8) // 16 goroutines on 2 CPUs, like wrk -c16
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := r.Add(&Record{
				Event:    store.Event{ID: "msg_1", Type: "payment.succeeded", Payload: body, Source: "received", CreatedAt: now},
				Delivery: &store.Delivery{ID: "d", URL: "http://127.0.0.1:3000/webhooks", Method: "POST", MaxAttempts: 1, Schedule: "0s", CreatedAt: now},
				Attempt:  &store.Attempt{Number: 1, StartedAt: now, ResponseStatus: 200, ResponseBody: []byte("ok")},
				Update:   store.DeliveryUpdate{Status: "succeeded", LastStatus: 200},
			}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
