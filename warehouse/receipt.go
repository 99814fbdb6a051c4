package warehouse

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tally-dev/tally/transforms/vault"
)

// Receipt is the evidence of one erasure. It holds pseudonyms and
// tokens, never an email or a source id. Receipts of a tenant form a
// chain: Prev is the MAC of the previous receipt ("" for the first), and
// MAC is HMAC-SHA-256 of the receipt's body (everything but MAC) under a
// key derived from the master secret, so editing, reordering or removing
// a receipt breaks the chain, and forging one needs the master secret.
type Receipt struct {
	Tenant       string       `json:"tenant"`
	Seq          int64        `json:"seq"`
	RequestID    string       `json:"request_id"`
	At           time.Time    `json:"at"`
	By           string       `json:"by"`
	Object       string       `json:"object,omitempty"`
	Pseudonyms   []string     `json:"pseudonyms"`
	Lookups      []string     `json:"email_pseudonyms"`
	Tokens       []string     `json:"suppression_tokens"`
	Removed      []TableCount `json:"removed"`
	Verification []TableCount `json:"verification"`
	Verified     bool         `json:"verified"`
	Prev         string       `json:"prev"`
	MAC          string       `json:"mac"`
}

// queryer is what lookups need of a pool or a transaction.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	Rebind(query string) string
}

// lookups counts, per table, the rows that still address the subject.
func (s *Subjects) lookups(ctx context.Context, q queryer, tenant string, sub *subject) ([]TableCount, error) {
	var out []TableCount
	count := func(table, pred string, args []any) error {
		var n int64
		err := q.QueryRowContext(ctx, q.Rebind("SELECT count(*) FROM "+table+" WHERE tenant = ? AND "+pred),
			append([]any{tenant}, args...)...).Scan(&n)
		if err != nil {
			return fmt.Errorf("looking up %s: %w", table, redact(err))
		}
		out = append(out, TableCount{table, n})
		return nil
	}
	ps := sub.Pseudonyms
	for _, t := range s.factTables() {
		pred, args := s.refPredicate(t, ps)
		if err := count(t, pred, args); err != nil {
			return nil, err
		}
	}
	pred, args := s.w.d.in("rep", ps)
	if err := count("kpi_daily", pred, args); err != nil {
		return nil, err
	}
	p1, a1 := s.w.d.in("rep", ps)
	p2, a2 := s.w.d.in("lookup", sub.Lookups)
	if err := count("identity_vault", "("+p1+" OR "+p2+")", append(a1, a2...)); err != nil {
		return nil, err
	}
	pred, args = s.w.d.in("subject", ps)
	if err := count("subject_keys", pred, args); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Subjects) receiptKey(tenant string) []byte {
	return vault.DeriveKey(s.master, "tally/receipts/v1/tenant/"+tenant)
}

// mac computes the receipt's MAC over its JSON body without MAC.
func (s *Subjects) mac(rc Receipt) (string, error) {
	rc.MAC = ""
	body, err := json.Marshal(rc)
	if err != nil {
		return "", fmt.Errorf("encoding receipt: %w", err)
	}
	m := hmac.New(sha256.New, s.receiptKey(rc.Tenant))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil)), nil
}

// appendReceipt links rc to the tenant's last receipt and stores it. On
// PostgreSQL a transaction-scoped advisory lock per tenant serializes
// appends; SQLite has one writer.
func (s *Subjects) appendReceipt(ctx context.Context, tx *txn, rc *Receipt) error {
	if s.w.d.name == Postgres {
		if _, err := tx.exec(ctx, "SELECT pg_advisory_xact_lock(hashtext(?))", "tally/receipts/"+rc.Tenant); err != nil {
			return fmt.Errorf("locking receipt chain: %w", err)
		}
	}
	var last struct {
		Seq int64  `db:"seq"`
		MAC string `db:"mac"`
	}
	err := tx.get(ctx, &last, "SELECT seq, mac FROM erasure_receipts WHERE tenant = ? ORDER BY seq DESC LIMIT 1", rc.Tenant)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("reading last receipt: %w", err)
	}
	rc.Seq, rc.Prev = last.Seq+1, last.MAC
	rc.At = s.w.now().UTC().Truncate(time.Microsecond)
	if rc.MAC, err = s.mac(*rc); err != nil {
		return err
	}
	body, err := json.Marshal(rc)
	if err != nil {
		return fmt.Errorf("encoding receipt: %w", err)
	}
	_, err = tx.exec(ctx, "INSERT INTO erasure_receipts (tenant, seq, request_id, body, mac, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		rc.Tenant, rc.Seq, rc.RequestID, string(body), rc.MAC, s.w.d.timeArg(rc.At), s.w.d.timeArg(rc.At.Add(suppressionTTL)))
	if err != nil {
		return fmt.Errorf("storing receipt: %w", err)
	}
	return nil
}
