package main

import (
	"strings"
	"testing"
)

// TestExampleConfigIsValid keeps examples/tally.yaml in step with the
// code: every key it documents exists and validates.
func TestExampleConfigIsValid(t *testing.T) {
	t.Setenv("HUBSPOT_TOKEN", "pat-example")
	t.Setenv("SALESFORCE_CLIENT_SECRET", "example-secret")
	t.Setenv("TALLY_PG_DSN", "postgres://tally@db:5432/tally")
	t.Setenv("TALLY_MASTER_KEY", strings.Repeat("k", 32))
	if _, err := loadConfig("../../examples/tally.yaml", newRegistry(), schemasDefault()); err != nil {
		t.Fatalf("examples/tally.yaml: %v", err)
	}
}

// TestKafkaSASLSSLExampleIsValid keeps examples/kafka-sasl-ssl.yaml, the
// managed-Kafka example, valid and secured.
func TestKafkaSASLSSLExampleIsValid(t *testing.T) {
	t.Setenv("HUBSPOT_TOKEN", "pat-example")
	t.Setenv("KAFKA_USERNAME", "example-user")
	t.Setenv("KAFKA_PASSWORD", "example-password")
	t.Setenv("TALLY_PG_DSN", "postgres://tally@db:5432/tally?sslmode=verify-full")
	t.Setenv("TALLY_MASTER_KEY", strings.Repeat("k", 32))
	cfg, err := loadConfig("../../examples/kafka-sasl-ssl.yaml", newRegistry(), schemasDefault())
	if err != nil {
		t.Fatalf("examples/kafka-sasl-ssl.yaml: %v", err)
	}
	if !cfg.Kafka.TLS.Enabled || cfg.Kafka.SASL.Mechanism == "" || len(cfg.Kafka.SecurityWarnings()) > 0 {
		t.Errorf("examples/kafka-sasl-ssl.yaml: want TLS and SASL without warnings, got tls %v, sasl %q, warnings %q",
			cfg.Kafka.TLS.Enabled, cfg.Kafka.SASL.Mechanism, cfg.Kafka.SecurityWarnings())
	}
}
