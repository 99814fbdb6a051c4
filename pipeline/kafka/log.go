package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/tally-dev/tally/pipeline"
)

// adminTimeout bounds each metadata, offset and topic administration
// call.
const adminTimeout = 10 * time.Second

// Log is a pipeline.Log on a Kafka cluster. All methods may be called
// concurrently. A Log holds one producer and a pool of connections for
// admin calls; Consume opens its own group membership and partition
// readers, which it closes before returning.
type Log struct {
	cfg       Config
	logger    *slog.Logger
	transport *kafkago.Transport
	client    *kafkago.Client
	dialer    *kafkago.Dialer
	dial      *dialer // under transport and dialer
	writer    *kafkago.Writer
	limits    sync.Map   // topic → its max.message.bytes (see sizeLimit)
	assigned  assignment // Consume's current generation (assignment.go)
}

var _ pipeline.Log = (*Log)(nil)

// Open validates cfg and returns a Log. It does no I/O: connections are
// made by the first call that needs them, so a broker that is down shows
// up as an error of that call. A nil logger discards.
func Open(cfg Config, logger *slog.Logger) (*Log, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("kafka config: %w", err)
	}
	cfg = cfg.withDefaults()
	logger = orDiscard(logger)
	mech, err := cfg.SASL.mechanism()
	if err != nil {
		return nil, fmt.Errorf("kafka config: %w", err)
	}
	warnSecurity(cfg, logger)
	dial := newDialer(cfg.TLS, mech, cfg.ClientID, adminTimeout)
	transport := &kafkago.Transport{
		ClientID:    cfg.ClientID,
		DialTimeout: adminTimeout,
		Dial:        dial.DialContext,
	}
	addr := kafkago.TCP(cfg.Brokers...)
	l := &Log{
		cfg:       cfg,
		logger:    logger,
		transport: transport,
		dial:      dial,
		client:    &kafkago.Client{Addr: addr, Transport: transport, Timeout: adminTimeout},
		dialer: &kafkago.Dialer{
			ClientID: cfg.ClientID,
			Timeout:  adminTimeout,
			DialFunc: dial.DialContext,
		},
	}
	l.writer = &kafkago.Writer{
		Addr:         addr,
		Balancer:     balancer{},
		RequiredAcks: kafkago.RequireAll,
		BatchTimeout: cfg.BatchTimeout,
		BatchSize:    cfg.BatchSize,
		BatchBytes:   max(1<<20, int64(cfg.MaxMessageBytes)+1<<10),
		Transport:    transport,
		ErrorLogger:  clientErrorLogger(logger),
	}
	return l, nil
}

// Close flushes and closes the producer and the admin connections. It
// does not stop a running Consume; cancel its context first.
func (l *Log) Close() error {
	err := l.writer.Close()
	l.transport.CloseIdleConnections()
	if err != nil {
		return fmt.Errorf("closing kafka producer: %w", err)
	}
	return nil
}

// EnsureTopic creates spec.Name if it does not exist, with
// spec.Partitions partitions (the broker's num.partitions when not
// positive), the broker's default replication factor,
// cleanup.policy=delete and retention.ms=spec.Retention. It returns the
// topic's partition count; an existing topic keeps its partitions and
// configuration (see TopicRetention). spec.Retention must be positive:
// raw topics hold personal data and never keep it forever.
func (l *Log) EnsureTopic(ctx context.Context, spec pipeline.TopicSpec) (int, error) {
	if spec.Name == "" {
		return 0, fmt.Errorf("ensuring topic: empty name: %w", pipeline.ErrConfig)
	}
	if spec.Retention <= 0 {
		return 0, fmt.Errorf("ensuring topic %s: retention %s must be positive: %w",
			spec.Name, spec.Retention, pipeline.ErrConfig)
	}
	parts := spec.Partitions
	if parts <= 0 {
		parts = -1
	}
	resp, err := l.client.CreateTopics(ctx, &kafkago.CreateTopicsRequest{
		Topics: []kafkago.TopicConfig{{
			Topic:             spec.Name,
			NumPartitions:     parts,
			ReplicationFactor: -1,
			ConfigEntries: []kafkago.ConfigEntry{
				{ConfigName: "retention.ms", ConfigValue: fmt.Sprint(spec.Retention.Milliseconds())},
				{ConfigName: "cleanup.policy", ConfigValue: "delete"},
			},
		}},
	})
	if err != nil {
		return 0, fmt.Errorf("creating topic %s: %w", spec.Name, l.why(ctx, err))
	}
	switch err := resp.Errors[spec.Name]; {
	case err == nil:
		l.logger.Info("created topic", "component", component, "topic", spec.Name,
			"count", spec.Partitions, "duration", spec.Retention)
	case errors.Is(err, kafkago.TopicAlreadyExists):
	default:
		return 0, fmt.Errorf("creating topic %s: %w", spec.Name, err)
	}
	// Kafka-go answers metadata requests from a cache that may predate
	// a topic created by another process; see partitionCount.
	existed := resp.Errors[spec.Name] != nil
	return l.partitionCount(ctx, spec.Name, existed)
}

// TopicRetention returns the retention.ms of an existing topic, from the
// topic's own setting or the broker default. A negative duration means
// the topic keeps messages forever.
func (l *Log) TopicRetention(ctx context.Context, topic string) (time.Duration, error) {
	resp, err := l.client.DescribeConfigs(ctx, &kafkago.DescribeConfigsRequest{
		Resources: []kafkago.DescribeConfigRequestResource{{
			ResourceType: kafkago.ResourceTypeTopic,
			ResourceName: topic,
			ConfigNames:  []string{"retention.ms"},
		}},
	})
	if err != nil {
		return 0, fmt.Errorf("describing topic %s: %w", topic, l.why(ctx, err))
	}
	for _, r := range resp.Resources {
		if r.Error != nil {
			return 0, fmt.Errorf("describing topic %s: %w", topic, r.Error)
		}
		for _, e := range r.ConfigEntries {
			if e.ConfigName != "retention.ms" {
				continue
			}
			var ms int64
			if _, err := fmt.Sscan(e.ConfigValue, &ms); err != nil {
				return 0, fmt.Errorf("describing topic %s: parsing retention.ms: %w", topic, err)
			}
			if ms < 0 {
				return -1, nil
			}
			return time.Duration(ms) * time.Millisecond, nil
		}
	}
	return 0, fmt.Errorf("describing topic %s: no retention.ms in response", topic)
}

// EndOffsets returns the high watermark (the offset the next message
// will get) of every partition of topics. A topic that does not exist is
// an error.
func (l *Log) EndOffsets(ctx context.Context, topics []string) (map[pipeline.TopicPartition]int64, error) {
	var tps []pipeline.TopicPartition
	for _, t := range topics {
		n, err := l.partitionCount(ctx, t, false)
		if err != nil {
			return nil, err
		}
		for p := range n {
			tps = append(tps, pipeline.TopicPartition{Topic: t, Partition: p})
		}
	}
	bounds, err := l.offsetBounds(ctx, tps)
	if err != nil {
		return nil, err
	}
	ends := make(map[pipeline.TopicPartition]int64, len(bounds))
	for tp, b := range bounds {
		ends[tp] = b.end
	}
	return ends, nil
}
