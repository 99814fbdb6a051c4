package config

import (
	"strings"
	"testing"

	"github.com/tally-dev/tally/schemas"
)

func TestValidateQuarantine(t *testing.T) {
	t.Setenv("TALLY_TEST_TOKEN", "tok")
	t.Setenv("TALLY_TEST_MASTER", strings.Repeat("m", 32))
	for _, tc := range []struct {
		name, yaml string
		problem    string // substring of the one problem, "" for none
		share      float64
		maxBytes   int
	}{
		{"defaults", "", "", DefaultMaxShare, 0},
		{"share and size set", "quarantine:\n  max_share: 0.5\nkafka:\n  max_message_bytes: 200000\n", "", 0.5, 200000},
		{"zero share", "quarantine:\n  max_share: 0\n", "", 0, 0},
		{"share over one", "quarantine:\n  max_share: 1.5\n", "line 11: quarantine.max_share: 1.5 is out of range 0-1", 0, 0},
		{"negative share", "quarantine:\n  max_share: -0.1\n", "quarantine.max_share: -0.1 is out of range", 0, 0},
		{"tiny message limit", "kafka:\n  max_message_bytes: 10\n", "kafka.max_message_bytes: 10 is out of range 1024-67108864", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse([]byte(valid + tc.yaml))
			if err != nil {
				t.Fatalf("Parse() = %v", err)
			}
			ps := f.Validate(testRegistry(), schemas.Default())
			if tc.problem == "" {
				if len(ps) > 0 {
					t.Fatalf("Validate() = %v, want no problems", ps)
				}
				if f.Quarantine.MaxShare != tc.share || f.Kafka.MaxMessageBytes != tc.maxBytes {
					t.Errorf("max_share, max_message_bytes = %v, %d; want %v, %d", f.Quarantine.MaxShare, f.Kafka.MaxMessageBytes, tc.share, tc.maxBytes)
				}
				return
			}
			if len(ps) != 1 || !strings.Contains(ps[0].String(), tc.problem) {
				t.Errorf("Validate() = %v, want one problem %q", ps, tc.problem)
			}
		})
	}
}
