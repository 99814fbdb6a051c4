package pipeline

import (
	"log/slog"
	"time"
)

// Op says what a Record asks of the warehouse.
type Op string

const (
	// OpUpsert creates or replaces the fact for the record's key, unless
	// the warehouse already holds a newer version.
	OpUpsert Op = "upsert"
	// OpDelete removes the fact for the record's key (a record deleted or
	// archived at the source), unless the warehouse holds a newer version.
	OpDelete Op = "delete"
)

// Record is one CRM record on its way through tally.
//
// A connector fills Tenant, Source, Object, ID, Op, Version and Fields
// with canonical field names (see package schemas) and values of type
// string, json.Number (a number as the vendor wrote it; float64 is
// accepted too), bool, time.Time or nil; the validate stage turns numbers
// into exact decimal.Decimal values. After the pseudonymize stage,
// ID is empty and Key holds the record's pseudonym; the warehouse only
// ever sees Key.
//
// A Record is owned by one goroutine at a time: stages mutate it in
// place, and no one touches it after handing it on.
type Record struct {
	Tenant  string         `json:"tenant"`
	Source  string         `json:"source"`
	Object  string         `json:"object"`
	ID      string         `json:"id,omitempty"`
	Key     string         `json:"key,omitempty"`
	Op      Op             `json:"op"`
	Version time.Time      `json:"version"`
	Fields  map[string]any `json:"fields,omitempty"`
	// Reject, when set, makes the record a reject stub: it stands for a
	// record refused before publishing, carries no field values, and the
	// consumer quarantines it (see Rejection).
	Reject *Rejection `json:"reject,omitempty"`

	// Position is where the record was read from the log; it is set by
	// the consumer and never serialized.
	Position Position `json:"-"`

	// Vault is the sealed identity of a platform user, captured by the
	// vault stage before minimize drops the plain fields; the sink writes
	// it to the identity vault in the batch's transaction. Nil for every
	// other record. Never serialized and never logged.
	Vault *Identity `json:"-"`
}

// Rejection says why a record was refused before it was published: the
// stage ("emit" unless a connector names its own), the field ("" for the
// whole record) and the rule, never a value. A connector may set it on a
// record it cannot map; the emitter sets it on a record that fails
// Preflight or that the broker refuses.
type Rejection struct {
	Stage string `json:"stage"`
	Field string `json:"field,omitempty"`
	Rule  string `json:"rule"`
}

// Identity is a platform user's identity fields sealed with AES-GCM.
// Lookup is the pseudonym (kind "email") of the user's email, so that a
// privacy officer can find the user by email without decrypting.
type Identity struct {
	Lookup     string
	Sealed     []byte
	KeyVersion int
}

// LogValue keeps identifiers and field values out of logs: only the
// record's routing attributes and field count are printed.
func (r Record) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("tenant", r.Tenant),
		slog.String("connector", r.Source),
		slog.String("object", r.Object),
		slog.String("op", string(r.Op)),
		slog.Int("fields", len(r.Fields)),
		slog.String("topic", r.Position.Topic),
		slog.Int("partition", r.Position.Partition),
		slog.Int64("offset", r.Position.Offset),
	)
}

// Position addresses one message in the log.
type Position struct {
	Topic     string
	Partition int
	Offset    int64
}

// TopicPartition names one partition of a topic.
type TopicPartition struct {
	Topic     string
	Partition int
}

// Checkpoint is a connector's resume point. A connector emits one after
// each page; it travels through the log behind the page's records, so
// when the sink commits it, every record before it is committed too.
//
// Seq orders checkpoints of one stream (tenant, source, object) across
// runs; the log writes a checkpoint to every partition of the stream's
// topic, and the resume cursor is the one with the lowest Seq stored for
// any partition.
type Checkpoint struct {
	Tenant string `json:"tenant"`
	Source string `json:"source"`
	Object string `json:"object"`
	Seq    int64  `json:"seq"`
	Cursor string `json:"cursor"`
	// Lease is the fencing token of the connector lease the emitting
	// process held (see Leaser); 0 when leases are not in use. The sink
	// stores the checkpoint only if the token is still current.
	Lease int64 `json:"lease,omitempty"`
}

// Stream identifies one (tenant, source, object) flow.
type Stream struct {
	Tenant string
	Source string
	Object string
}

// Stream returns the stream the record belongs to.
func (r *Record) Stream() Stream { return Stream{r.Tenant, r.Source, r.Object} }
