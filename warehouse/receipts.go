package warehouse

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"fmt"
)

// ChainProblem is one defect of a tenant's receipt chain.
type ChainProblem struct {
	Seq    int64  `json:"seq"`
	Reason string `json:"reason"`
}

// ChainReport is the result of verifying a tenant's receipt chain.
type ChainReport struct {
	Tenant   string         `json:"tenant"`
	Receipts int            `json:"receipts"`
	Head     string         `json:"head"` // MAC of the last receipt; record it to detect truncation
	Problems []ChainProblem `json:"problems"`
}

// OK reports whether the chain verified.
func (c ChainReport) OK() bool { return len(c.Problems) == 0 }

// Receipts returns the tenant's receipts in chain order, as stored.
func (s *Subjects) Receipts(ctx context.Context, tenant string) ([]Receipt, error) {
	rows, err := s.w.db.QueryContext(ctx, s.w.db.Rebind(
		"SELECT seq, body, mac FROM erasure_receipts WHERE tenant = ? ORDER BY seq"), tenant)
	if err != nil {
		return nil, fmt.Errorf("reading receipts: %w", redact(err))
	}
	defer rows.Close()
	var out []Receipt
	for rows.Next() {
		var seq int64
		var body, mac string
		if err := rows.Scan(&seq, &body, &mac); err != nil {
			return nil, fmt.Errorf("reading receipts: %w", redact(err))
		}
		var rc Receipt
		if err := json.Unmarshal([]byte(body), &rc); err != nil {
			// Keep the row so verification reports it.
			rc = Receipt{Tenant: tenant, Seq: seq, MAC: "unparseable"}
		}
		if rc.Seq != seq || rc.MAC != mac {
			rc.MAC = "row/body mismatch"
		}
		out = append(out, rc)
	}
	return out, redact(rows.Err())
}

// VerifyReceipts checks the tenant's chain: every receipt's MAC matches
// its body, its Prev is the previous receipt's MAC, sequence numbers run
// 1, 2, 3… without gaps, and its own verification found nothing left.
// Removing the last receipt leaves a valid shorter chain; compare Head
// with a value recorded earlier to detect that.
func (s *Subjects) VerifyReceipts(ctx context.Context, tenant string) (ChainReport, error) {
	rcs, err := s.Receipts(ctx, tenant)
	if err != nil {
		return ChainReport{}, err
	}
	rep := ChainReport{Tenant: tenant, Receipts: len(rcs), Problems: []ChainProblem{}}
	prev := ""
	for i, rc := range rcs {
		bad := func(reason string) { rep.Problems = append(rep.Problems, ChainProblem{rc.Seq, reason}) }
		if rc.Seq != int64(i+1) {
			bad(fmt.Sprintf("sequence gap: expected %d", i+1))
		}
		want, err := s.mac(rc)
		if err != nil {
			return rep, err
		}
		if !hmac.Equal([]byte(want), []byte(rc.MAC)) {
			bad("mac does not match the body (edited or forged)")
		}
		if rc.Prev != prev {
			bad("prev does not match the previous receipt (removed or reordered)")
		}
		if !rc.Verified {
			bad("its verification found rows left")
		}
		prev = rc.MAC
	}
	rep.Head = prev
	return rep, nil
}
