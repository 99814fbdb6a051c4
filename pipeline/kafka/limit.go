package kafka

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol/metadata"

	"github.com/tally-dev/tally/pipeline"
)

// Overheads of a message in a record batch (format v2, uncompressed),
// as a broker measures it against max.message.bytes: the batch header,
// and a record's length, attributes, deltas and key, value and header
// lengths at their widest.
const (
	batchOverhead  = 61
	recordOverhead = 32
)

// checkSizes refuses, before anything is written, a call holding a
// message that alone is over the topic's max.message.bytes: the broker
// would refuse that message's partition batch and accept the others,
// and a caller that publishes the call again (or in halves, to find the
// message) would write the accepted messages twice, and the consumer
// count them twice. When the limit cannot be read the broker decides.
func (l *Log) checkSizes(ctx context.Context, topic string, msgs []pipeline.Message) error {
	limit := l.sizeLimit(ctx, topic)
	if limit <= 0 {
		return nil
	}
	for _, m := range msgs {
		if n := batchOverhead + recordOverhead + len(m.Key) + len(m.Value); n > limit {
			return fmt.Errorf("publishing to %s: a message of %d bytes is over the topic's max.message.bytes %d: %w",
				topic, n, limit, ErrMessageTooLarge)
		}
	}
	return nil
}

// configSourceDefault is the ConfigSource of a setting at its built-in
// default.
const configSourceDefault = 5

// sizeLimit returns the topic's max.message.bytes (its own setting, or
// the brokers' message.max.bytes where the topic answers with the
// built-in default, as the embedded broker does), read once per topic;
// 0 when it cannot be read.
func (l *Log) sizeLimit(ctx context.Context, topic string) int {
	if v, ok := l.limits.Load(topic); ok {
		return v.(int)
	}
	ctx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	limit, source, err := l.describeInt(ctx, kafkago.ResourceTypeTopic, topic, "max.message.bytes")
	if err != nil || limit <= 0 {
		return 0 // not cached: asked again next call
	}
	if source == configSourceDefault {
		if b, err := l.brokerLimit(ctx); err == nil && b > 0 {
			limit = b
		}
	}
	l.limits.Store(topic, limit)
	return limit
}

// brokerLimit reads message.max.bytes of a broker of the cluster.
func (l *Log) brokerLimit(ctx context.Context) (int, error) {
	m, err := l.transport.RoundTrip(ctx, l.client.Addr, &metadata.Request{})
	if err != nil {
		return 0, err
	}
	brokers := m.(*metadata.Response).Brokers
	if len(brokers) == 0 {
		return 0, errors.New("no broker in the answer")
	}
	n, _, err := l.describeInt(ctx, kafkago.ResourceTypeBroker, strconv.Itoa(int(brokers[0].NodeID)), "message.max.bytes")
	return n, err
}

// describeInt reads one integer setting of a resource and its source.
func (l *Log) describeInt(ctx context.Context, typ kafkago.ResourceType, name, key string) (int, int8, error) {
	resp, err := l.client.DescribeConfigs(ctx, &kafkago.DescribeConfigsRequest{
		Resources: []kafkago.DescribeConfigRequestResource{{ResourceType: typ, ResourceName: name, ConfigNames: []string{key}}},
	})
	if err != nil {
		return 0, 0, err
	}
	for _, r := range resp.Resources {
		if r.Error != nil {
			return 0, 0, r.Error
		}
		for _, e := range r.ConfigEntries {
			if e.ConfigName == key {
				n, err := strconv.Atoi(e.ConfigValue)
				return n, e.ConfigSource, err
			}
		}
	}
	return 0, 0, fmt.Errorf("no %s in the answer", key)
}
