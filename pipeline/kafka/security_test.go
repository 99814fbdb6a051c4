package kafka

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

const (
	testUser     = "tally-svc-user"
	testPassword = "s3cret-Passw0rd-not-in-errors"
)

// secured starts an in-memory broker with TLS (a certificate of a CA
// made for the test) when ca is not nil, and with SASL user testUser
// under mech when mech is not empty.
func secured(t *testing.T, ca *pipelinetest.CA, mech string) *Embedded {
	t.Helper()
	opts := EmbeddedOptions{Logger: testLogger(t)}
	if ca != nil {
		srv := ca.Issue(t, "broker", "127.0.0.1", "localhost")
		opts.TLS = &tls.Config{Certificates: []tls.Certificate{srv.TLS}, MinVersion: tls.VersionTLS12}
	}
	if mech != "" {
		opts.Users = []SASL{{Mechanism: mech, Username: testUser, Password: testPassword}}
	}
	e, err := StartEmbedded(opts)
	if err != nil {
		t.Fatalf("StartEmbedded: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func clientTLS(ca *pipelinetest.CA) *tls.Config {
	return &tls.Config{RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12}
}

// TestSecuredBrokerRoundTrip: topic creation, publishing and consuming
// through the group work over TLS and with every SASL mechanism.
func TestSecuredBrokerRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		tls  bool
		mech string
	}{
		{"tls", true, ""},
		{"tls+plain", true, MechanismPlain},
		{"tls+scram-sha-256", true, MechanismSCRAMSHA256},
		{"tls+scram-sha-512", true, MechanismSCRAMSHA512},
		{"plaintext+scram-sha-512", false, MechanismSCRAMSHA512},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var ca *pipelinetest.CA
			if tc.tls {
				ca = pipelinetest.NewCA(t)
			}
			e := secured(t, ca, tc.mech)
			l := openLog(t, e.Addrs(), func(c *Config) {
				if ca != nil {
					c.TLS = clientTLS(ca)
				}
				if tc.mech != "" {
					c.SASL = SASL{Mechanism: tc.mech, Username: testUser, Password: testPassword}
				}
			})
			statuses, err := l.Check(context.Background())
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if len(statuses) != 1 || statuses[0].Brokers != 1 {
				t.Errorf("Check = %+v, want one broker answering with a one-broker cluster", statuses)
			}
			const topic = "raw.acme.hubspot.deal"
			ensure(t, l, topic, 2)
			if err := l.Publish(context.Background(), topic, keyed(20, 7)); err != nil {
				t.Fatalf("Publish: %v", err)
			}
			s := newStore()
			stop := consume(t, l, []string{topic}, s.start, s.handle)
			waitFor(t, "20 messages through the group", func() bool { return s.total.Load() >= 20 })
			if err := stop(); err != nil {
				t.Fatalf("Consume: %v", err)
			}
			if n := s.total.Load(); n != 20 {
				t.Errorf("consumed %d messages, want 20", n)
			}
		})
	}
}

// TestSecuredBrokerFailures: a wrong CA, a wrong password and a
// plaintext client of a TLS listener fail at once, with an error that
// names the broker and the step, wraps pipeline.ErrConfig, and holds no
// credential; so do the admin, producer and consumer calls.
func TestSecuredBrokerFailures(t *testing.T) {
	ca := pipelinetest.NewCA(t)
	cases := []struct {
		name     string
		mech     string // broker's SASL mechanism
		tls      *tls.Config
		sasl     SASL
		wantStep string
	}{
		{"wrong CA", "", clientTLS(pipelinetest.NewCA(t)), SASL{}, StepTLS},
		{"wrong server name", "", &tls.Config{RootCAs: ca.Pool(), ServerName: "kafka.example.com"}, SASL{}, StepTLS},
		{"wrong password", MechanismSCRAMSHA512, clientTLS(ca),
			SASL{Mechanism: MechanismSCRAMSHA512, Username: testUser, Password: "wrong-" + testPassword}, StepSASL},
		{"wrong password plain", MechanismPlain, clientTLS(ca),
			SASL{Mechanism: MechanismPlain, Username: testUser, Password: "wrong-" + testPassword}, StepSASL},
		{"unknown user", MechanismSCRAMSHA256, clientTLS(ca),
			SASL{Mechanism: MechanismSCRAMSHA256, Username: "nobody-" + testUser, Password: testPassword}, StepSASL},
		{"plaintext to tls", "", nil, SASL{}, StepRequest},
		{"plaintext to tls with sasl", MechanismPlain, nil,
			SASL{Mechanism: MechanismPlain, Username: testUser, Password: testPassword}, StepSASL},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := secured(t, ca, tc.mech)
			addr := e.Addrs()[0]
			var logs bytes.Buffer
			l := openLog(t, e.Addrs(), func(c *Config) { c.TLS, c.SASL = tc.tls, tc.sasl })
			l.logger = slog.New(slog.NewTextHandler(&logs, nil))
			assertBrokerError := func(what string, err error, exact bool) {
				t.Helper()
				if err == nil {
					t.Fatalf("%s succeeded, want a %s failure", what, tc.wantStep)
				}
				msg := err.Error()
				t.Logf("%s: %s", what, msg)
				if !strings.Contains(msg, addr) || !strings.Contains(msg, ": "+tc.wantStep+": ") {
					t.Errorf("%s = %q, want the broker %s and the step %q named", what, msg, addr, tc.wantStep)
				}
				if exact {
					var be *BrokerError
					if !errors.As(err, &be) || be.Addr != addr || be.Step != tc.wantStep {
						t.Errorf("%s = %#v, want a BrokerError of %s at %s", what, err, tc.wantStep, addr)
					}
				}
				if !errors.Is(err, pipeline.ErrConfig) {
					t.Errorf("%s = %q, want it to wrap pipeline.ErrConfig (settings or credentials are wrong)", what, msg)
				}
				for _, secret := range []string{testPassword, testUser} {
					if strings.Contains(msg, secret) || strings.Contains(logs.String(), secret) {
						t.Errorf("%s or the logs quote a credential: %q\n%s", what, msg, logs.String())
					}
				}
			}
			_, err := l.Check(context.Background())
			assertBrokerError("Check", err, true)
			_, err = l.EnsureTopic(context.Background(), pipeline.TopicSpec{Name: "raw.t", Partitions: 1, Retention: 1e12})
			assertBrokerError("EnsureTopic", err, false)
			err = l.Publish(context.Background(), "raw.t", keyed(1, 1))
			assertBrokerError("Publish", err, false)
			s := newStore()
			err = l.Consume(context.Background(), []string{"raw.t"}, s.start, s.handle)
			assertBrokerError("Consume", err, false)
		})
	}
}

// TestSecurityWarnings: skipping verification and SASL without TLS are
// logged as warnings at every Open, naming no credential.
func TestSecurityWarnings(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"insecure", Config{Brokers: []string{"b:9093"}, TLS: &tls.Config{InsecureSkipVerify: true}},
			"KAFKA TLS CERTIFICATE VERIFICATION IS OFF"},
		{"sasl without tls", Config{Brokers: []string{"b:9092"},
			SASL: SASL{Mechanism: MechanismPlain, Username: testUser, Password: testPassword}}, "kafka SASL without TLS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			l, err := Open(tc.cfg, slog.New(slog.NewTextHandler(&logs, nil)))
			if err != nil {
				t.Fatal(err)
			}
			l.Close()
			if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), tc.want) {
				t.Errorf("Open logged %q, want a warning %q", logs.String(), tc.want)
			}
			if strings.Contains(logs.String(), testPassword) || strings.Contains(logs.String(), testUser) {
				t.Errorf("Open logged a credential: %q", logs.String())
			}
		})
	}
}

// TestSASLNeverPrints: a Config printed or logged shows the mechanism,
// not the credentials.
func TestSASLNeverPrints(t *testing.T) {
	c := Config{SASL: SASL{Mechanism: MechanismPlain, Username: testUser, Password: testPassword}}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "sasl", c.SASL)
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), logs.String()} {
		if strings.Contains(s, testPassword) || strings.Contains(s, testUser) {
			t.Errorf("printed credentials: %s", s)
		}
	}
}

func TestSASLValidate(t *testing.T) {
	cases := []struct {
		name string
		sasl SASL
		want []string
	}{
		{"off", SASL{}, nil},
		{"ok", SASL{Mechanism: MechanismSCRAMSHA256, Username: "u", Password: "p"}, nil},
		{"unknown mechanism", SASL{Mechanism: "GSSAPI", Username: "u", Password: "p"}, []string{"sasl.mechanism"}},
		{"missing both", SASL{Mechanism: MechanismPlain}, []string{"sasl.username", "sasl.password"}},
		{"credentials without mechanism", SASL{Username: "u"}, []string{"sasl.mechanism"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Config{Brokers: []string{"b:9092"}, SASL: tc.sasl}.Validate()
			if len(tc.want) == 0 && err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %v, want a problem with %s", err, w)
				}
			}
		})
	}
}

// TestCheckUnreachableBroker: a broker nobody listens on is a transient
// dial failure, not a configuration error.
func TestCheckUnreachableBroker(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	l := openLog(t, []string{addr}, nil)
	_, err = l.Check(context.Background())
	var be *BrokerError
	if !errors.As(err, &be) || be.Addr != addr || be.Step != StepDial {
		t.Fatalf("Check = %v, want a dial failure of %s", err, addr)
	}
	if !errors.Is(err, pipeline.ErrTransient) || errors.Is(err, pipeline.ErrConfig) {
		t.Errorf("Check = %v, want it transient, not a configuration error", err)
	}
}
