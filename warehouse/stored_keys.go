package warehouse

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/tally-dev/tally/pipeline"
)

var _ pipeline.KeyLister = (*Warehouse)(nil)

// storedKeysPage bounds the keys one statement of StoredKeys reads, and
// storedKeysTimeout the time it may take.
const (
	storedKeysPage    = 10000
	storedKeysTimeout = 30 * time.Second
)

// StoredKeys calls fn with the keys of every fact the stream s wrote
// (its tenant, connector and object), in pages of at most 10000 read in
// key order by one statement each under its own timeout, so a reconcile
// over millions of facts holds no long transaction. A fact committed
// meanwhile may or may not be listed. It returns fn's error unchanged
// and an error for an object without a fact table.
func (w *Warehouse) StoredKeys(ctx context.Context, s pipeline.Stream, fn func(keys []string) error) error {
	t, ok := w.tables[s.Object]
	if !ok {
		return fmt.Errorf("listing stored keys: %w %q", errUnknownObject, s.Object)
	}
	q := w.db.Rebind("SELECT key FROM " + t.name + " WHERE tenant = ? AND source = ? AND key > ? ORDER BY key LIMIT " +
		strconv.Itoa(storedKeysPage))
	after := ""
	for {
		var keys []string
		qctx, cancel := context.WithTimeout(ctx, storedKeysTimeout)
		err := w.db.SelectContext(qctx, &keys, q, s.Tenant, s.Source, after)
		cancel()
		if err != nil {
			return fmt.Errorf("listing stored %s keys: %w", s.Object, redact(err))
		}
		if len(keys) > 0 {
			if err := fn(keys); err != nil {
				return err
			}
		}
		if len(keys) < storedKeysPage {
			return nil
		}
		after = keys[len(keys)-1]
	}
}
