package kafka

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"
)

// Defaults of Config fields left zero.
const (
	DefaultGroupID           = "tally"
	DefaultBatchTimeout      = time.Millisecond
	DefaultBatchSize         = 1000
	DefaultMaxBatch          = 1000
	DefaultMaxBatchBytes     = 4 << 20
	DefaultMaxWait           = 50 * time.Millisecond
	DefaultClientID          = "tally"
	DefaultSessionTimeout    = 10 * time.Second
	DefaultHeartbeatInterval = 500 * time.Millisecond
	DefaultRebalanceTimeout  = 15 * time.Second
)

// Config configures a Log. Zero fields take the defaults above.
type Config struct {
	// Brokers are the bootstrap addresses, host:port. Required.
	Brokers []string
	// TLS, when not nil, encrypts every connection (producer, admin
	// calls, consumer group, partition readers) and verifies the
	// brokers' certificates with it. An empty ServerName means each
	// broker's host name. InsecureSkipVerify is honoured and logged as
	// a warning by Open.
	TLS *tls.Config
	// SASL authenticates every connection; the zero value does not.
	SASL SASL
	// GroupID is the consumer group that tally processes reading the
	// same topics share.
	GroupID string
	// BatchTimeout is how long the producer waits for more messages for
	// a partition before sending. Publish is synchronous, so kafka-go's
	// default of one second would add a second to every call.
	BatchTimeout time.Duration
	// BatchSize is the most messages the producer sends to one
	// partition in one request.
	BatchSize int
	// MaxBatch is the most messages handed to one HandleFunc call.
	MaxBatch int
	// MaxBatchBytes bounds the keys and values of one batch: a batch
	// ends with the message that reaches it, so it exceeds it by less
	// than one message, and a larger message travels alone.
	MaxBatchBytes int
	// MaxWait bounds how long a batch waits to fill up, counted from its
	// first message; a batch is handed on when it is full or MaxWait
	// has passed.
	MaxWait time.Duration
	// ClientID names this process to the brokers (quotas, broker logs).
	ClientID string
	// MaxMessageBytes is the largest message Publish must send; the
	// producer's request limit (kafka-go's default 1 MiB) is raised to
	// fit it. Zero keeps the default.
	MaxMessageBytes int

	// SessionTimeout is how long the group coordinator waits for a
	// heartbeat before it evicts a member; Kafka brokers accept 6s to
	// 5m by default (group.min/max.session.timeout.ms).
	SessionTimeout time.Duration
	// HeartbeatInterval is how often a member heartbeats, and so how
	// quickly it notices that another member joined or left.
	HeartbeatInterval time.Duration
	// RebalanceTimeout is how long the coordinator waits for members to
	// rejoin during a rebalance. A member rejoins only after its
	// in-flight HandleFunc calls return, so it must exceed the longest
	// HandleFunc call.
	RebalanceTimeout time.Duration
}

// Validate reports every problem of c at once. Zero values are valid:
// they stand for the defaults.
func (c Config) Validate() error {
	var errs []error
	if len(c.Brokers) == 0 {
		errs = append(errs, errors.New("brokers: at least one broker address is required"))
	}
	for i, b := range c.Brokers {
		// Never echo the address: a URL with user information in it
		// would put a password in the error.
		switch _, port, err := net.SplitHostPort(b); {
		case strings.Contains(b, "@") || strings.Contains(b, "://"):
			errs = append(errs, fmt.Errorf("brokers[%d]: want host:port, without scheme or user information (credentials are not supported in broker addresses)", i))
		case err != nil || port == "":
			errs = append(errs, fmt.Errorf("brokers[%d]: want host:port", i))
		}
	}
	durations := []struct {
		name string
		d    time.Duration
	}{
		{"batch_timeout", c.BatchTimeout},
		{"max_wait", c.MaxWait},
		{"session_timeout", c.SessionTimeout},
		{"heartbeat_interval", c.HeartbeatInterval},
		{"rebalance_timeout", c.RebalanceTimeout},
	}
	for _, d := range durations {
		if d.d < 0 {
			errs = append(errs, fmt.Errorf("%s: must not be negative, got %s", d.name, d.d))
		}
	}
	if c.BatchSize < 0 {
		errs = append(errs, fmt.Errorf("batch_size: must not be negative, got %d", c.BatchSize))
	}
	errs = append(errs, c.SASL.validate()...)
	if c.MaxBatch < 0 {
		errs = append(errs, fmt.Errorf("max_batch: must not be negative, got %d", c.MaxBatch))
	}
	if c.MaxBatchBytes < 0 {
		errs = append(errs, fmt.Errorf("max_batch_bytes: must not be negative, got %d", c.MaxBatchBytes))
	}
	d := c.withDefaults()
	if d.HeartbeatInterval*3 > d.SessionTimeout && c.HeartbeatInterval >= 0 && c.SessionTimeout >= 0 {
		errs = append(errs, fmt.Errorf("heartbeat_interval: %s must be at most a third of session_timeout %s",
			d.HeartbeatInterval, d.SessionTimeout))
	}
	return errors.Join(errs...)
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	set := func(d *time.Duration, def time.Duration) {
		if *d == 0 {
			*d = def
		}
	}
	if c.GroupID == "" {
		c.GroupID = DefaultGroupID
	}
	if c.ClientID == "" {
		c.ClientID = DefaultClientID
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.MaxBatch == 0 {
		c.MaxBatch = DefaultMaxBatch
	}
	if c.MaxBatchBytes == 0 {
		c.MaxBatchBytes = DefaultMaxBatchBytes
	}
	set(&c.BatchTimeout, DefaultBatchTimeout)
	set(&c.MaxWait, DefaultMaxWait)
	set(&c.SessionTimeout, DefaultSessionTimeout)
	set(&c.HeartbeatInterval, DefaultHeartbeatInterval)
	set(&c.RebalanceTimeout, DefaultRebalanceTimeout)
	return c
}

// warnSecurity logs, at every Open, the settings that weaken transport
// security.
func warnSecurity(c Config, logger *slog.Logger) {
	if c.TLS != nil && c.TLS.InsecureSkipVerify {
		logger.Warn("KAFKA TLS CERTIFICATE VERIFICATION IS OFF (kafka.tls.insecure_skip_verify): "+
			"any host can pose as the brokers and read the raw records; use it only to diagnose, never in production",
			"component", component)
	}
	if c.SASL.Enabled() && c.TLS == nil {
		what := "records travel unencrypted"
		if c.SASL.Mechanism == MechanismPlain {
			what += ", and so does the password"
		}
		logger.Warn("kafka SASL without TLS: "+what+"; set kafka.tls", "component", component, "sasl", c.SASL.Mechanism)
	}
}
