package config

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxProblem turns a yaml.v3 parse error into a located problem.
// yaml.v3 prints scanner errors with their 1-based line, parser errors
// ("did not find expected key") with the 0-based line of the construct
// it was parsing, and no line at all for errors on the first line, for
// reader errors (invalid UTF-8, control characters) and for alias
// errors; each is located here from the text as well as it can be.
func syntaxProblem(data []byte, err error) Problem {
	text := err.Error()
	msg := strings.TrimPrefix(text, "yaml: ")
	line := 0
	if m := yamlLineRE.FindStringSubmatch(text); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		if parserError(msg) {
			line++
		}
		line = firstFailingLine(data, msg, line)
	} else {
		line = locateLineless(data, msg)
	}
	return Problem{Line: clampLine(data, line), Msg: "YAML syntax: " + msg}
}

// firstFailingLine refines the line of a parse error. yaml.v3 names the
// line where the construct it was parsing began (a block mapping), not
// the line that broke it; the first line whose prefix of the file fails
// with the same message is that line. Prefixes are parsed from the
// reported line on, within a budget; past it, or in a file too long,
// the reported line stands.
func firstFailingLine(data []byte, msg string, reported int) int {
	const maxLines = 2000
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) > maxLines || reported < 1 {
		return reported
	}
	budget := 4 << 20 // bytes parsed in all, so that a hostile file stays cheap
	for l := reported; l <= len(lines) && budget > 0; l++ {
		prefix := bytes.Join(lines[:l], nil)
		budget -= len(prefix)
		var n yaml.Node
		err := yaml.Unmarshal(prefix, &n)
		if err == nil {
			continue
		}
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil && m[2] == msg {
			return l
		}
	}
	return reported
}

// parserError reports the messages of yaml.v3's parser (as opposed to
// its scanner), whose line numbers are 0-based.
func parserError(msg string) bool {
	for _, p := range []string{"did not find expected", "found duplicate %", "found incompatible YAML document", "found undefined tag handle"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

var anchorRE = regexp.MustCompile(`anchor '([^']*)'`)

// locateLineless finds the line of an error yaml.v3 reports without one.
func locateLineless(data []byte, msg string) int {
	switch {
	case strings.Contains(msg, "UTF-8") || strings.Contains(msg, "control characters") || strings.Contains(msg, "Unicode"):
		if off := firstBadRune(data); off >= 0 {
			return lineAt(data, off)
		}
	case strings.Contains(msg, "unknown anchor"):
		if m := anchorRE.FindStringSubmatch(msg); m != nil {
			if off := bytes.Index(data, []byte("*"+m[1])); off >= 0 {
				return lineAt(data, off)
			}
		}
	case strings.Contains(msg, "contains itself"):
		if m := anchorRE.FindStringSubmatch(msg); m != nil {
			if off := bytes.Index(data, []byte("&"+m[1])); off >= 0 {
				return lineAt(data, off)
			}
		}
	case strings.Contains(msg, "aliasing"):
		if off := bytes.IndexByte(data, '*'); off >= 0 {
			return lineAt(data, off)
		}
	case strings.Contains(msg, "merge"):
		if off := bytes.Index(data, []byte("<<")); off >= 0 {
			return lineAt(data, off)
		}
	}
	// Scanner and parser errors without a line are on the first line
	// (yaml.v3 omits line 0 of its 0-based marks).
	return 1
}

// firstBadRune returns the offset of the first byte sequence YAML does
// not accept: invalid UTF-8 or a control character other than tab, line
// feed and carriage return; -1 when there is none.
func firstBadRune(data []byte) int {
	for off := 0; off < len(data); {
		r, size := utf8.DecodeRune(data[off:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return off
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r',
			r >= 0x7F && r <= 0x9F && r != 0x85,
			r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
			return off
		}
		off += size
	}
	return -1
}

// lineAt returns the 1-based line of a byte offset.
func lineAt(data []byte, off int) int {
	return bytes.Count(data[:min(off, len(data))], []byte("\n")) + 1
}

// clampLine keeps a line inside the file: an error at the end of the
// stream is on its last line.
func clampLine(data []byte, line int) int {
	last := bytes.Count(bytes.TrimRight(data, "\n\r \t"), []byte("\n")) + 1
	return max(1, min(line, last))
}

// errorLines flattens an error into its messages: the members of joined
// errors, each message of a yaml.TypeError (whose header line is
// dropped), and the lines of any other error.
func errorLines(err error) []string {
	var te *yaml.TypeError
	switch e := err.(type) {
	case nil:
		return nil
	case interface{ Unwrap() []error }:
		var out []string
		for _, m := range e.Unwrap() {
			out = append(out, errorLines(m)...)
		}
		return out
	}
	if errors.As(err, &te) && te.Error() == err.Error() {
		return te.Errors
	}
	return strings.Split(err.Error(), "\n")
}

var cannotDecodeRE = regexp.MustCompile("(?s)^cannot decode (!!\\w+) `(.*)` as a (!!\\w+)$")

// locateDecodeError gives a line to an error yaml.v3's decoder reports
// without one (it stops decoding at it): the first node under n that
// matches the message, or n itself. A value the message quotes is
// dropped.
func locateDecodeError(n *yaml.Node, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if lineRE.MatchString(err.Error()) {
		return err
	}
	var match func(k, v *yaml.Node) bool
	switch m := cannotDecodeRE.FindStringSubmatch(msg); {
	case m != nil:
		msg = fmt.Sprintf("a %s value cannot be read as %s (remove the tag or quote the value)", m[1], m[3])
		match = func(_, v *yaml.Node) bool {
			return v != nil && v.Kind == yaml.ScalarNode && v.Tag == m[3] && v.Value == m[2]
		}
	case strings.Contains(msg, "merge"):
		match = func(k, _ *yaml.Node) bool { return k != nil && k.Tag == "!!merge" }
	case strings.Contains(msg, "base64"):
		match = func(_, v *yaml.Node) bool { return v != nil && v.Tag == "!!binary" }
	case strings.Contains(msg, "invalid map key"):
		msg = "a mapping or list cannot be a key"
		match = func(k, _ *yaml.Node) bool { return k != nil && k.Kind != yaml.ScalarNode }
	case strings.Contains(msg, "contains itself"):
		name := ""
		if a := anchorRE.FindStringSubmatch(msg); a != nil {
			name = a[1]
		}
		match = func(_, v *yaml.Node) bool { return v != nil && v.Anchor == name }
	case strings.Contains(msg, "aliasing"):
		match = func(_, v *yaml.Node) bool { return v != nil && v.Kind == yaml.AliasNode }
	}
	line := n.Line
	if found := findNode(n, match, 0); found > 0 {
		line = found
	}
	return fmt.Errorf("line %d: %s", max(line, 1), msg)
}

// findNode returns the line of the first node under n that match
// accepts, as match(nil, node) for a value or match(key, nil) for a
// mapping key; aliases are not followed.
func findNode(n *yaml.Node, match func(k, v *yaml.Node) bool, depth int) int {
	if n == nil || match == nil || depth > 64 {
		return 0
	}
	if match(nil, n) {
		return n.Line
	}
	if n.Kind == yaml.AliasNode {
		return 0
	}
	for i, c := range n.Content {
		if n.Kind == yaml.MappingNode && i%2 == 0 && match(c, nil) {
			return c.Line
		}
		if l := findNode(c, match, depth+1); l > 0 {
			return l
		}
	}
	return 0
}
