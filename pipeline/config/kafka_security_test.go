package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tally-dev/tally/pipeline/pipelinetest"
	"github.com/tally-dev/tally/schemas"
)

func TestKafkaSecurity(t *testing.T) {
	ca := pipelinetest.NewCA(t)
	client := ca.Issue(t, "client", "tally")
	notPEM := filepath.Join(t.TempDir(), "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TALLY_TEST_TOKEN", "tok")
	t.Setenv("TALLY_TEST_MASTER", strings.Repeat("m", 32))
	t.Setenv("TALLY_TEST_KAFKA_USER", "api-key-value")
	t.Setenv("TALLY_TEST_KAFKA_PASSWORD", "api-secret-value")
	cases := []struct {
		name     string
		kafka    string
		problems []string // substrings, one per expected problem
		warnings []string
	}{
		{name: "tls with CA and client pair", kafka: `
  brokers: [b1:9093]
  tls: {enabled: true, ca_file: ` + ca.CertFile + `, cert_file: ` + client.CertFile + `, key_file: ` + client.KeyFile + `}`},
		{name: "sasl_ssl", kafka: `
  brokers: [pkc-1.example.com:9092]
  tls: {enabled: true}
  sasl: {mechanism: SCRAM-SHA-512, username: "${TALLY_TEST_KAFKA_USER}", password: "${TALLY_TEST_KAFKA_PASSWORD}"}`},
		{name: "sasl without tls warns", kafka: `
  brokers: [b1:9092]
  sasl: {mechanism: PLAIN, username: "${TALLY_TEST_KAFKA_USER}", password: "${TALLY_TEST_KAFKA_PASSWORD}"}`,
			warnings: []string{"kafka.sasl without kafka.tls"}},
		{name: "insecure warns", kafka: `
  brokers: [b1:9093]
  tls: {enabled: true, insecure_skip_verify: true}`,
			warnings: []string{"insecure_skip_verify"}},
		{name: "every problem at once", kafka: `
  brokers: [b1:9093]
  tls: {enabled: true, ca_file: /nonexistent/ca.pem, cert_file: ` + client.CertFile + `}
  sasl: {mechanism: GSSAPI, username: "${TALLY_TEST_KAFKA_USER}", password: "${TALLY_TEST_KAFKA_PASSWORD}"}`,
			problems: []string{"kafka.tls.ca_file", "cert_file and key_file go together", `kafka.sasl.mechanism: "GSSAPI"`}},
		{name: "not PEM and mismatched pair", kafka: `
  brokers: [b1:9093]
  tls: {enabled: true, ca_file: ` + notPEM + `, cert_file: ` + client.CertFile + `, key_file: ` + ca.Issue(t, "other").KeyFile + `}`,
			problems: []string{"holds no PEM certificate", "loading the client key pair"}},
		{name: "options without enabled", kafka: `
  brokers: [b1:9093]
  tls: {ca_file: ` + ca.CertFile + `}`,
			problems: []string{"set kafka.tls.enabled: true"}},
		{name: "missing credentials", kafka: `
  brokers: [b1:9093]
  tls: {enabled: true}
  sasl: {mechanism: SCRAM-SHA-256, username: "${TALLY_TEST_KAFKA_USER}", password: "${TALLY_TEST_UNSET_PASSWORD}"}`,
			problems: []string{"TALLY_TEST_UNSET_PASSWORD is not set"}},
		{name: "credentials without mechanism", kafka: `
  brokers: [b1:9093]
  sasl: {username: "${TALLY_TEST_KAFKA_USER}"}`,
			problems: []string{"kafka.sasl.mechanism: required"}},
		{name: "embedded broker", kafka: `
  tls: {enabled: true}`,
			problems: []string{"the embedded broker"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse([]byte(valid + "kafka:" + tc.kafka + "\n"))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			ps := f.Validate(testRegistry(), schemas.Default())
			wantProblems(t, ps, tc.problems)
			ws := f.Kafka.SecurityWarnings()
			if len(ws) != len(tc.warnings) {
				t.Errorf("SecurityWarnings() = %q, want %d", ws, len(tc.warnings))
			}
			for i, w := range tc.warnings {
				if i < len(ws) && !strings.Contains(ws[i], w) {
					t.Errorf("SecurityWarnings()[%d] = %q, want %q", i, ws[i], w)
				}
			}
			all := ps.Error() + strings.Join(ws, "\n")
			if strings.Contains(all, "api-key-value") || strings.Contains(all, "api-secret-value") {
				t.Errorf("problems or warnings quote a credential:\n%s", all)
			}
		})
	}
}

// TestLiteralKafkaPasswordRejected: a password written in the file is
// refused, like every other secret.
func TestLiteralKafkaPasswordRejected(t *testing.T) {
	_, err := Parse([]byte(valid + "kafka:\n  brokers: [b:9093]\n  sasl:\n    mechanism: PLAIN\n    username: ${U}\n    password: hunter2\n"))
	if err == nil || !strings.Contains(err.Error(), "must be an ${ENV} or ${file:PATH} reference") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Parse(literal password) = %v, want an ${ENV} problem without the value", err)
	}
}
