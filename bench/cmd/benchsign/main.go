// Command benchsign writes the wrk Lua script of the listen benchmark: a
// POST of a 1 KiB JSON body signed the Standard Webhooks way with the
// listener's secret (timestamp now, so it stays valid for 5 minutes).
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	secret := flag.String("secret", "", "whsec_… secret")
	size := flag.Int("size", 1024, "body size in bytes")
	flag.Parse()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(*secret, "whsec_"))
	if err != nil {
		log.Fatalf("bad secret: %v", err)
	}
	head := `{"type":"payment.succeeded","timestamp":"2026-11-23T10:04:12Z","data":{"id":"pay_1","amount":1250,"note":"`
	tail := `"}}`
	body := head + strings.Repeat("x", max(0, *size-len(head)-len(tail))) + tail
	id := "msg_bench_0001"
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s.%s.%s", id, ts, body)
	sig := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	fmt.Fprintf(os.Stdout, `wrk.method = "POST"
wrk.body = %q
wrk.headers["Content-Type"] = "application/json"
wrk.headers["webhook-id"] = %q
wrk.headers["webhook-timestamp"] = %q
wrk.headers["webhook-signature"] = %q
`, body, id, ts, sig)
}
