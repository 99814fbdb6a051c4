package config

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// lineIndex locates the keys of one YAML document: keys maps each key
// path ("kafka.partitions", "tenants[0].connectors[1].options.token"; a
// list item is its path with [i]) to the line of its key, values lists
// per line the paths whose value starts on it, so that a decoding error
// reported at a value's line can name its key.
type lineIndex struct {
	keys   map[string]int
	values map[int][]valueAt
}

type valueAt struct {
	path string
	kind yaml.Kind
}

func newLineIndex(n *yaml.Node) *lineIndex {
	x := &lineIndex{keys: map[string]int{}, values: map[int][]valueAt{}}
	x.walk(n, "", 0)
	return x
}

// walk records n's keys under path. Aliases are not followed: their
// target is indexed where it is written, and following them could
// multiply the work (a billion-laughs document).
func (x *lineIndex) walk(n *yaml.Node, path string, depth int) {
	if n == nil || depth > 64 {
		return
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			x.walk(c, path, depth+1)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			if _, dup := x.keys[p]; !dup {
				x.keys[p] = k.Line
			}
			x.values[v.Line] = append(x.values[v.Line], valueAt{p, v.Kind})
			x.walk(v, p, depth+1)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			x.keys[p] = item.Line
			x.values[item.Line] = append(x.values[item.Line], valueAt{p, item.Kind})
			x.walk(item, p, depth+1)
		}
	}
}

var (
	// pathRE is a key path at the start of a message: "kafka.retention",
	// "tenants[0].connectors[1]".
	pathRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])*(?:\.[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])*)*`)
	// wordRE is the key a message names after its path: "…: token: …".
	wordRE = regexp.MustCompile(`^: ([a-z_][a-z0-9_]*)[:, ]`)
)

// line returns the line of the most specific key a message names: its
// leading path, extended by the keys that follow it ("warehouse:
// reader_role …", "tenants[0].connectors[0]: token: …"), or the closest
// located ancestor; 0 when none is located.
func (x *lineIndex) line(msg string) int {
	if x == nil {
		return 0
	}
	path := pathRE.FindString(msg)
	if path == "" {
		return 0
	}
	for rest := msg[len(path):]; ; {
		m := wordRE.FindStringSubmatch(rest)
		if m == nil {
			break
		}
		next := ""
		for _, p := range []string{path + "." + m[1], path + ".options." + m[1]} {
			if _, ok := x.keys[p]; ok {
				next = p
				break
			}
		}
		if next == "" {
			break
		}
		path, rest = next, rest[len(m[1])+2:]
	}
	for p := path; p != ""; p = parent(p) {
		if l, ok := x.keys[p]; ok {
			return l
		}
	}
	return 0
}

// parent drops the last element of a key path.
func parent(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

var unmarshalRE = regexp.MustCompile("(?s)^(.*?)cannot unmarshal (!!\\w+) (?:`.*` )?into (\\S+)$")

// typeProblem rewrites yaml.v3's "cannot unmarshal !!str `value` into
// int" as "<key>: want int, got !!str": the key it concerns instead of
// the value, which may be a misplaced secret.
func (x *lineIndex) typeProblem(p Problem) Problem {
	m := unmarshalRE.FindStringSubmatch(p.Msg)
	if m == nil {
		return p
	}
	prefix, tag, into := m[1], m[2], m[3]
	want := yaml.ScalarNode
	switch tag {
	case "!!map":
		want = yaml.MappingNode
	case "!!seq":
		want = yaml.SequenceNode
	}
	if x != nil {
		for _, v := range x.values[p.Line] {
			if v.kind == want {
				prefix = v.path + ": "
				break
			}
		}
	}
	p.Msg = fmt.Sprintf("%swant %s, got %s", prefix, typeWord(into), tag)
	return p
}

// typeWord names a Go type the way the configuration reference does.
func typeWord(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map["):
		return "a mapping"
	case strings.Contains(goType, "int"):
		return "an integer"
	case strings.Contains(goType, "float"):
		return "a number"
	case goType == "bool":
		return "true or false"
	case goType == "string":
		return "a string"
	case goType == "time.Duration":
		return "a duration"
	}
	return "a mapping (" + goType + ")"
}

// finish locates, completes and sorts problems: each gets the line of
// the key its message names when that is more specific than the line it
// came with, decoding errors name their key, "unknown … (known: …)"
// gets a suggestion. Problems without a line sort first.
func (x *lineIndex) finish(ps Problems) Problems {
	out := make(Problems, 0, len(ps))
	seen := map[Problem]bool{}
	for _, p := range ps {
		p = x.typeProblem(p)
		p = x.nameValue(p)
		if l := x.line(p.Msg); l > p.Line {
			p.Line = l
		}
		p.Msg = suggestKnown(p.Msg)
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// nameValue names the key of a problem that a decoder reported at a
// value's line without naming it ("line 11: invalid duration …", or
// "tenants[0].connectors[0]: a secret must be …" at the token's line):
// the scalar under the path the message starts with, on that line.
func (x *lineIndex) nameValue(p Problem) Problem {
	if x == nil || p.Line == 0 || strings.HasPrefix(p.Msg, "YAML") {
		return p
	}
	base, rest := "", p.Msg
	if path := pathRE.FindString(p.Msg); path != "" {
		if _, ok := x.keys[path]; ok {
			if x.keys[path] == p.Line {
				return p // the message names the key on its line
			}
			base, rest = path, strings.TrimPrefix(p.Msg[len(path):], ": ")
		}
	}
	if strings.HasPrefix(rest, "unknown key ") {
		return p
	}
	for _, v := range x.values[p.Line] {
		if v.kind == yaml.ScalarNode && (base == "" || strings.HasPrefix(v.path, base+".")) {
			last := v.path[strings.LastIndexAny(v.path, ".]")+1:]
			p.Msg = v.path + ": " + strings.TrimPrefix(rest, last+": ")
			return p
		}
	}
	return p
}
