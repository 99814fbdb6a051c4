package salesforcetest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// fieldType is the SOQL type of a field, which decides the literals it
// may be compared with.
type fieldType int

const (
	tID fieldType = iota
	tString
	tBool
	tNumber
	tDate
	tDateTime
)

var common = map[string]fieldType{"Id": tID, "CreatedDate": tDateTime, "LastModifiedDate": tDateTime, "SystemModstamp": tDateTime}

// schema lists each sObject's fields (beyond common) with their types.
var schema = [numKinds]map[string]fieldType{
	User: {"Username": tString, "Email": tString, "FirstName": tString, "LastName": tString, "Name": tString,
		"Alias": tString, "Phone": tString, "IsActive": tBool},
	Opportunity: {"IsDeleted": tBool, "Name": tString, "Description": tString, "NextStep": tString, "StageName": tString,
		"IsWon": tBool, "IsClosed": tBool, "Amount": tNumber, "CloseDate": tDate, "OwnerId": tID, "CurrencyIsoCode": tString},
	Lead: {"IsDeleted": tBool, "MasterRecordId": tID, "FirstName": tString, "LastName": tString, "Name": tString,
		"Email": tString, "Phone": tString, "Company": tString, "Status": tString, "LeadSource": tString, "OwnerId": tID,
		"CurrencyIsoCode": tString},
	Task: {"IsDeleted": tBool, "Subject": tString, "Description": tString, "WhoId": tID, "OwnerId": tID, "Type": tString,
		"TaskSubtype": tString, "ActivityDate": tDate, "Status": tString, "IsArchived": tBool},
	Event: {"IsDeleted": tBool, "Subject": tString, "Description": tString, "WhoId": tID, "OwnerId": tID, "Type": tString,
		"EventSubtype": tString, "ActivityDateTime": tDateTime, "ActivityDate": tDate, "IsAllDayEvent": tBool,
		"DurationInMinutes": tNumber, "IsArchived": tBool},
}

// lookup resolves a field name case-insensitively to its API casing.
func (d *Dataset) lookup(k Kind, name string) (string, fieldType, bool) {
	for _, m := range []map[string]fieldType{common, schema[k]} {
		for f, t := range m {
			if strings.EqualFold(f, name) {
				if f == "CurrencyIsoCode" && !d.multiCurrency {
					return "", 0, false
				}
				return f, t, true
			}
		}
	}
	return "", 0, false
}

// cond is one "field op literal" comparison of a WHERE clause.
type cond struct {
	field string
	op    string
	val   any // time.Time, string, bool, float64 or nil
	date  bool
}

// query is a parsed SOQL statement.
type query struct {
	kind   Kind
	fields []string
	where  []cond
	byID   bool // ORDER BY Id (or none) rather than SystemModstamp, Id
	limit  int
}

// soqlError is a REST error the SOQL parser answers with (400).
type soqlError struct{ code, msg string }

func (e *soqlError) Error() string { return e.code + ": " + e.msg }

var (
	tokenRE    = regexp.MustCompile(`\s*('(?:[^'\\]|\\.)*'|<=|>=|!=|<>|[=<>,()]|[^\s,=<>!()']+)`)
	dateTimeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?(Z|[+-]\d\d:\d\d)$`)
	dateRE     = regexp.MustCompile(`^\d{4}-\d\d-\d\d$`)
)

func malformed(format string, a ...any) error {
	return &soqlError{"MALFORMED_QUERY", fmt.Sprintf(format, a...)}
}

// parse reads the SOQL subset the fake serves:
// SELECT f, … FROM Object [WHERE c AND …] [ORDER BY f [ASC], …] [LIMIT n].
func (d *Dataset) parse(q string) (*query, error) {
	var toks []string
	for _, m := range tokenRE.FindAllStringSubmatch(q, -1) {
		toks = append(toks, m[1])
	}
	if strings.TrimSpace(q) == "" {
		return nil, malformed("A query string has to be specified")
	}
	kw := func(i int, w string) bool { return i < len(toks) && strings.EqualFold(toks[i], w) }
	if !kw(0, "SELECT") {
		return nil, malformed("unexpected token: '%s'", first(toks))
	}
	i := 1
	var names []string
	for ; i < len(toks) && !kw(i, "FROM"); i++ {
		if toks[i] != "," {
			names = append(names, toks[i])
		}
	}
	if i+1 >= len(toks) || len(names) == 0 {
		return nil, malformed("unexpected token: 'FROM'")
	}
	k, ok := KindOf(toks[i+1])
	if !ok {
		return nil, &soqlError{"INVALID_TYPE", fmt.Sprintf("sObject type '%s' is not supported.", toks[i+1])}
	}
	qq := &query{kind: k, byID: true}
	for _, n := range names {
		f, _, ok := d.lookup(k, n)
		if !ok {
			return nil, noColumn(n, k)
		}
		qq.fields = append(qq.fields, f)
	}
	i += 2
	if kw(i, "WHERE") {
		i++
		for {
			if i+2 >= len(toks) {
				return nil, malformed("unexpected end of query")
			}
			c, err := d.cond(k, toks[i], toks[i+1], toks[i+2])
			if err != nil {
				return nil, err
			}
			qq.where = append(qq.where, c)
			i += 3
			if !kw(i, "AND") {
				break
			}
			i++
		}
	}
	if kw(i, "ORDER") && kw(i+1, "BY") {
		var order []string
		for i += 2; i < len(toks) && !kw(i, "LIMIT"); i++ {
			if t := toks[i]; t != "," && !strings.EqualFold(t, "ASC") {
				f, _, ok := d.lookup(k, t)
				if !ok {
					return nil, noColumn(t, k)
				}
				order = append(order, f)
			}
		}
		qq.byID = len(order) == 0 || order[0] == "Id"
	}
	if kw(i, "LIMIT") && i+1 < len(toks) {
		n, err := strconv.Atoi(toks[i+1])
		if err != nil || n < 0 {
			return nil, malformed("unexpected token: '%s'", toks[i+1])
		}
		qq.limit, i = n, i+2
	}
	if i < len(toks) {
		return nil, malformed("unexpected token: '%s'", toks[i])
	}
	return qq, nil
}

func first(toks []string) string {
	if len(toks) == 0 {
		return ""
	}
	return toks[0]
}

func noColumn(name string, k Kind) error {
	return &soqlError{"INVALID_FIELD", fmt.Sprintf("No such column '%s' on entity '%s'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.", name, k)}
}

// cond parses one comparison, checking the literal against the field's
// type as Salesforce does: datetimes and dates are unquoted.
func (d *Dataset) cond(k Kind, name, op, lit string) (cond, error) {
	f, t, ok := d.lookup(k, name)
	if !ok {
		return cond{}, noColumn(name, k)
	}
	switch op {
	case "=", "!=", "<>", "<", "<=", ">", ">=":
	default:
		return cond{}, malformed("unexpected token: '%s'", op)
	}
	c := cond{field: f, op: op}
	bad := func(want string) error {
		return &soqlError{"INVALID_FIELD", fmt.Sprintf("value of filter criterion for field '%s' must be of type %s and should not be enclosed in quotes", f, want)}
	}
	switch {
	case strings.EqualFold(lit, "null"):
		c.val = nil
	case t == tDateTime:
		if !dateTimeRE.MatchString(lit) {
			return cond{}, bad("dateTime")
		}
		c.val, _ = time.Parse(time.RFC3339Nano, lit)
	case t == tDate:
		if !dateRE.MatchString(lit) {
			return cond{}, bad("date")
		}
		c.val, _ = time.Parse(time.DateOnly, lit)
		c.date = true
	case t == tBool:
		b, err := strconv.ParseBool(strings.ToLower(lit))
		if err != nil || strings.HasPrefix(lit, "'") {
			return cond{}, bad("boolean")
		}
		c.val = b
	case t == tNumber:
		n, err := strconv.ParseFloat(lit, 64)
		if err != nil {
			return cond{}, bad("double")
		}
		c.val = n
	default:
		if len(lit) < 2 || lit[0] != '\'' || lit[len(lit)-1] != '\'' {
			return cond{}, malformed("unexpected token: '%s'", lit)
		}
		c.val = strings.ReplaceAll(lit[1:len(lit)-1], `\'`, `'`)
	}
	return c, nil
}

// match evaluates the comparison on a record.
func (c cond) match(rec map[string]any) bool {
	v := rec[c.field]
	if c.val == nil || v == nil {
		eq := c.val == nil && v == nil
		return (c.op == "=" && eq) || ((c.op == "!=" || c.op == "<>") && !eq)
	}
	cmp := 0
	switch want := c.val.(type) {
	case time.Time:
		s, _ := v.(string)
		got, ok := parseWire(s)
		if !ok {
			return false
		}
		cmp = got.Compare(want)
	case string:
		s, _ := v.(string)
		cmp = strings.Compare(s, want)
	case float64:
		n, ok := v.(float64)
		if !ok {
			return false
		}
		cmp = map[bool]int{true: -1, false: 0}[n < want] + map[bool]int{true: 1, false: 0}[n > want]
	case bool:
		b, _ := v.(bool)
		if b == want {
			cmp = 0
		} else {
			cmp = 1
		}
	}
	switch c.op {
	case "=":
		return cmp == 0
	case "!=", "<>":
		return cmp != 0
	case "<":
		return cmp < 0
	case "<=":
		return cmp <= 0
	case ">":
		return cmp > 0
	}
	return cmp >= 0
}

func parseWire(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04:05.000-0700", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
