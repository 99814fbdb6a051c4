package pipeline

import "context"

// PrepareFunc is the first half of a HandleFunc split in two so that a
// consumer can overlap them: it turns one partition batch into a
// CommitFunc, decoding and transforming without committing anything. It
// has no effect that the CommitFunc would have to undo when it is never
// called, so a prepared batch may be dropped (it is read again from the
// stored offsets). Its error stops Consume, like a HandleFunc's.
type PrepareFunc func(ctx context.Context, tp TopicPartition, msgs []Message) (CommitFunc, error)

// CommitFunc commits a batch made by a PrepareFunc in one sink
// transaction with its offsets. It blocks until committed or failed.
type CommitFunc func(ctx context.Context) error

// PipelinedLog is a Log whose consumer prepares a partition's next batch
// while the previous one commits.
//
// ConsumePipelined is Consume with the handler split in two. Per
// partition, prepare is called for batches in offset order, one at a
// time, and so are the CommitFuncs it returns, in the same order, from
// another goroutine: preparing batch n+1 overlaps committing batch n,
// never more. A CommitFunc is called only after every earlier batch of
// its partition committed; when one fails, no later CommitFunc of that
// partition is called and Consume stops with the error. When Consume
// stops, a batch being committed completes (its context is not
// cancelled with ctx), and a prepared batch not yet committing is
// dropped.
type PipelinedLog interface {
	Log
	ConsumePipelined(ctx context.Context, topics []string, start StartFunc, prepare PrepareFunc) error
}

// consumeLog runs the log's consumer once: pipelined when the log can,
// else one batch at a time.
func (r *Runner) consumeLog(ctx context.Context) error {
	if pl, ok := r.Log.(PipelinedLog); ok {
		return pl.ConsumePipelined(ctx, r.topicNames(), r.start, r.prepareBatch)
	}
	return r.Log.Consume(ctx, r.topicNames(), r.start, r.handle)
}
