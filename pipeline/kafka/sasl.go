package kafka

import (
	"fmt"
	"log/slog"
	"slices"

	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// SASL mechanisms tally speaks.
const (
	MechanismPlain       = "PLAIN"
	MechanismSCRAMSHA256 = "SCRAM-SHA-256"
	MechanismSCRAMSHA512 = "SCRAM-SHA-512"
)

// Mechanisms lists the SASL mechanisms Config.SASL accepts.
var Mechanisms = []string{MechanismPlain, MechanismSCRAMSHA256, MechanismSCRAMSHA512}

// SASL holds the credentials tally authenticates to the brokers with.
// The zero value means no authentication. It never prints its username
// or password: String, GoString and LogValue name the mechanism only.
type SASL struct {
	// Mechanism is PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512. PLAIN sends
	// the password as is: use it over TLS only.
	Mechanism string
	Username  string
	Password  string
}

// Enabled reports whether s asks for authentication.
func (s SASL) Enabled() bool { return s.Mechanism != "" }

func (s SASL) String() string {
	if !s.Enabled() {
		return "sasl off"
	}
	return "sasl " + s.Mechanism
}

func (s SASL) GoString() string           { return s.String() }
func (s SASL) LogValue() slog.Value       { return slog.StringValue(s.String()) }
func (s SASL) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.String()) }

// validate reports every problem of s, naming fields only.
func (s SASL) validate() []error {
	if !s.Enabled() {
		if s.Username != "" || s.Password != "" {
			return []error{fmt.Errorf("sasl.mechanism: required with a username or password (one of %v)", Mechanisms)}
		}
		return nil
	}
	var errs []error
	if !slices.Contains(Mechanisms, s.Mechanism) {
		errs = append(errs, fmt.Errorf("sasl.mechanism: %q is not one of %v", s.Mechanism, Mechanisms))
	}
	if s.Username == "" {
		errs = append(errs, fmt.Errorf("sasl.username: required with mechanism %s", s.Mechanism))
	}
	if s.Password == "" {
		errs = append(errs, fmt.Errorf("sasl.password: required with mechanism %s", s.Mechanism))
	}
	return errs
}

// mechanism returns kafka-go's implementation of s, nil when s is off.
// Errors name the mechanism, never the credentials.
func (s SASL) mechanism() (sasl.Mechanism, error) {
	switch s.Mechanism {
	case "":
		return nil, nil
	case MechanismPlain:
		return plain.Mechanism{Username: s.Username, Password: s.Password}, nil
	case MechanismSCRAMSHA256, MechanismSCRAMSHA512:
		algo := scram.SHA256
		if s.Mechanism == MechanismSCRAMSHA512 {
			algo = scram.SHA512
		}
		m, err := scram.Mechanism(algo, s.Username, s.Password)
		if err != nil {
			// The SCRAM library's SASLprep errors may quote the input.
			return nil, fmt.Errorf("sasl %s: username or password is not valid for SASLprep", s.Mechanism)
		}
		return m, nil
	}
	return nil, fmt.Errorf("sasl.mechanism: %q is not one of %v", s.Mechanism, Mechanisms)
}
