package bullhorntest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// cond is a parsed where clause: the subset of Bullhorn's JPQL-like
// syntax the fake understands — comparisons of a field with a number,
// boolean or quoted string, combined with AND, OR and parentheses.
type cond interface {
	eval(get func(field string) any) bool
	// lower returns the smallest value of field any match can have.
	lower(field string) (int64, bool)
}

type and []cond
type or []cond

type cmp struct {
	field, op string
	value     any // int64, bool or string
}

func (c and) eval(get func(string) any) bool {
	for _, x := range c {
		if !x.eval(get) {
			return false
		}
	}
	return true
}

func (c and) lower(field string) (int64, bool) {
	var lo int64
	found := false
	for _, x := range c {
		if v, ok := x.lower(field); ok && (!found || v > lo) {
			lo, found = v, true
		}
	}
	return lo, found
}

func (c or) eval(get func(string) any) bool {
	for _, x := range c {
		if x.eval(get) {
			return true
		}
	}
	return false
}

func (c or) lower(field string) (int64, bool) {
	var lo int64
	for i, x := range c {
		v, ok := x.lower(field)
		if !ok {
			return 0, false
		}
		if i == 0 || v < lo {
			lo = v
		}
	}
	return lo, len(c) > 0
}

func (c cmp) lower(field string) (int64, bool) {
	v, ok := c.value.(int64)
	if !ok || c.field != field {
		return 0, false
	}
	switch c.op {
	case ">=", "=":
		return v, true
	case ">":
		return v + 1, true
	}
	return 0, false
}

func (c cmp) eval(get func(string) any) bool {
	var got any
	switch v := get(c.field).(type) {
	case int:
		got = int64(v)
	case int64, bool, string:
		got = v
	case float64:
		got = int64(v)
	default:
		return false
	}
	switch want := c.value.(type) {
	case int64:
		g, ok := got.(int64)
		return ok && compare(g, want, c.op)
	case bool:
		g, ok := got.(bool)
		return ok && ((c.op == "=") == (g == want)) && (c.op == "=" || c.op == "<>")
	case string:
		g, ok := got.(string)
		return ok && ((c.op == "=") == (g == want)) && (c.op == "=" || c.op == "<>")
	}
	return false
}

func compare(a, b int64, op string) bool {
	switch op {
	case "=":
		return a == b
	case "<>":
		return a != b
	case "<":
		return a < b
	case "<=":
		return a <= b
	case ">":
		return a > b
	case ">=":
		return a >= b
	}
	return false
}

var errWhere = errors.New("malformed where clause")

// parseWhere parses a where clause; fields must be in known.
func parseWhere(s string, known map[string]bool) (cond, error) {
	p := &whereParser{toks: tokenize(s), known: known}
	c, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, errWhere
	}
	return c, nil
}

type whereParser struct {
	toks  []string
	pos   int
	known map[string]bool
}

func (p *whereParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *whereParser) expr() (cond, error) {
	var terms or
	for {
		t, err := p.term()
		if err != nil {
			return nil, err
		}
		terms = append(terms, t)
		if !strings.EqualFold(p.peek(), "OR") {
			break
		}
		p.pos++
	}
	if len(terms) == 1 {
		return terms[0], nil
	}
	return terms, nil
}

func (p *whereParser) term() (cond, error) {
	var factors and
	for {
		f, err := p.factor()
		if err != nil {
			return nil, err
		}
		factors = append(factors, f)
		if !strings.EqualFold(p.peek(), "AND") {
			break
		}
		p.pos++
	}
	if len(factors) == 1 {
		return factors[0], nil
	}
	return factors, nil
}

func (p *whereParser) factor() (cond, error) {
	if p.peek() == "(" {
		p.pos++
		c, err := p.expr()
		if err != nil || p.peek() != ")" {
			return nil, errWhere
		}
		p.pos++
		return c, nil
	}
	if p.pos+3 > len(p.toks) {
		return nil, errWhere
	}
	field, op, lit := p.toks[p.pos], p.toks[p.pos+1], p.toks[p.pos+2]
	p.pos += 3
	if !p.known[field] {
		return nil, fmt.Errorf("unknown field %s", field)
	}
	switch op {
	case "=", "<>", "<", "<=", ">", ">=":
	default:
		return nil, errWhere
	}
	c := cmp{field: field, op: op}
	switch {
	case strings.HasPrefix(lit, "'") && strings.HasSuffix(lit, "'") && len(lit) >= 2:
		c.value = lit[1 : len(lit)-1]
	case strings.EqualFold(lit, "true") || strings.EqualFold(lit, "false"):
		c.value = strings.EqualFold(lit, "true")
	default:
		v, err := strconv.ParseInt(lit, 10, 64)
		if err != nil {
			return nil, errWhere
		}
		c.value = v
	}
	return c, nil
}

// tokenize splits a where clause into identifiers, literals, operators
// and parentheses.
func tokenize(s string) []string {
	var toks []string
	for i := 0; i < len(s); {
		c := rune(s[i])
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '(' || c == ')':
			toks = append(toks, string(c))
			i++
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return append(toks, s[i:])
			}
			toks = append(toks, s[i:i+j+2])
			i += j + 2
		case strings.ContainsRune("<>=!", c):
			j := i + 1
			for j < len(s) && strings.ContainsRune("<>=", rune(s[j])) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			j := i
			for j < len(s) && !unicode.IsSpace(rune(s[j])) && !strings.ContainsRune("()<>=!'", rune(s[j])) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks
}
