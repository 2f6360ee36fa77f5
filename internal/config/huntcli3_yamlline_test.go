package config

import (
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestHuntcli3YAMLErrorLine: the line YAMLErrorLine gives yaml.v3's
// errors is the one the mistake is on (or, for an unclosed [ or {, the
// one it opens on), as an editor counts.
func TestHuntcli3YAMLErrorLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a: 1\nb: {x\n", "yaml: line 2: did not find expected ',' or '}'"},
		{"a: 1\n\n\nb: [x, 2\nc: 3\n", "yaml: line 4: did not find expected ',' or ']'"},
		{"{x: 1\n", "yaml: line 1: did not find expected ',' or '}'"},
		{"a: 1\n- b\n", "yaml: line 2: did not find expected key"},
		{"a: 1\nb: }\n", "yaml: line 2: did not find expected node content"},
		{"a: 1\nb: 2\nc: [\n", "yaml: line 3: did not find expected node content"},
		{"a: 1\nb: [", "yaml: line 2: did not find expected node content"},
		// the scanner's lines were right
		{"a: 1\nb: 2\n  c: 3\n", "yaml: line 3: mapping values are not allowed in this context"},
		{"a: 1\nb: \"x\n", "yaml: line 2: found unexpected end of stream"},
	} {
		var n yaml.Node
		err := yaml.Unmarshal([]byte(tc.in), &n)
		if err == nil {
			t.Fatalf("%q: no error", tc.in)
		}
		if got := YAMLErrorLine(err.Error(), []byte(tc.in)); got != tc.want {
			t.Errorf("%q: yaml.v3 said %q; got %q, want %q", tc.in, err, got, tc.want)
		}
	}
	if got := YAMLErrorLine("yaml: unmarshal errors:\n  line 3: x", nil); got != "yaml: unmarshal errors:\n  line 3: x" {
		t.Errorf("an unmarshal error changed: %q", got)
	}
}
