package listen

import (
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// fitSummary: whole without a width (piped: byte for byte as before);
// within one, fewer types listed, then the one left cut by its end, the
// count and the statuses whole; on a terminal narrower than those, the
// line cut by its end.
func TestCurlfixFitSummary(t *testing.T) {
	names := []string{"98 customer.subscription.trial_will_end", "99 invoice.payment_action_required", "99 payment_intent.amount_capturable_updated"}
	for _, tc := range []struct {
		w    int
		want string
	}{
		{0, "… 296 more 98 customer.subscription.trial_will_end, 99 invoice.payment_action_required, 99 payment_intent.amount_capturable_updated; 197 × 200, 99 × 500"},
		{200, "… 296 more 98 customer.subscription.trial_will_end, 99 invoice.payment_action_required, 99 payment_intent.amount_capturable_updated; 197 × 200, 99 × 500"},
		{120, "… 296 more 98 customer.subscription.trial_will_end, 99 invoice.payment_action_required …; 197 × 200, 99 × 500"},
		{80, "… 296 more 98 customer.subscription.trial_will_end …; 197 × 200, 99 × 500"},
		{60, "… 296 more 98 customer.subscription.… …; 197 × 200, 99 × 500"},
		{30, "… 296 more 98 customer.subscr…"},
	} {
		got := fitSummary("… 296 more", names, "; 197 × 200, 99 × 500", tc.w)
		if got != tc.want {
			t.Errorf("width %d:\n got %q\nwant %q", tc.w, got, tc.want)
		}
		if tc.w > 0 && ansi.StringWidth(got) > tc.w {
			t.Errorf("width %d: %d columns", tc.w, ansi.StringWidth(got))
		}
	}
	// One type: no count before it, as before.
	if got := fitSummary("… 8 more", []string{"card.created"}, ", all 200", 0); got != "… 8 more card.created, all 200" {
		t.Errorf("one type: %q", got)
	}
}
