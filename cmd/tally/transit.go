package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/pipeline/kafka"
	"github.com/tally-dev/tally/warehouse"
)

// kafkaConfig is the client configuration of cfg on brokers: TLS and
// SASL apply to configured brokers only (validation rejects them for the
// embedded one).
func kafkaConfig(cfg *config.File, brokers []string) (kafka.Config, error) {
	kc := kafka.Config{Brokers: brokers, GroupID: cfg.Kafka.GroupID, MaxMessageBytes: cfg.Kafka.MaxMessageBytes,
		MaxBatch: cfg.Kafka.BatchRecords, MaxBatchBytes: cfg.Kafka.BatchBytes, MaxWait: time.Duration(cfg.Kafka.BatchWait)}
	if len(cfg.Kafka.Brokers) == 0 {
		return kc, nil
	}
	tlsCfg, err := cfg.Kafka.TLS.Config()
	if err != nil {
		return kc, withCode(exitConfig, err)
	}
	kc.TLS = tlsCfg
	if s := cfg.Kafka.SASL; s.Mechanism != "" {
		kc.SASL = kafka.SASL{Mechanism: s.Mechanism, Username: s.Username.Reveal(), Password: s.Password.Reveal()}
	}
	return kc, nil
}

// warnEmbedded says, at every start on the embedded broker, what it is.
func warnEmbedded(logger *slog.Logger, dataDir string) {
	logger.Warn("kafka.brokers is empty: running the embedded development broker (kfake), a single process and a single node "+
		"inside tally; raw records are not replicated, live only under "+filepath.Join(dataDir, "kafka")+
		" (written through the page cache without fsync, so a machine crash can lose the latest), and are unreachable while tally is down; "+
		"not for production: set kafka.brokers", "component", "kafka")
}

// checkBrokers proves that every configured bootstrap broker accepts a
// connection with the configured TLS and SASL and answers a metadata
// request. With out it prints one line per broker. Wrong settings or
// credentials come back wrapped in pipeline.ErrConfig.
func checkBrokers(ctx context.Context, l *kafka.Log, cfg *config.File, out io.Writer) error {
	statuses, err := l.Check(ctx)
	security := "plaintext"
	if cfg.Kafka.TLS.Enabled {
		security = "tls"
	}
	if m := cfg.Kafka.SASL.Mechanism; m != "" {
		security += ", sasl " + m
	}
	if out != nil {
		for _, s := range statuses {
			var be *kafka.BrokerError
			switch {
			case errors.As(s.Err, &be):
				fmt.Fprintf(out, "kafka broker %s: FAILED at %s: %v\n", s.Addr, be.Step, be.Err)
				continue
			case s.Err != nil:
				fmt.Fprintf(out, "kafka broker %s: FAILED: %v\n", s.Addr, s.Err)
				continue
			}
			fmt.Fprintf(out, "kafka broker %s: ok (%s; metadata lists %d broker(s))\n", s.Addr, security, s.Brokers)
		}
	}
	if err != nil && errors.Is(err, pipeline.ErrConfig) {
		return withCode(exitConfig, err)
	}
	return err
}

// preflightBrokers connects to the configured brokers once at start.
// Wrong TLS settings or credentials stop the process at once, naming the
// broker and the step, rather than being retried forever; an unreachable
// broker is logged and left to the pipeline's retries, since the
// bootstrap list exists for brokers that are down.
func preflightBrokers(ctx context.Context, l *kafka.Log, cfg *config.File, logger *slog.Logger) error {
	if len(cfg.Kafka.Brokers) == 0 {
		return nil
	}
	err := checkBrokers(ctx, l, cfg, nil)
	if err == nil || errors.Is(err, pipeline.ErrConfig) {
		return err
	}
	logger.Warn("kafka broker unreachable at start; the pipeline retries", "component", "kafka", "error", err)
	return nil
}

// checkKafka is tally check's broker section: connectivity and
// authentication of kafka.brokers, or a note on the embedded broker.
func checkKafka(ctx context.Context, cfg *config.File, logger *slog.Logger, out io.Writer) error {
	if len(cfg.Kafka.Brokers) == 0 {
		fmt.Fprintln(out, "kafka: no kafka.brokers; `tally run` starts the embedded development broker (single node, not for production)")
		return nil
	}
	kc, err := kafkaConfig(cfg, cfg.Kafka.Brokers)
	if err != nil {
		return err
	}
	l, err := kafka.Open(kc, logger)
	if err != nil {
		return withCode(exitConfig, err)
	}
	defer l.Close()
	return checkBrokers(ctx, l, cfg, out)
}

// warnWarehouseTransit logs one warning when the PostgreSQL warehouse is
// reached over the network without TLS being required.
func warnWarehouseTransit(logger *slog.Logger, cfg *config.File) {
	if cfg.Warehouse.Driver != "postgres" {
		return
	}
	if host, mode, insecure := warehouse.InsecureTransit(cfg.Warehouse.DSN.Reveal()); insecure {
		logger.Warn("the warehouse is reached over the network with sslmode="+mode+
			": facts and the password may travel unencrypted or to an impostor; set sslmode=verify-full and sslrootcert in warehouse.dsn",
			"component", "warehouse", "host", host, "sslmode", mode)
	}
}
