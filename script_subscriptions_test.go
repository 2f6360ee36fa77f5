package main

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/app"
	"github.com/hookctl/hookctl/internal/store"
)

// jsonget VAR FILE PATH [N]: set $VAR to the value at gjson PATH in the
// JSON file FILE, cut to its first N characters when N is given.
func cmdJSONGet(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 && len(args) != 4 {
		ts.Fatalf("usage: jsonget VAR FILE PATH [N]")
	}
	b, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	r := gjson.GetBytes(b, args[2])
	if !r.Exists() {
		if neg {
			return
		}
		ts.Fatalf("%s: no value at %s", args[1], args[2])
	}
	if neg {
		ts.Fatalf("%s: %s exists", args[1], args[2])
	}
	v := r.String()
	if len(args) == 4 {
		n, err := strconv.Atoi(args[3])
		ts.Check(err)
		if n < len(v) {
			v = v[:n]
		}
	}
	ts.Setenv(args[0], v)
}

// seedSubscriptions is the `seedsubs ID...` program: it stores
// subscriptions with the given IDs (for ID-prefix tests) in $HOOKCTL_STORE.
func seedSubscriptions() int {
	ctx := context.Background()
	st, err := app.OpenStore(ctx, os.Getenv("HOOKCTL_STORE"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	defer st.Close()
	for _, id := range os.Args[1:] {
		sub := &store.Subscription{ID: id, CallbackURL: "http://127.0.0.1:9/" + id, Events: []string{"*"},
			Status: store.StatusEnabled, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "auto"}
		if err := st.CreateSubscription(ctx, sub); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}
