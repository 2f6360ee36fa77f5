package provider_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/provider"
)

// msgIn is the shape of a Svix message body (payload kept raw).
type msgIn struct {
	EventType string          `json:"eventType"`
	EventID   *string         `json:"eventId"`
	Payload   json.RawMessage `json:"payload"`
	Channels  []string        `json:"channels"`
	Tags      []string        `json:"tags"`
}

func svixleftBody(payloadBytes int) []byte {
	var b strings.Builder
	b.WriteString(`{"eventType":"invoice.paid","eventId":"evt-1","channels":["a"],"payload":{"items":[`)
	for i := 0; b.Len() < payloadBytes; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"id":"in_0123456789","amount":4200,"currency":"usd","description":"line item with some text"}`)
	}
	b.WriteString(`]}}`)
	return []byte(b.String())
}

// BenchmarkSvixleftDecode compares encoding/json's Unmarshal with
// UnmarshalExact (the walk that makes keys case-sensitive, then the same
// Unmarshal) on message bodies of 1 KB and 512 KB.
func BenchmarkSvixleftDecode(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"1KB", 1 << 10}, {"512KB", 512 << 10}} {
		body := svixleftBody(size.n)
		b.Run("Unmarshal/"+size.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				var in msgIn
				if err := json.Unmarshal(body, &in); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("UnmarshalExact/"+size.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				var in msgIn
				if err := provider.UnmarshalExact(body, &in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
