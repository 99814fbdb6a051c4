package warehouse

import (
	"context"
	"fmt"
	"sort"

	"github.com/tally-dev/tally/pipeline"
)

// fence drops, inside the batch transaction, the checkpoints whose lease
// token (Checkpoint.Lease) is no longer the current token of their
// binding's lease: the emitting process lost the lease (it expired or
// was taken over), so it must never move the binding's cursor again.
// The lease row is read FOR SHARE, so a takeover (which updates it)
// waits for this commit or happens before it, never in between. The
// batch's records still commit (replays are harmless); only the stale
// checkpoints are refused, each binding logged once. Checkpoints with
// no token (leases off, SQLite) pass.
func (w *Warehouse) fence(ctx context.Context, tx *txn, cps []pipeline.PartitionCheckpoint) ([]pipeline.PartitionCheckpoint, error) {
	type binding struct {
		tenant, connector string
		token             int64
	}
	var check []binding
	seen := map[binding]bool{}
	for _, c := range cps {
		b := binding{c.Tenant, c.Source, c.Lease}
		if c.Lease != 0 && !seen[b] {
			seen[b] = true
			check = append(check, b)
		}
	}
	if len(check) == 0 {
		return cps, nil
	}
	sort.Slice(check, func(i, j int) bool {
		a, b := check[i], check[j]
		if a.tenant != b.tenant {
			return a.tenant < b.tenant
		}
		return a.connector < b.connector
	})
	stale := map[binding]bool{}
	lock := ""
	if w.d.name == Postgres {
		lock = " FOR SHARE"
	}
	for _, b := range check {
		var tokens []int64
		if err := tx.SelectContext(ctx, &tokens, tx.Rebind("SELECT token FROM leases WHERE tenant = ? AND connector = ?"+lock),
			b.tenant, b.connector); err != nil {
			return nil, fmt.Errorf("checking lease of checkpoints: %w", redact(err))
		}
		if len(tokens) == 0 || tokens[0] != b.token {
			stale[b] = true
			w.log.Warn("checkpoint refused: the process that emitted it no longer holds the connector's lease",
				"component", "warehouse", "tenant", b.tenant, "connector", b.connector)
		}
	}
	if len(stale) == 0 {
		return cps, nil
	}
	w.fenced.Add(int64(len(stale)))
	out := make([]pipeline.PartitionCheckpoint, 0, len(cps))
	for _, c := range cps {
		if !stale[binding{c.Tenant, c.Source, c.Lease}] {
			out = append(out, c)
		}
	}
	return out, nil
}

// FencedCheckpoints returns how many times a batch's checkpoints of a
// binding were refused because their lease token was stale.
func (w *Warehouse) FencedCheckpoints() int64 { return w.fenced.Load() }
