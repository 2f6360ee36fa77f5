package config

import (
	"bytes"
	"strconv"
	"strings"
)

// yamlParserProblems are the errors of yaml.v3's parser (not its
// scanner): for these it reports the line of the problem, or of the
// mapping or list around it, counted from 0, so one less than the
// line an editor shows ("b: {x" on line 2 was "line 1"), and none at all
// on the first line.
var yamlParserProblems = []string{
	"did not find expected ',' or '}'",
	"did not find expected ',' or ']'",
	"did not find expected key",
	"did not find expected '-' indicator",
	"did not find expected node content",
	"did not find expected <document start>",
	"found undefined tag handle",
	"found duplicate %YAML directive",
	"found duplicate %TAG directive",
	"found incompatible YAML document",
}

// YAMLErrorLine is msg, yaml.v3's error decoding data ("yaml: line 1:
// did not find expected ',' or '}'"), with the line an editor shows for
// it: one more for the parser's errors (no further than data's last
// line: a problem at its end is on that line), and line 1 for one it
// gave no line. Other errors (the scanner's, which count from 1, and
// unmarshal errors) are returned as they are.
func YAMLErrorLine(msg string, data []byte) string {
	rest, ok := strings.CutPrefix(msg, "yaml: ")
	if !ok {
		return msg
	}
	line := 0
	if after, ok := strings.CutPrefix(rest, "line "); ok {
		n, problem, ok := strings.Cut(after, ": ")
		v, err := strconv.Atoi(n)
		if !ok || err != nil {
			return msg
		}
		line, rest = v, problem
	}
	parser := false
	for _, p := range yamlParserProblems {
		if rest == p {
			parser = true
			break
		}
	}
	if !parser {
		return msg
	}
	lines := bytes.Count(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		lines++
	}
	line = min(line+1, max(lines, 1))
	return "yaml: line " + strconv.Itoa(line) + ": " + rest
}
