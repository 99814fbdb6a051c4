package pipeline

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"sync"
	"time"
)

// The binary form of a raw message, version 1 (see Decode for why it
// exists and how it is told apart from the older JSON form):
//
//	message    = 0x01 kind body
//	kind       = 'r' record | 'x' reject stub | 'c' checkpoint
//	record     = str:tenant str:source str:object str:id str:key str:op
//	             time:version uvarint:n n×(str:name value)
//	reject     = record (n = 0) str:stage str:field str:rule
//	checkpoint = str:tenant str:source str:object varint:seq str:cursor varint:lease
//	str        = uvarint:length bytes (kept byte for byte, UTF-8 or not)
//	time       = varint:unix-seconds uvarint:nanoseconds varint:zone-offset-seconds
//	value      = 0x00 (nil) | 0x01 (false) | 0x02 (true) | 0x03 str (string)
//	           | 0x04 str (number: JSON number text, exact)
//	           | 0x05 time
//	           | 0x06 str (any other value as its JSON text)
//
// varint is zig-zag, both as in encoding/binary. A time keeps its
// instant to the nanosecond and its zone offset, not its zone name.
const formatV1 = 0x01

const (
	kindRecord     = 'r'
	kindReject     = 'x'
	kindCheckpoint = 'c'
)

const (
	tagNil = iota
	tagFalse
	tagTrue
	tagString
	tagNumber
	tagTime
	tagJSON
)

var errEncode = errors.New("value cannot be encoded")

// appendRecord appends the binary form of r (its fields unless stub) to b.
func appendRecord(b []byte, kind byte, r *Record) ([]byte, error) {
	b = append(b, formatV1, kind)
	b = appendStr(b, r.Tenant)
	b = appendStr(b, r.Source)
	b = appendStr(b, r.Object)
	b = appendStr(b, r.ID)
	b = appendStr(b, r.Key)
	b = appendStr(b, string(r.Op))
	b = appendTime(b, r.Version)
	if kind == kindReject {
		b = binary.AppendUvarint(b, 0)
		b = appendStr(b, r.Reject.Stage)
		b = appendStr(b, r.Reject.Field)
		return appendStr(b, r.Reject.Rule), nil
	}
	b = binary.AppendUvarint(b, uint64(len(r.Fields)))
	var err error
	for name, v := range r.Fields {
		b = appendStr(b, name)
		if b, err = appendValue(b, v); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// sizeHint is a close upper estimate of a record's binary size, so that
// its message is allocated once.
func sizeHint(r *Record) int {
	n := 48 + len(r.Tenant) + len(r.Source) + len(r.Object) + 2*len(r.ID) + len(r.Key)
	for name, v := range r.Fields {
		n += len(name) + 12
		if s, ok := v.(string); ok {
			n += len(s)
		} else if s, ok := v.(json.Number); ok {
			n += len(s)
		} else {
			n += 24
		}
	}
	return n
}

func appendCheckpoint(b []byte, c *Checkpoint) []byte {
	b = append(b, formatV1, kindCheckpoint)
	b = appendStr(b, c.Tenant)
	b = appendStr(b, c.Source)
	b = appendStr(b, c.Object)
	b = binary.AppendVarint(b, c.Seq)
	b = appendStr(b, c.Cursor)
	return binary.AppendVarint(b, c.Lease)
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendTime(b []byte, t time.Time) []byte {
	_, off := t.Zone()
	b = binary.AppendVarint(b, t.Unix())
	b = binary.AppendUvarint(b, uint64(t.Nanosecond()))
	return binary.AppendVarint(b, int64(off))
}

// appendValue appends a field value. Numbers become their exact JSON
// text (a float64 spelled as encoding/json spells it), so that they
// decode to the json.Number the JSON form gave.
func appendValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, tagNil), nil
	case string:
		return appendStr(append(b, tagString), x), nil
	case bool:
		if x {
			return append(b, tagTrue), nil
		}
		return append(b, tagFalse), nil
	case json.Number:
		if x == "" {
			x = "0" // as encoding/json writes it
		}
		if !validNumber(string(x)) {
			return nil, errEncode
		}
		return appendStr(append(b, tagNumber), string(x)), nil
	case float64:
		return appendFloat(b, x, 64)
	case float32:
		return appendFloat(b, float64(x), 32)
	case int:
		var s [24]byte
		return appendNumber(b, strconv.AppendInt(s[:0], int64(x), 10)), nil
	case int64:
		var s [24]byte
		return appendNumber(b, strconv.AppendInt(s[:0], x, 10)), nil
	case time.Time:
		return appendTime(append(b, tagTime), x), nil
	}
	// Rare shapes (maps, slices, other integers, decimals): their JSON
	// text, which decodes as the JSON form did.
	j, err := json.Marshal(v)
	if err != nil {
		return nil, errEncode
	}
	return appendStr(append(b, tagJSON), string(j)), nil
}

func appendNumber(b, text []byte) []byte {
	b = append(b, tagNumber)
	b = binary.AppendUvarint(b, uint64(len(text)))
	return append(b, text...)
}

// appendFloat spells f as encoding/json does.
func appendFloat(b []byte, f float64, bits int) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, errEncode
	}
	var scratch [32]byte
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21)) {
		format = 'e'
	}
	t := strconv.AppendFloat(scratch[:0], f, format, -1, bits)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(t); n >= 4 && t[n-4] == 'e' && t[n-3] == '-' && t[n-2] == '0' {
			t[n-2] = t[n-1]
			t = t[:n-1]
		}
	}
	return appendNumber(b, t), nil
}

// validNumber reports whether s is a JSON number literal.
func validNumber(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		s = s[1:]
		if s == "" {
			return false
		}
	}
	switch {
	case s[0] == '0':
		s = s[1:]
	case '1' <= s[0] && s[0] <= '9':
		s = skipDigits(s[1:])
	default:
		return false
	}
	if len(s) >= 2 && s[0] == '.' && isDigit(s[1]) {
		s = skipDigits(s[2:])
	}
	if len(s) >= 2 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s[0] == '+' || s[0] == '-' {
			s = s[1:]
		}
		if s == "" || !isDigit(s[0]) {
			return false
		}
		s = skipDigits(s)
	}
	return s == ""
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func skipDigits(s string) string {
	for s != "" && isDigit(s[0]) {
		s = s[1:]
	}
	return s
}

// reader walks a binary message. Strings it returns share one copy of
// the message, so a decoded record costs one allocation for all its text.
type reader struct {
	s   string
	bad bool
}

func (r *reader) uvarint() uint64 {
	var x uint64
	var shift uint
	for i := 0; i < len(r.s) && i < binary.MaxVarintLen64; i++ {
		c := r.s[i]
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				break
			}
			r.s = r.s[i+1:]
			return x | uint64(c)<<shift
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	r.bad, r.s = true, ""
	return 0
}

func (r *reader) varint() int64 {
	u := r.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (r *reader) byte() byte {
	if r.s == "" {
		r.bad = true
		return 0
	}
	c := r.s[0]
	r.s = r.s[1:]
	return c
}

func (r *reader) str() string {
	n := r.uvarint()
	if n > uint64(len(r.s)) {
		r.bad, r.s = true, ""
		return ""
	}
	s := r.s[:n]
	r.s = r.s[n:]
	return s
}

func (r *reader) time() time.Time {
	sec, nsec, off := r.varint(), r.uvarint(), r.varint()
	if nsec >= 1e9 || off < math.MinInt32 || off > math.MaxInt32 || r.bad {
		r.bad = true
		return time.Time{}
	}
	t := time.Unix(sec, int64(nsec))
	if off == 0 {
		return t.UTC()
	}
	return t.In(fixedZone(int(off)))
}

// zones caches the locations of zone offsets in whole minutes within a
// day, so that decoding a zoned time does not allocate one each time.
var zones sync.Map // int → *time.Location

func fixedZone(off int) *time.Location {
	if off%60 != 0 || off <= -86400 || off >= 86400 {
		return time.FixedZone("", off)
	}
	if l, ok := zones.Load(off); ok {
		return l.(*time.Location)
	}
	l, _ := zones.LoadOrStore(off, time.FixedZone("", off))
	return l.(*time.Location)
}

func (r *reader) value() any {
	switch r.byte() {
	case tagNil:
		return nil
	case tagFalse:
		return false
	case tagTrue:
		return true
	case tagString:
		return r.str()
	case tagNumber:
		if s := r.str(); validNumber(s) {
			return json.Number(s)
		}
	case tagTime:
		return r.time()
	case tagJSON:
		var v any
		if err := unmarshalNumbers(r.str(), &v); err == nil {
			return v
		}
	}
	r.bad = true
	return nil
}

// decodeV1 decodes the binary form (m.Value[0] == formatV1).
func decodeV1(m Message) (*Record, *Checkpoint, error) {
	r := &reader{s: string(m.Value[1:])}
	kind := r.byte()
	if kind == kindCheckpoint {
		c := &Checkpoint{Tenant: r.str(), Source: r.str(), Object: r.str(), Seq: r.varint(), Cursor: r.str(), Lease: r.varint()}
		if r.bad || r.s != "" {
			return nil, nil, &FieldError{Rule: "decode", Kind: ErrInvalid}
		}
		return nil, c, nil
	}
	rec := &Record{Tenant: r.str(), Source: r.str(), Object: r.str(), ID: r.str(), Key: r.str(), Op: Op(r.str()), Version: r.time()}
	n := r.uvarint()
	if n > uint64(len(r.s))/2 { // a field takes two bytes at least
		r.bad = true
	}
	if n > 0 && !r.bad {
		rec.Fields = make(map[string]any, n)
		for range n {
			name := r.str()
			v := r.value()
			if _, dup := rec.Fields[name]; dup || r.bad {
				r.bad = true
				break
			}
			rec.Fields[name] = v
		}
	}
	if kind == kindReject {
		rec.Reject = &Rejection{Stage: r.str(), Field: r.str(), Rule: r.str()}
	}
	if r.bad || r.s != "" || (kind != kindRecord && kind != kindReject) {
		return nil, nil, &FieldError{Rule: "decode", Kind: ErrInvalid}
	}
	return rec, nil, nil
}
