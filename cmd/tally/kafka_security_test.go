package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/pipeline/kafka"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

const (
	kafkaTestUser     = "tally-kafka-user"
	kafkaTestPassword = "kafka-Passw0rd-never-printed"
)

// securedBroker starts an embedded broker that speaks TLS only, with a
// certificate of a CA made for the test, and requires SASL user
// kafkaTestUser under mech.
func securedBroker(t *testing.T, ca *pipelinetest.CA, mech string) string {
	t.Helper()
	srv := ca.Issue(t, "broker", "127.0.0.1")
	emb, err := kafka.StartEmbedded(kafka.EmbeddedOptions{
		TLS:   &tls.Config{Certificates: []tls.Certificate{srv.TLS}, MinVersion: tls.VersionTLS12},
		Users: []kafka.SASL{{Mechanism: mech, Username: kafkaTestUser, Password: kafkaTestPassword}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emb.Close() })
	return emb.Addrs()[0]
}

// appendConfig adds YAML to the configuration file of e.
func (e *env) appendConfig(t *testing.T, yml string) {
	t.Helper()
	data, err := os.ReadFile(e.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.cfgPath, append(data, yml...), 0o600); err != nil {
		t.Fatal(err)
	}
}

func securedKafkaYAML(addr, caFile, mech string, withTLS bool) string {
	y := fmt.Sprintf("kafka:\n  brokers: [%q]\n", addr)
	if withTLS {
		y += fmt.Sprintf("  tls:\n    enabled: true\n    ca_file: %q\n", caFile)
	}
	return y + fmt.Sprintf("  sasl:\n    mechanism: %s\n    username: ${TALLY_TEST_KAFKA_USER}\n    password: ${TALLY_TEST_KAFKA_PASSWORD}\n", mech)
}

// TestSyncThroughSecuredBroker: a full sync (topic creation, publishing,
// consuming through the group, loading the warehouse) over TLS with
// SASL, and `tally check` proving the broker and the credentials.
func TestSyncThroughSecuredBroker(t *testing.T) {
	for _, mech := range []string{kafka.MechanismPlain, kafka.MechanismSCRAMSHA512} {
		t.Run(mech, func(t *testing.T) {
			ca := pipelinetest.NewCA(t)
			addr := securedBroker(t, ca, mech)
			t.Setenv("TALLY_TEST_KAFKA_USER", kafkaTestUser)
			t.Setenv("TALLY_TEST_KAFKA_PASSWORD", kafkaTestPassword)
			ds := hubspottest.Generate(7, hubspottest.Sizes{Owners: 2, Deals: 8, Contacts: 6})
			e := newEnv(t, ds, sqliteWarehouse(t))
			e.appendConfig(t, securedKafkaYAML(addr, ca.CertFile, mech, true))

			a, logs := e.runOnce(t, appOptions{})
			if d := dump(t, a); !strings.Contains(d, "== deal_facts (8 rows)") || !strings.Contains(d, "== lead_facts (6 rows)") {
				t.Errorf("warehouse after a sync through the secured broker:\n%s", tail(d, 2000))
			}
			if strings.Contains(logs.String(), kafkaTestPassword) {
				t.Errorf("logs quote the Kafka password")
			}

			var out, errb bytes.Buffer
			if code := run(context.Background(), []string{"check", "--config", e.cfgPath}, &out, &errb); code != exitOK {
				t.Fatalf("check exited %d: %s%s", code, out.String(), errb.String())
			}
			want := fmt.Sprintf("kafka broker %s: ok (tls, sasl %s; metadata lists 1 broker(s))", addr, mech)
			if !strings.Contains(out.String(), want) {
				t.Errorf("check output lacks %q:\n%s", want, out.String())
			}
		})
	}
}

// TestSecuredBrokerMisconfigured: a wrong CA, a wrong password and a
// plaintext client of the TLS listener stop `tally run` and `tally
// check` at once with exit code 2 and a message naming the broker and
// the step, without the credentials.
func TestSecuredBrokerMisconfigured(t *testing.T) {
	ca := pipelinetest.NewCA(t)
	cases := []struct {
		name     string
		caFile   string
		password string
		tls      bool
		step     string
	}{
		{"wrong CA", pipelinetest.NewCA(t).CertFile, kafkaTestPassword, true, "tls handshake"},
		{"wrong password", ca.CertFile, "wrong-" + kafkaTestPassword, true, "sasl authentication"},
		{"plaintext to tls", "", kafkaTestPassword, false, "sasl authentication"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := securedBroker(t, ca, kafka.MechanismSCRAMSHA256)
			t.Setenv("TALLY_TEST_KAFKA_USER", kafkaTestUser)
			t.Setenv("TALLY_TEST_KAFKA_PASSWORD", tc.password)
			ds := hubspottest.Generate(7, hubspottest.Sizes{Owners: 1, Deals: 2, Contacts: 2})
			e := newEnv(t, ds, sqliteWarehouse(t))
			e.appendConfig(t, securedKafkaYAML(addr, tc.caFile, kafka.MechanismSCRAMSHA256, tc.tls))
			for _, args := range [][]string{{"run", "--once"}, {"check"}} {
				// The deadline only keeps a regression from hanging the
				// suite; the failure is expected at the first connection.
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				var out, errb bytes.Buffer
				code := run(ctx, append(args, "--config", e.cfgPath), &out, &errb)
				cancel()
				all := out.String() + errb.String()
				t.Logf("%v exited %d:\n%s", args, code, tail(all, 600))
				if code != exitConfig {
					t.Errorf("%v exited %d, want %d:\n%s", args, code, exitConfig, tail(all, 2000))
				}
				if want := "kafka broker " + addr + ": " + tc.step + ": "; !strings.Contains(all, want) {
					t.Errorf("%v output lacks %q:\n%s", args, want, tail(all, 2000))
				}
				for _, secret := range []string{kafkaTestPassword, kafkaTestUser} {
					if strings.Contains(all, secret) {
						t.Errorf("%v output quotes a credential:\n%s", args, all)
					}
				}
				if e.srv.RequestCount() != 0 && args[0] == "run" {
					t.Errorf("run pulled %d CRM pages before it could reach Kafka", e.srv.RequestCount())
				}
			}
		})
	}
}

// TestRunWarnsAboutEmbeddedBroker: without kafka.brokers, `tally run`
// says once, as a warning, that it runs the development broker.
func TestRunWarnsAboutEmbeddedBroker(t *testing.T) {
	ds := hubspottest.Generate(7, hubspottest.Sizes{Owners: 1, Deals: 2, Contacts: 2})
	e := newEnv(t, ds, sqliteWarehouse(t))
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"run", "--once", "--config", e.cfgPath}, &out, &errb); code != exitOK {
		t.Fatalf("run exited %d: %s", code, tail(errb.String(), 2000))
	}
	var warns []string
	for _, l := range strings.Split(errb.String(), "\n") {
		if strings.Contains(l, "embedded development broker") {
			warns = append(warns, l)
		}
	}
	if len(warns) != 1 || !strings.Contains(warns[0], `"level":"WARN"`) || !strings.Contains(warns[0], "single node") ||
		!strings.Contains(warns[0], "not for production") {
		t.Errorf("run logged %d embedded-broker lines, want one warning on durability:\n%s", len(warns), strings.Join(warns, "\n"))
	}
}

// TestCheckWarnsAboutPlaintextWarehouse: a remote warehouse reached with
// an sslmode that allows plaintext gets one warning; verify-full and
// loopback get none.
func TestCheckWarnsAboutPlaintextWarehouse(t *testing.T) {
	for _, v := range []string{"PGSSLMODE", "PGHOST", "PGHOSTADDR"} {
		t.Setenv(v, "") // restored after the test
		os.Unsetenv(v)
	}
	cases := []struct {
		dsn  string
		want int
	}{
		{"postgres://tally@db.example.com:5432/tally?sslmode=disable", 1},
		{"host=db.example.com dbname=tally sslmode=prefer", 1},
		{"postgres://tally@db.example.com:5432/tally?sslmode=verify-full&sslrootcert=/etc/tally/pg-ca.pem", 0},
		{"postgres://tally@127.0.0.1:5432/tally?sslmode=disable", 0},
	}
	for _, tc := range cases {
		t.Run(tc.dsn, func(t *testing.T) {
			t.Setenv("TALLY_TEST_REMOTE_DSN", tc.dsn)
			ds := hubspottest.Generate(7, hubspottest.Sizes{Owners: 1, Deals: 2, Contacts: 2})
			e := newEnv(t, ds, "  driver: postgres\n  dsn: ${TALLY_TEST_REMOTE_DSN}")
			var out, errb bytes.Buffer
			if code := run(context.Background(), []string{"check", "--config", e.cfgPath}, &out, &errb); code != exitOK {
				t.Fatalf("check exited %d: %s", code, tail(errb.String(), 2000))
			}
			n := strings.Count(errb.String(), "the warehouse is reached over the network with sslmode=")
			if n != tc.want {
				t.Errorf("check logged %d warehouse transit warnings, want %d:\n%s", n, tc.want, tail(errb.String(), 2000))
			}
			if n > 0 && !strings.Contains(errb.String(), `"level":"WARN"`) {
				t.Errorf("the transit message is not a warning:\n%s", errb.String())
			}
		})
	}
}

// TestPreflightToleratesUnreachableBroker: a bootstrap broker that is
// down at start is a warning, left to the pipeline's retries; wrong
// settings are not (TestSecuredBrokerMisconfigured).
func TestPreflightToleratesUnreachableBroker(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := &config.File{Kafka: config.Kafka{Brokers: []string{addr}, GroupID: "tally"}}
	l, err := kafka.Open(kafka.Config{Brokers: cfg.Kafka.Brokers}, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var logs bytes.Buffer
	if err := preflightBrokers(context.Background(), l, cfg, newTestLogger(&logs)); err != nil {
		t.Errorf("preflightBrokers(unreachable) = %v, want nil", err)
	}
	if !strings.Contains(logs.String(), `"level":"WARN","msg":"kafka broker unreachable at start`) ||
		!strings.Contains(logs.String(), "kafka broker "+addr+": dial: ") {
		t.Errorf("preflightBrokers logged %s, want a warning naming the broker and the dial step", logs.String())
	}
}
