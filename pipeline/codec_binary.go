package pipeline

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"strconv"
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
