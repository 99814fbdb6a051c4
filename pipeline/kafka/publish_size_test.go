package kafka

import (
	"context"
	"errors"
	"strings"
	"testing"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/tally-dev/tally/pipeline"
)

// TestPublishTooLarge: a message over the broker's message.max.bytes, or
// over the producer's request limit, fails with ErrMessageTooLarge, which
// is pipeline.ErrInvalid (the emitter then isolates the message), and the
// error holds no message content.
func TestPublishTooLarge(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.BrokerConfigs(map[string]string{"message.max.bytes": "20000"}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	for _, tc := range []struct {
		name string
		size int
		edit func(*Config)
	}{
		{"broker limit", 50_000, nil},
		{"producer limit", 2 << 20, nil},
		{"raised producer limit, broker limit", 2 << 20, func(c *Config) { c.MaxMessageBytes = 4 << 20 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := openLog(t, c.ListenAddrs(), tc.edit)
			ensure(t, l, "big", 1)
			msgs := []pipeline.Message{
				{Key: []byte("1"), Value: []byte("small"), Partition: -1},
				{Key: []byte("2"), Value: []byte("secret-" + strings.Repeat("x", tc.size)), Partition: -1},
			}
			err := l.Publish(context.Background(), "big", msgs)
			if !errors.Is(err, ErrMessageTooLarge) || !errors.Is(err, pipeline.ErrInvalid) || !errors.Is(err, kafkago.MessageSizeTooLarge) {
				t.Fatalf("Publish(%d bytes) = %v, want ErrMessageTooLarge wrapping pipeline.ErrInvalid", tc.size, err)
			}
			if errors.Is(err, pipeline.ErrTransient) || strings.Contains(err.Error(), "secret-") {
				t.Errorf("Publish error = %v, want neither transient nor holding the message", err)
			}
			if err := l.Publish(context.Background(), "big", msgs[:1]); err != nil {
				t.Errorf("Publish(small message) after a refusal = %v", err)
			}
		})
	}
}
