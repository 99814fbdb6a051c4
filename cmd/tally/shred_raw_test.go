package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/transforms/pseudonymize"
	"github.com/tally-dev/tally/transforms/vault"
	"github.com/tally-dev/tally/warehouse"
)

// rawMessage is one message of a raw topic as the broker holds it.
type rawMessage struct {
	topic     string
	partition int
	offset    int64
	key       []byte
	value     []byte
}

// readRawTopics reads every message of every topic of the broker at
// addr straight from kafka-go, without tally's consumer, decoder or
// consumer group.
func readRawTopics(t *testing.T, addr string) []rawMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := kafkago.DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	parts, err := conn.ReadPartitions()
	if err != nil {
		t.Fatal(err)
	}
	var out []rawMessage
	for _, p := range parts {
		pc, err := kafkago.DialLeader(ctx, "tcp", addr, p.Topic, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		first, last, err := pc.ReadOffsets()
		pc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if first >= last {
			continue
		}
		r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: []string{addr}, Topic: p.Topic, Partition: p.ID, MaxWait: 100 * time.Millisecond})
		if err := r.SetOffset(first); err != nil {
			t.Fatal(err)
		}
		for off := first; off < last; {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				r.Close()
				t.Fatalf("reading %s/%d at %d: %v", p.Topic, p.ID, off, err)
			}
			out = append(out, rawMessage{m.Topic, m.Partition, m.Offset, m.Key, m.Value})
			off = m.Offset + 1
		}
		r.Close()
	}
	return out
}

// sealedField is one crypto-shredded field value of a raw message:
// "tally-shred:v1:<subject>:<base64 AES-GCM>".
type sealedField struct {
	field, subject string
	sealed         []byte
}

// sealedFields parses the shredded fields of a raw record message with
// the codec alone (no Shredder involved).
func sealedFields(t *testing.T, m rawMessage) []sealedField {
	t.Helper()
	rec, _, err := pipeline.Decode(pipeline.Message{Key: m.key, Value: m.value})
	if err != nil {
		t.Fatalf("message %s/%d@%d does not decode: %v", m.topic, m.partition, m.offset, err)
	}
	if rec == nil {
		return nil
	}
	var out []sealedField
	for f, v := range rec.Fields {
		s, ok := v.(string)
		if !ok || !strings.HasPrefix(s, "tally-shred:v1:") {
			continue
		}
		subject, b64, _ := strings.Cut(strings.TrimPrefix(s, "tally-shred:v1:"), ":")
		sealed, err := base64.RawStdEncoding.DecodeString(b64)
		if err != nil {
			t.Fatalf("field %s of %s@%d: bad base64", f, m.topic, m.offset)
		}
		out = append(out, sealedField{f, subject, sealed})
	}
	return out
}

// dataKeys returns every subject data key the warehouse holds for the
// tenant, unwrapped with the key-encryption key derived from master.
func dataKeys(t *testing.T, wh *warehouse.Warehouse, master []byte, tenant string) map[string][]byte {
	t.Helper()
	kek := vault.DeriveKey(master, "tally/shred/v1/kek")
	rows, err := wh.DB().QueryContext(context.Background(), wh.DB().Rebind("SELECT subject, wrapped FROM subject_keys WHERE tenant = ?"), tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var subject string
		var wrapped []byte
		if err := rows.Scan(&subject, &wrapped); err != nil {
			t.Fatal(err)
		}
		dk, err := vault.OpenWith(kek, wrapped, "shred/"+tenant+"/"+subject)
		if err != nil {
			t.Fatalf("unwrapping the data key of a subject: %v", err)
		}
		out[subject] = dk
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestShreddedRawBytesAfterErase proves crypto-shredding on the bytes
// the broker holds, read with kafka-go and no tally consumer: before
// the erase a rep's sealed email and names decrypt with the rep's data
// key; after it the key row is gone and no key tally holds (any other
// subject's data key, the key-encryption key, the vault key) opens
// them; and no owner's plaintext email or name appears in any byte of
// any raw message, before or after.
func TestShreddedRawBytesAfterErase(t *testing.T) {
	ds := hubspottest.Generate(11, hubspottest.Sizes{Owners: 4, Deals: 200, Contacts: 60})
	e := newEnv(t, ds, postgresWarehouse(t))
	a, _ := e.runOnce(t, appOptions{})
	ctx := context.Background()
	master, err := masterKey(a.cfg.Pseudonyms)
	if err != nil {
		t.Fatal(err)
	}
	addr := a.embedded.Addrs()[0]
	const tenant = "acme"

	// The rep to erase: owner 0, whose raw messages carry its HubSpot
	// owner id as the Kafka key (a non-personal routing field).
	ownerID := ds.ID("owners", 0)
	props := ds.Properties("owners", ownerID)
	plain := map[string]string{"email": props["email"], "first_name": props["firstName"], "last_name": props["lastName"]}

	noPlaintext := func(when string, msgs []rawMessage) {
		t.Helper()
		for i := range ds.Sizes().Owners {
			p := ds.Properties("owners", ds.ID("owners", i))
			// Names as the codec frames a string value (its length as a
			// uvarint, then its bytes; JSON: in quotes): base64
			// ciphertext never holds a quote or a byte below '+', so
			// these cannot match by chance.
			needles := []string{p["email"]}
			for _, name := range []string{p["firstName"], p["lastName"]} {
				needles = append(needles, `"`+name+`"`, string(binary.AppendUvarint(nil, uint64(len(name))))+name)
			}
			for _, v := range needles {
				for _, m := range msgs {
					if bytes.Contains(m.value, []byte(v)) || bytes.Contains(m.key, []byte(v)) {
						t.Errorf("%s: raw message %s/%d@%d holds an owner's plaintext %q", when, m.topic, m.partition, m.offset, v)
					}
				}
			}
			// And no decoded value is one of them.
			for _, m := range msgs {
				rec, _, err := pipeline.Decode(pipeline.Message{Key: m.key, Value: m.value})
				if err != nil {
					t.Fatalf("message %s/%d@%d does not decode: %v", m.topic, m.partition, m.offset, err)
				}
				if rec == nil {
					continue
				}
				for f, v := range rec.Fields {
					if v == p["email"] || v == p["firstName"] || v == p["lastName"] {
						t.Errorf("%s: field %s of raw message %s/%d@%d is an owner's plaintext", when, f, m.topic, m.partition, m.offset)
					}
				}
			}
		}
	}

	before := readRawTopics(t, addr)
	noPlaintext("before erase", before)
	var victim []rawMessage
	for _, m := range before {
		if string(m.key) == ownerID {
			victim = append(victim, m)
		}
	}
	if len(victim) == 0 {
		t.Fatalf("no raw message keyed by owner %s among %d messages", ownerID, len(before))
	}
	keys := dataKeys(t, a.wh, master, tenant)
	subject := ""
	opened := 0
	for _, m := range victim {
		for _, sf := range sealedFields(t, m) {
			subject = sf.subject
			dk := keys[sf.subject]
			if dk == nil {
				t.Fatalf("before erase: no data key for the subject of %s@%d", m.topic, m.offset)
			}
			pt, err := vault.OpenWith(dk, sf.sealed, sf.subject+"/"+sf.field)
			if err != nil {
				t.Fatalf("before erase: field %s of %s@%d does not open with the subject's data key: %v", sf.field, m.topic, m.offset, err)
			}
			var got string
			if err := json.Unmarshal(pt, &got); err != nil || got != plain[sf.field] {
				t.Errorf("before erase: field %s decrypts to a value other than the owner's", sf.field)
			}
			opened++
		}
	}
	if opened < 3 {
		t.Fatalf("opened %d sealed fields of the rep's raw messages, want at least email, first and last name", opened)
	}

	subj, err := a.wh.Subjects(a.cat, master, a.cfg.Pseudonyms.KeyVersion)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := subj.Erase(ctx, warehouse.Request{Tenant: tenant, Email: plain["email"]})
	if err != nil || !rc.Verified {
		t.Fatalf("Erase = %+v, %v", rc, err)
	}

	after := readRawTopics(t, addr)
	if len(after) != len(before) {
		t.Fatalf("the topic holds %d messages after erase, %d before; the proof needs the same bytes", len(after), len(before))
	}
	noPlaintext("after erase", after)
	left := dataKeys(t, a.wh, master, tenant)
	if _, ok := left[subject]; ok {
		t.Fatalf("after erase the rep's data key row is still in subject_keys")
	}
	if len(left) == 0 {
		t.Fatalf("no data keys left; the other owners' keys should make the \"any key\" check meaningful")
	}
	candidates := [][]byte{vault.DeriveKey(master, "tally/shred/v1/kek"), vault.DeriveKey(master, "tally/vault/v1/tenant/"+tenant)}
	for _, dk := range left {
		candidates = append(candidates, dk)
	}
	ring, err := pseudonymize.NewKeyring(master, a.cfg.Pseudonyms.KeyVersion)
	if err != nil {
		t.Fatal(err)
	}
	sh := subj.Shredder(ring)
	for _, m := range victim {
		for _, sf := range sealedFields(t, m) {
			for _, k := range candidates {
				if _, err := vault.OpenWith(k, sf.sealed, sf.subject+"/"+sf.field); err == nil {
					t.Errorf("after erase: field %s of %s@%d still opens with a key tally holds", sf.field, m.topic, m.offset)
				}
			}
		}
		r, _, err := pipeline.Decode(pipeline.Message{Key: m.key, Value: m.value})
		if err != nil {
			t.Fatal(err)
		}
		if err := sh.Open(ctx, r); !errors.Is(err, pipeline.ErrDrop) {
			t.Errorf("after erase: Shredder.Open(%s@%d) = %v, want ErrDrop", m.topic, m.offset, err)
		}
	}
	// The other owners' raw copies still open.
	for _, m := range after {
		if string(m.key) == ownerID {
			continue
		}
		for _, sf := range sealedFields(t, m) {
			if dk := left[sf.subject]; dk == nil {
				t.Errorf("after erase: another owner's data key (message %s@%d) is gone", m.topic, m.offset)
			} else if _, err := vault.OpenWith(dk, sf.sealed, sf.subject+"/"+sf.field); err != nil {
				t.Errorf("after erase: another owner's field %s no longer opens", sf.field)
			}
		}
	}
}
