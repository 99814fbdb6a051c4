package kafka

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/tally-dev/tally/pipeline"
)

// TestPublishRefusesOversizeBeforeWriting: a call holding a message over
// the broker's message.max.bytes writes nothing, not even the messages
// bound for other partitions, so publishing its halves again writes
// every other message once.
func TestPublishRefusesOversizeBeforeWriting(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.BrokerConfigs(map[string]string{"message.max.bytes": "100000"}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	l := openLog(t, c.ListenAddrs(), nil)
	const topic = "raw.acme.big.deal"
	ensure(t, l, topic, 4)
	if got := l.sizeLimit(context.Background(), topic); got != 100000 {
		t.Errorf("sizeLimit() = %d, want 100000", got)
	}
	msgs := keyed(8, 8)
	msgs[5].Value = []byte(strings.Repeat("v", 200_000))
	err = l.Publish(context.Background(), topic, msgs)
	if !errors.Is(err, pipeline.ErrInvalid) || !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("Publish() = %v, want ErrMessageTooLarge", err)
	}
	end, err := l.EndOffsets(context.Background(), []string{topic})
	if err != nil {
		t.Fatal(err)
	}
	for tp, e := range end {
		if e != 0 {
			t.Errorf("partition %d holds %d messages after a refused call, want 0", tp.Partition, e)
		}
	}
}
