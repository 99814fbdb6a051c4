package config

import (
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
)

func TestValidateBatches(t *testing.T) {
	t.Setenv("TALLY_TEST_TOKEN", "tok")
	t.Setenv("TALLY_TEST_MASTER", strings.Repeat("m", 32))
	for _, tc := range []struct {
		name, yaml string
		problems   []string
		records    int
		bytes      int
		partitions int
	}{
		{"defaults", "", nil, DefaultBatchRecords, DefaultBatchBytes, DefaultPartitions},
		{"set", "kafka:\n  batch_records: 5000\n  batch_bytes: 1048576\n  partitions: 1\n", nil, 5000, 1 << 20, 1},
		{"zero records", "kafka:\n  batch_records: 0\n", []string{"line 11: kafka.batch_records: 0 is out of range 1-100000"}, 0, 0, 0},
		{"too many records", "kafka:\n  batch_records: 100001\n", []string{"kafka.batch_records: 100001 is out of range"}, 0, 0, 0},
		{"both wrong, each on its line", "kafka:\n  batch_records: -1\n  batch_bytes: 10\n", []string{
			"line 11: kafka.batch_records: -1 is out of range",
			"line 12: kafka.batch_bytes: 10 is out of range 1024-268435456"}, 0, 0, 0},
		{"bytes over the limit", "kafka:\n  batch_bytes: 268435457\n", []string{"kafka.batch_bytes: 268435457 is out of range"}, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse([]byte(valid + tc.yaml))
			if err != nil {
				t.Fatalf("Parse() = %v", err)
			}
			ps := f.Validate(testRegistry(), schemas.Default())
			if tc.problems != nil {
				wantProblems(t, ps, tc.problems)
				return
			}
			if len(ps) > 0 {
				t.Fatalf("Validate() = %v, want no problems", ps)
			}
			k := f.Kafka
			if k.BatchRecords != tc.records || k.BatchBytes != tc.bytes || k.Partitions != tc.partitions {
				t.Errorf("batch_records, batch_bytes, partitions = %d, %d, %d; want %d, %d, %d",
					k.BatchRecords, k.BatchBytes, k.Partitions, tc.records, tc.bytes, tc.partitions)
			}
		})
	}
}

// validateSetting parses the valid configuration plus yaml and validates
// it. With problem set it checks that problem is reported and returns
// false; else it checks that none is and returns the file and true.
func validateSetting(t *testing.T, yaml, problem string) (*File, bool) {
	t.Helper()
	f, err := Parse([]byte(valid + yaml))
	if err != nil {
		t.Fatalf("Parse(%q) = %v", yaml, err)
	}
	ps := f.Validate(testRegistry(), schemas.Default())
	if problem != "" {
		wantProblems(t, ps, []string{problem})
		return f, false
	}
	if len(ps) > 0 {
		t.Errorf("%q: problems %v, want none", yaml, ps)
		return f, false
	}
	return f, true
}

// sync.ahead bounds the connector's back-pressure (pipeline.Runner.Ahead).
func TestValidateSyncAhead(t *testing.T) {
	t.Setenv("TALLY_TEST_TOKEN", "tok")
	t.Setenv("TALLY_TEST_MASTER", strings.Repeat("m", 32))
	for _, tc := range []struct {
		yaml    string
		problem string
		want    int
	}{
		{"", "", pipeline.DefaultAhead},
		{"sync:\n  ahead: 32\n", "", 32},
		{"sync:\n  ahead: 0\n", "sync.ahead: 0 is out of range 1-1000", 0},
		{"sync:\n  ahead: 1001\n", "sync.ahead: 1001 is out of range 1-1000", 0},
	} {
		if f, ok := validateSetting(t, tc.yaml, tc.problem); ok && f.Sync.Ahead != tc.want {
			t.Errorf("%q: ahead %d, want %d", tc.yaml, f.Sync.Ahead, tc.want)
		}
	}
}

// kafka.batch_wait bounds how long a consumer batch waits to fill up.
func TestValidateBatchWait(t *testing.T) {
	t.Setenv("TALLY_TEST_TOKEN", "tok")
	t.Setenv("TALLY_TEST_MASTER", strings.Repeat("m", 32))
	for _, tc := range []struct {
		yaml    string
		problem string
		want    time.Duration
	}{
		{"", "", DefaultBatchWait},
		{"kafka:\n  batch_wait: 250ms\n", "", 250 * time.Millisecond},
		{"kafka:\n  batch_wait: 10s\n", "", 10 * time.Second},
		{"kafka:\n  batch_wait: 0s\n", "line 11: kafka.batch_wait: 0s is out of range 1ms-10s", 0},
		{"kafka:\n  batch_wait: -5ms\n", "kafka.batch_wait: -5ms is out of range 1ms-10s", 0},
		{"kafka:\n  batch_wait: 1d\n", "kafka.batch_wait: 24h0m0s is out of range 1ms-10s", 0},
	} {
		if f, ok := validateSetting(t, tc.yaml, tc.problem); ok && time.Duration(f.Kafka.BatchWait) != tc.want {
			t.Errorf("%q: batch_wait %v, want %v", tc.yaml, time.Duration(f.Kafka.BatchWait), tc.want)
		}
	}
}
