package pipeline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// envelope is the older JSON form of a raw message, still decoded. Exactly one of Record and
// Checkpoint is set; a reject stub is a Record with Reject set, under
// its own type so that a consumer that predates stubs quarantines it
// ("envelope") instead of loading an empty record.
type envelope struct {
	Type       string      `json:"type"`
	Record     *Record     `json:"record,omitempty"`
	Checkpoint *Checkpoint `json:"checkpoint,omitempty"`
}

const (
	typeRecord     = "record"
	typeCheckpoint = "checkpoint"
	typeReject     = "reject"
)

// Limits of what a reject stub carries over from the refused record.
const (
	maxStubID   = 1024 // a longer source id is left out
	maxStubName = 128  // a longer stage, field or rule name is left out
)

// EncodeReject returns the reject stub standing for a refused record: its
// stream, op and source id (left out when over 1 KiB or not valid UTF-8)
// and the rejection, never a field value or the version. Like the record,
// it is keyed by the source id.
func EncodeReject(r *Record, rej Rejection) (Message, error) {
	rej = Rejection{Stage: stubName(rej.Stage), Field: stubName(rej.Field), Rule: stubName(rej.Rule)}
	if rej.Stage == "" {
		rej.Stage = "emit"
	}
	if rej.Rule == "" {
		rej.Rule = "invalid"
	}
	stub := Record{Tenant: r.Tenant, Source: r.Source, Object: r.Object, Reject: &rej}
	if r.Op == OpUpsert || r.Op == OpDelete {
		stub.Op = r.Op
	}
	if len(r.ID) <= maxStubID && utf8.ValidString(r.ID) {
		stub.ID = r.ID
	}
	v, err := appendRecord(make([]byte, 0, sizeHint(&stub)), kindReject, &stub)
	if err != nil {
		return Message{}, fmt.Errorf("encoding %s reject stub: %w", stub.Object, err)
	}
	m := Message{Value: v, Partition: -1}
	if stub.ID != "" {
		m.Key = []byte(stub.ID)
	}
	return m, nil
}

// stubName keeps a schema name (a field, rule or stage) and drops
// anything that cannot be one.
func stubName(s string) string {
	if len(s) > maxStubName || !utf8.ValidString(s) {
		return ""
	}
	return s
}

// EncodeRecord returns the log message of a connector record, keyed by
// the record's source id so that every version of a record lands on the
// same partition, in order.
func EncodeRecord(r *Record) (Message, error) {
	// One allocation holds the key and then the value.
	buf := append(make([]byte, 0, sizeHint(r)), r.ID...)
	v, err := appendRecord(buf[len(buf):], kindRecord, r)
	if err != nil {
		return Message{}, fmt.Errorf("encoding %s record: %w", r.Object, err)
	}
	return Message{Key: buf[:len(r.ID):len(r.ID)], Value: v, Partition: -1}, nil
}

// EncodeCheckpoint returns the message of a checkpoint bound for one
// partition.
func EncodeCheckpoint(c Checkpoint, partition int) (Message, error) {
	v := appendCheckpoint(make([]byte, 0, 32+len(c.Tenant)+len(c.Source)+len(c.Object)+len(c.Cursor)), &c)
	return Message{Key: []byte("checkpoint"), Value: v, Partition: partition}, nil
}

// Decode parses a message into either a record or a checkpoint. A
// reject stub comes back as a record with Reject set and no fields. A
// message that is not a valid envelope returns an error wrapping
// ErrInvalid (with rule "decode" or "envelope"), never the message
// content.
//
// Messages are written in tally's binary form (see formatV1): its first
// byte, 0x01, can begin no JSON text, so messages written in the older
// JSON form (first byte '{' or white space) still decode while they are
// in the topics' retention. Field values of a record come back as
// strings, json.Number (a number's exact text), bool, time.Time (the
// instant and zone offset encoded; the JSON form gives RFC 3339 strings)
// and nil; a nested object or array comes back as encoding/json decodes
// it. The validate stage restores the schema's types.
func Decode(m Message) (*Record, *Checkpoint, error) {
	if len(m.Value) > 0 && m.Value[0] == formatV1 {
		rec, cp, err := decodeV1(m)
		if err != nil {
			return nil, nil, err
		}
		if cp != nil {
			return nil, cp, nil
		}
		return checkRecord(rec, m.Position)
	}
	return decodeJSON(m)
}

// checkRecord applies the envelope rules every form shares.
func checkRecord(r *Record, pos Position) (*Record, *Checkpoint, error) {
	if r.Reject != nil {
		if r.Tenant == "" || r.Object == "" || r.Reject.Rule == "" {
			return nil, nil, &FieldError{Rule: "envelope", Kind: ErrInvalid}
		}
		r.Fields, r.Position = nil, pos
		return r, nil, nil
	}
	if r.Tenant == "" || r.Object == "" || (r.Op != OpUpsert && r.Op != OpDelete) {
		return nil, nil, &FieldError{Rule: "envelope", Kind: ErrInvalid}
	}
	r.Position = pos
	return r, nil, nil
}

// decodeJSON decodes the older JSON form.
func decodeJSON(m Message) (*Record, *Checkpoint, error) {
	var e envelope
	dec := json.NewDecoder(bytes.NewReader(m.Value))
	dec.UseNumber() // numbers stay exact text (json.Number) for validate
	if err := dec.Decode(&e); err != nil || !atEOF(dec) {
		return nil, nil, &FieldError{Rule: "decode", Kind: ErrInvalid}
	}
	switch {
	case e.Type == typeReject && e.Record != nil && e.Record.Reject != nil,
		e.Type == typeRecord && e.Record != nil && e.Record.Reject == nil:
		return checkRecord(e.Record, m.Position)
	case e.Type == typeCheckpoint && e.Checkpoint != nil:
		return nil, e.Checkpoint, nil
	}
	return nil, nil, &FieldError{Rule: "envelope", Kind: ErrInvalid}
}

// unmarshalNumbers decodes one JSON value from s into v, numbers as
// json.Number, as json.Unmarshal would (nothing but white space after).
func unmarshalNumbers(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if !atEOF(dec) {
		return errors.New("data after the value")
	}
	return nil
}

// atEOF reports whether nothing but white space follows the value dec
// decoded, as json.Unmarshal requires.
func atEOF(dec *json.Decoder) bool {
	_, err := dec.Token()
	return err == io.EOF
}

// ParseTime reads a time value as it comes back from Decode.
func ParseTime(v any) (time.Time, error) {
	switch t := v.(type) {
	case time.Time:
		return t, nil
	case string:
		return time.Parse(time.RFC3339Nano, t)
	}
	return time.Time{}, errors.New("not a time")
}
