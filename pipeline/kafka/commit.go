package kafka

import (
	"context"
	"log/slog"
	"sync"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/tally-dev/tally/pipeline"
)

// commitInterval paces offset commits to the group. They are
// informational (lag dashboards), and a commit per batch per partition
// would put a coordinator round trip on every batch.
const commitInterval = time.Second

// committer commits the latest handled offsets of one generation to the
// group, coalescing updates, at most once per commitInterval and once
// more when the generation ends.
type committer struct {
	mu      sync.Mutex
	pending map[string]map[int]int64
	wake    chan struct{}
}

func newCommitter() *committer {
	return &committer{pending: map[string]map[int]int64{}, wake: make(chan struct{}, 1)}
}

// set records next as the offset to commit for tp.
func (c *committer) set(tp pipeline.TopicPartition, next int64) {
	c.mu.Lock()
	if c.pending[tp.Topic] == nil {
		c.pending[tp.Topic] = map[int]int64{}
	}
	c.pending[tp.Topic][tp.Partition] = next
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// run commits until gctx, the generation's context, is done. It must be
// started with gen.Start so that the generation's connection stays open
// for the last commit.
func (c *committer) run(gctx context.Context, gen *kafkago.Generation, logger *slog.Logger) {
	pace := time.NewTimer(0)
	defer pace.Stop()
	for {
		select {
		case <-gctx.Done():
			c.flush(gen, logger)
			return
		case <-c.wake:
		}
		select {
		case <-gctx.Done():
			c.flush(gen, logger)
			return
		case <-pace.C:
		}
		c.flush(gen, logger)
		pace.Reset(commitInterval)
	}
}

// flush commits the pending offsets, best effort: a commit fails after
// every rebalance, and the warehouse holds the offsets that count.
func (c *committer) flush(gen *kafkago.Generation, logger *slog.Logger) {
	c.mu.Lock()
	offsets := c.pending
	c.pending = map[string]map[int]int64{}
	c.mu.Unlock()
	if len(offsets) == 0 {
		return
	}
	if err := gen.CommitOffsets(offsets); err != nil {
		logger.Debug("committing offsets to group", "component", component, "error", err)
	}
}
