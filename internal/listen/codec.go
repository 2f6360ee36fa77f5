package listen

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// The journal's record format: a uvarint length, then the fields in a fixed
// order (strings and byte slices length-prefixed, integers as varints,
// times as Unix nanoseconds). Hand-written because it runs on the request
// path: about 3.5x cheaper than encoding/gob for a forward's record
// (BenchmarkRecorderAdd).

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBytes(b, p []byte) []byte {
	if p == nil {
		return binary.AppendUvarint(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(p))+1)
	return append(b, p...)
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return binary.AppendVarint(b, 0)
	}
	return binary.AppendVarint(b, t.UnixNano())
}

func appendHeader(b []byte, h map[string][]string) []byte {
	b = binary.AppendUvarint(b, uint64(len(h)))
	for k, vs := range h {
		b = appendStr(b, k)
		b = binary.AppendUvarint(b, uint64(len(vs)))
		for _, v := range vs {
			b = appendStr(b, v)
		}
	}
	return b
}

func appendMap(b []byte, m map[string]string) []byte {
	b = binary.AppendUvarint(b, uint64(len(m)))
	for k, v := range m {
		b = appendStr(b, k)
		b = appendStr(b, v)
	}
	return b
}

// appendRecord appends rec's encoding (without the length prefix).
func appendRecord(b []byte, rec *Record) []byte {
	e := &rec.Event
	b = appendStr(b, e.ID)
	b = appendStr(b, e.Type)
	b = appendStr(b, e.Provider)
	b = appendBytes(b, e.Payload)
	b = appendStr(b, e.ContentType)
	b = appendStr(b, e.Source)
	b = appendHeader(b, e.Headers)
	b = appendTime(b, e.CreatedAt)
	b = appendStr(b, e.Verdict)
	if rec.Delivery == nil || rec.Attempt == nil {
		return append(b, 0)
	}
	// 1: a delivery follows; 2: one whose attempt was sent accepting any
	// TLS certificate (Attempt.Insecure: listen --skip-verify). Only such
	// a listen writes a 2, so its journals alone differ from those written
	// before the flag was kept.
	if rec.Attempt.Insecure {
		b = append(b, 2)
	} else {
		b = append(b, 1)
	}
	d := rec.Delivery
	b = appendStr(b, d.ID)
	b = appendStr(b, d.Kind)
	b = appendStr(b, d.OriginID)
	b = appendStr(b, d.SubscriptionID)
	b = appendStr(b, d.URL)
	b = appendStr(b, d.Method)
	b = appendStr(b, d.Scheme)
	b = appendStr(b, d.Secret)
	b = appendMap(b, d.Headers)
	b = binary.AppendVarint(b, int64(d.MaxAttempts))
	b = appendStr(b, d.Schedule)
	b = appendTime(b, d.CreatedAt)
	a := rec.Attempt
	b = binary.AppendVarint(b, int64(a.Number))
	b = appendTime(b, a.StartedAt)
	b = binary.AppendVarint(b, int64(a.Duration))
	b = appendStr(b, a.RequestURL)
	b = appendStr(b, a.RequestMethod)
	b = appendHeader(b, a.RequestHeaders)
	b = binary.AppendVarint(b, int64(a.ResponseStatus))
	b = appendHeader(b, a.ResponseHeaders)
	b = appendBytes(b, a.ResponseBody)
	b = appendStr(b, a.Error)
	u := rec.Update
	b = appendStr(b, u.Status)
	b = appendStr(b, u.LastError)
	return binary.AppendVarint(b, int64(u.LastStatus))
}

var errCorrupt = errors.New("corrupt journal record")

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) take(n uint64) []byte {
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = errCorrupt
		return nil
	}
	p := d.b[:n:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) str() string { return string(d.take(d.uvarint())) }

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n == 0 {
		return nil
	}
	return append([]byte{}, d.take(n-1)...)
}

func (d *decoder) time() time.Time {
	n := d.varint()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func (d *decoder) header() map[string][]string {
	n := d.uvarint()
	if n == 0 || d.err != nil {
		return nil
	}
	h := make(map[string][]string, min(n, 64))
	for i := uint64(0); i < n && d.err == nil; i++ {
		k := d.str()
		m := d.uvarint()
		vs := make([]string, 0, min(m, 16))
		for j := uint64(0); j < m && d.err == nil; j++ {
			vs = append(vs, d.str())
		}
		h[k] = vs
	}
	return h
}

func (d *decoder) strMap() map[string]string {
	n := d.uvarint()
	if n == 0 || d.err != nil {
		return nil
	}
	m := make(map[string]string, min(n, 64))
	for i := uint64(0); i < n && d.err == nil; i++ {
		k := d.str()
		m[k] = d.str()
	}
	return m
}

func decodeRecord(p []byte) (*Record, error) {
	d := &decoder{b: p}
	rec := &Record{}
	e := &rec.Event
	e.ID, e.Type, e.Provider = d.str(), d.str(), d.str()
	e.Payload = d.bytes()
	e.ContentType, e.Source = d.str(), d.str()
	e.Headers = d.header()
	e.CreatedAt = d.time()
	e.Verdict = d.str()
	if flag := d.take(1); d.err == nil && (flag[0] == 1 || flag[0] == 2) {
		dl := &store.Delivery{}
		dl.ID = d.str()
		dl.Kind, dl.OriginID = d.str(), d.str()
		dl.SubscriptionID, dl.URL, dl.Method = d.str(), d.str(), d.str()
		dl.Scheme, dl.Secret = d.str(), d.str()
		dl.Headers = d.strMap()
		dl.MaxAttempts = int(d.varint())
		dl.Schedule = d.str()
		dl.CreatedAt = d.time()
		a := &store.Attempt{Insecure: flag[0] == 2}
		a.Number = int(d.varint())
		a.StartedAt = d.time()
		a.Duration = time.Duration(d.varint())
		a.RequestURL, a.RequestMethod = d.str(), d.str()
		a.RequestHeaders = d.header()
		a.ResponseStatus = int(d.varint())
		a.ResponseHeaders = d.header()
		a.ResponseBody = d.bytes()
		a.Error = d.str()
		rec.Update.Status, rec.Update.LastError = d.str(), d.str()
		rec.Update.LastStatus = int(d.varint())
		rec.Delivery, rec.Attempt = dl, a
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errCorrupt
	}
	if d.err != nil {
		return nil, d.err
	}
	return rec, nil
}

// writeFrame writes one length-prefixed record of the journal's lap (the
// number of times the journal was rewound to its start).
func writeFrame(w *bufio.Writer, scratch []byte, rec *Record, lap uint64) ([]byte, error) {
	scratch = binary.AppendUvarint(scratch[:0], lap)
	scratch = appendRecord(scratch, rec)
	var n [binary.MaxVarintLen64]byte
	if _, err := w.Write(n[:binary.PutUvarint(n[:], uint64(len(scratch)))]); err != nil {
		return scratch, err
	}
	_, err := w.Write(scratch)
	return scratch, err
}

// errEnd: a zero length, the preallocated space after the last frame.
var errEnd = errors.New("end of the journal")

// readFrame reads one record written by writeFrame and its lap.
func readFrame(r *bufio.Reader, buf []byte) (*Record, uint64, []byte, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, 0, buf, err
	}
	if n == 0 {
		return nil, 0, buf, errEnd
	}
	if n > 1<<30 {
		return nil, 0, buf, fmt.Errorf("%w: length %d", errCorrupt, n)
	}
	if uint64(cap(buf)) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, 0, buf, err
	}
	rec, lap, err := decodeFrame(buf)
	return rec, lap, buf, err
}

// decodeFrame decodes a frame's contents (after its length): the lap, then
// the record.
func decodeFrame(b []byte) (*Record, uint64, error) {
	lap, k := binary.Uvarint(b)
	if k <= 0 {
		return nil, 0, errCorrupt
	}
	rec, err := decodeRecord(b[k:])
	return rec, lap, err
}
