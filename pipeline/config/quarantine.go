package config

import "math"

// Quarantine configures how many quarantined records `tally run --once`
// tolerates before it exits with its own code (5).
type Quarantine struct {
	MaxShare float64 `yaml:"max_share" doc:"Largest share of a stream's records in one pass that may be quarantined, 0 to 1; above it 'tally run --once' exits with code 5 naming the stream and the rules. 0 tolerates none, 1 any."`
	Line     int     `yaml:"-"`
}

// DefaultMaxShare is quarantine.max_share unless configured: 1 %.
const DefaultMaxShare = 0.01

// Bounds of kafka.max_message_bytes (0 means the pipeline's default).
const (
	minMessageBytes = 1 << 10
	maxMessageBytes = 64 << 20
)

func (f *File) validateQuarantine(add func(int, string, ...any)) {
	if s := f.Quarantine.MaxShare; math.IsNaN(s) || s < 0 || s > 1 {
		add(f.Quarantine.Line, "quarantine.max_share: %g is out of range 0-1", s)
	}
	if n := f.Kafka.MaxMessageBytes; n != 0 && (n < minMessageBytes || n > maxMessageBytes) {
		add(f.Kafka.Line, "kafka.max_message_bytes: %d is out of range %d-%d (or 0 for the default)", n, minMessageBytes, maxMessageBytes)
	}
}
