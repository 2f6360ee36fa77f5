package check

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/hookctl/hookctl/internal/ui"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML: one testcase per check,
// failures with their evidence, skips with their reason, warnings as
// passing cases whose output says WARN.
func WriteJUnit(w io.Writer, r *Report) error {
	secs := func(ms int64) string { return fmt.Sprintf("%.3f", float64(ms)/1000) }
	s := junitSuite{Name: "hookctl check " + r.URL, Tests: len(r.Checks), Failures: r.Summary.Failed,
		Skipped: r.Summary.Skipped, Time: secs(r.Elapsed.Milliseconds()),
		Properties: []junitProperty{{"url", r.URL}, {"scheme", r.Scheme}, {"provider", r.Provider}, {"event", r.Event}, {"run_id", r.RunID}}}
	for _, c := range r.Checks {
		tc := junitCase{Name: c.ID, Classname: "hookctl.check", Time: secs(c.LatencyMS)}
		// The evidence quotes the receiver's answer: its control bytes
		// written as the terminal shows them (\x1b), not as the U+FFFD
		// XML puts in their place ("\ufffd]0;pwned\ufffd" told nothing).
		detail := ui.Printable(c.Detail, false)
		var ev strings.Builder
		fmt.Fprintf(&ev, "%s: %s\n%s\n", c.Verdict, c.Title, detail)
		if c.Hint != "" {
			fmt.Fprintf(&ev, "hint: %s\n", c.Hint)
		}
		if c.DeliveryID != "" {
			fmt.Fprintf(&ev, "probe: hookctl deliveries show %s\n", c.DeliveryID)
		}
		if c.RedirectDeliveryID != "" {
			fmt.Fprintf(&ev, "redirect's target asked: hookctl deliveries show %s\n", c.RedirectDeliveryID)
		}
		switch c.Verdict {
		case Fail:
			tc.Failure = &junitMessage{Message: c.Title + ": " + detail, Type: "FAIL", Text: ev.String()}
		case Skip:
			tc.Skipped = &junitMessage{Message: detail}
		default:
			tc.SystemOut = ev.String()
		}
		s.Cases = append(s.Cases, tc)
	}
	doc := junitSuites{Name: "hookctl check", Tests: s.Tests, Failures: s.Failures, Skipped: s.Skipped, Time: s.Time,
		Suites: []junitSuite{s}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
