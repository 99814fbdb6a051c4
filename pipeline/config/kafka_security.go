package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"slices"
)

// KafkaMechanisms are the SASL mechanisms kafka.sasl.mechanism accepts
// (those of pipeline/kafka).
var KafkaMechanisms = []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}

// KafkaTLS configures TLS to the brokers (SSL and SASL_SSL listeners).
type KafkaTLS struct {
	Enabled            bool   `yaml:"enabled" doc:"Encrypt every connection to the brokers (producer, consumer group, readers, topic administration) and verify the brokers' certificates. Needed for managed Kafka (Confluent Cloud, MSK, Aiven) and any SSL or SASL_SSL listener."`
	CAFile             string `yaml:"ca_file" doc:"PEM file of the CA certificates that sign the brokers' certificates. Empty trusts the system's CAs (enough for Confluent Cloud and MSK)."`
	CertFile           string `yaml:"cert_file" doc:"PEM client certificate, for brokers that authenticate clients by certificate (mutual TLS); set together with key_file."`
	KeyFile            string `yaml:"key_file" doc:"PEM private key of cert_file; keep the file readable by tally only."`
	ServerName         string `yaml:"server_name" doc:"Host name the brokers' certificates must carry. Empty: each broker's own host name."`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify" doc:"Accept any broker certificate: whoever sits on the path can read and alter the raw records. For diagnosis only; every start logs a warning."`
}

// KafkaSASL configures SASL authentication to the brokers.
type KafkaSASL struct {
	Mechanism string `yaml:"mechanism" doc:"PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; empty: no SASL. Confluent Cloud uses PLAIN with an API key and secret, MSK SCRAM-SHA-512. Use it with kafka.tls: PLAIN sends the password as is."`
	Username  Secret `yaml:"username" doc:"SASL user name (Confluent Cloud: the API key), an ${ENV} or ${file:PATH} reference; required with a mechanism."`
	Password  Secret `yaml:"password" doc:"SASL password (Confluent Cloud: the API secret), an ${ENV} or ${file:PATH} reference; required with a mechanism."`
}

// Config returns the client TLS configuration, nil when TLS is off. It
// reads the CA file and the client key pair; errors name the field and
// the file, never its content.
func (t KafkaTLS) Config() (*tls.Config, error) {
	if !t.Enabled {
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify}
	var errs []error
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("kafka.tls.ca_file: %w", err))
		default:
			c.RootCAs = x509.NewCertPool()
			if !c.RootCAs.AppendCertsFromPEM(pem) {
				errs = append(errs, fmt.Errorf("kafka.tls.ca_file: %s holds no PEM certificate", t.CAFile))
			}
		}
	}
	switch {
	case (t.CertFile == "") != (t.KeyFile == ""):
		errs = append(errs, errors.New("kafka.tls: cert_file and key_file go together: set both or neither"))
	case t.CertFile != "":
		pair, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("kafka.tls.cert_file, key_file: loading the client key pair: %w", err))
		} else {
			c.Certificates = []tls.Certificate{pair}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// set reports whether any TLS option is given.
func (t KafkaTLS) set() bool {
	return t.Enabled || t.CAFile != "" || t.CertFile != "" || t.KeyFile != "" || t.ServerName != "" || t.InsecureSkipVerify
}

// securityProblems reports every problem of kafka.tls and kafka.sasl.
func (k Kafka) securityProblems() []error {
	var errs []error
	if len(k.Brokers) == 0 && (k.TLS.set() || k.SASL.Mechanism != "") {
		errs = append(errs, errors.New("kafka.tls, kafka.sasl: they apply to kafka.brokers; the embedded broker (no brokers) listens on 127.0.0.1 without them"))
	}
	if !k.TLS.Enabled && k.TLS.set() {
		errs = append(errs, errors.New("kafka.tls: options are set but enabled is false; set kafka.tls.enabled: true"))
	}
	if k.TLS.set() {
		t := k.TLS
		t.Enabled = true // check the files even when enabled is forgotten
		if _, err := t.Config(); err != nil {
			errs = append(errs, err)
		}
	}
	s := k.SASL
	switch {
	case s.Mechanism == "":
		if s.Username.Env() != "" || s.Password.Env() != "" {
			errs = append(errs, fmt.Errorf("kafka.sasl.mechanism: required with a username or password (one of %v)", KafkaMechanisms))
		}
	case !slices.Contains(KafkaMechanisms, s.Mechanism):
		errs = append(errs, fmt.Errorf("kafka.sasl.mechanism: %q is not one of %v", s.Mechanism, KafkaMechanisms))
	default:
		errs = append(errs, s.Username.Validate("kafka.sasl.username"), s.Password.Validate("kafka.sasl.password"))
	}
	return errs
}

// SecurityWarnings lists the Kafka settings that weaken transport
// security; `tally validate` prints them, and every start logs them.
func (k Kafka) SecurityWarnings() []string {
	var ws []string
	if k.TLS.Enabled && k.TLS.InsecureSkipVerify {
		ws = append(ws, "kafka.tls.insecure_skip_verify: broker certificates are not verified; anyone on the path can read and alter the raw records")
	}
	if k.SASL.Mechanism != "" && !k.TLS.Enabled {
		ws = append(ws, "kafka.sasl without kafka.tls: records travel unencrypted, and with PLAIN so does the password")
	}
	return ws
}
