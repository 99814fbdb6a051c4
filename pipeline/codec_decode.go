package pipeline

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"sync"
	"time"
)

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
