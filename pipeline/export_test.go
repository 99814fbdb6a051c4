package pipeline

import "context"

// WriteBatch exposes Runner.write to the package's external tests, which
// run it against a real warehouse.
func (r *Runner) WriteBatch(ctx context.Context, b *Batch) error {
	if r.out.warehouse.what == "" {
		r.initOutages(DefaultOutageLimit)
	}
	return r.write(ctx, b)
}
