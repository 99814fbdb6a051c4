package kafka

import (
	"context"
	"fmt"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol/metadata"

	"github.com/tally-dev/tally/pipeline"
)

// partitionCount returns the number of partitions of topic. Kafka-go's
// transport answers from its metadata cache; fetch makes it ask the
// brokers when the cache does not know the topic, which is safe only for
// a topic known to exist (brokers with auto.create.topics.enable would
// create a missing one with their default retention).
func (l *Log) partitionCount(ctx context.Context, topic string, fetch bool) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	m, err := l.transport.RoundTrip(ctx, l.client.Addr, &metadata.Request{
		TopicNames:             []string{topic},
		AllowAutoTopicCreation: fetch,
	})
	if err != nil {
		return 0, fmt.Errorf("reading metadata of %s: %w", topic, l.brokerError(err))
	}
	for _, t := range m.(*metadata.Response).Topics {
		if t.Name != topic {
			continue
		}
		if t.ErrorCode != 0 {
			return 0, fmt.Errorf("reading metadata of %s: %w", topic, kafkago.Error(t.ErrorCode))
		}
		return len(t.Partitions), nil
	}
	return 0, fmt.Errorf("reading metadata of %s: %w", topic, kafkago.UnknownTopicOrPartition)
}

// bounds are the earliest retained offset and the high watermark of a
// partition.
type bounds struct{ first, end int64 }

// offsetBounds lists the earliest and end offsets of tps.
func (l *Log) offsetBounds(ctx context.Context, tps []pipeline.TopicPartition) (map[pipeline.TopicPartition]bounds, error) {
	if len(tps) == 0 {
		return map[pipeline.TopicPartition]bounds{}, nil
	}
	req := &kafkago.ListOffsetsRequest{Topics: make(map[string][]kafkago.OffsetRequest)}
	for _, tp := range tps {
		req.Topics[tp.Topic] = append(req.Topics[tp.Topic],
			kafkago.FirstOffsetOf(tp.Partition), kafkago.LastOffsetOf(tp.Partition))
	}
	ctx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	resp, err := l.client.ListOffsets(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("listing offsets: %w", l.brokerError(err))
	}
	out := make(map[pipeline.TopicPartition]bounds, len(tps))
	for topic, parts := range resp.Topics {
		for _, p := range parts {
			if p.Error != nil {
				return nil, fmt.Errorf("listing offsets of %s partition %d: %w", topic, p.Partition, p.Error)
			}
			out[pipeline.TopicPartition{Topic: topic, Partition: p.Partition}] = bounds{p.FirstOffset, p.LastOffset}
		}
	}
	for _, tp := range tps {
		if _, ok := out[tp]; !ok {
			return nil, fmt.Errorf("listing offsets of %s partition %d: no answer", tp.Topic, tp.Partition)
		}
	}
	return out, nil
}

// startAt is the offset a consumer starts a partition at, given the
// offset stored by the sink (if any) and the partition's bounds.
// lost counts the messages skipped because retention removed them (or
// stored > end: the offsets the broker no longer has); clamped says
// which case applied.
func startAt(stored int64, ok bool, b bounds) (offset int64, clamped clamp, lost int64) {
	switch {
	case !ok:
		return b.first, clampNone, 0
	case stored > b.end:
		return b.end, clampEnd, stored - b.end
	case stored < b.first:
		return b.first, clampFirst, b.first - stored
	}
	return stored, clampNone, 0
}

// clamp says why a stored offset was not used as is.
type clamp int

const (
	clampNone  clamp = iota
	clampEnd         // stored offset beyond the end: broker data lost
	clampFirst       // stored offset before the earliest: retention removed data
)
