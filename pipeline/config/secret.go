package config

import (
	"fmt"
	"log/slog"
	"os"
	"regexp"

	"gopkg.in/yaml.v3"
)

var envRef = regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$`)

// Secret is a credential read from the environment. In YAML it must be
// written as an ${ENV} reference; a literal value is rejected so that no
// secret is ever committed in a config file. It never prints its value:
// String, GoString, LogValue and MarshalYAML give a placeholder.
type Secret struct {
	env   string
	value string
	line  int
}

// NewSecret returns a secret holding value, named env for messages.
// Tests and the demo use it; configuration files go through YAML.
func NewSecret(env, value string) Secret { return Secret{env: env, value: value} }

// UnmarshalYAML accepts only ${ENV} and resolves it from the environment.
// A missing variable is not an error here: Validate reports it, so that
// `tally validate` lists every problem at once.
func (s *Secret) UnmarshalYAML(n *yaml.Node) error {
	s.line = n.Line
	m := envRef.FindStringSubmatch(n.Value)
	if n.Kind != yaml.ScalarNode || m == nil {
		// A yaml.TypeError lets decoding go on to the other keys.
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: a secret must be an ${ENV} reference, not a literal value", n.Line)}}
	}
	s.env = m[1]
	s.value = os.Getenv(m[1])
	return nil
}

// Reveal returns the secret value; call it only where the value is sent
// to its one destination (an Authorization header, a key derivation).
func (s Secret) Reveal() string { return s.value }

// Env names the environment variable the secret comes from.
func (s Secret) Env() string { return s.env }

// Set reports whether a value is present.
func (s Secret) Set() bool { return s.value != "" }

// Validate reports a missing value, naming the variable and YAML line.
// The error is an *UnsetError.
func (s Secret) Validate(field string) error {
	if s.value != "" {
		return nil
	}
	return &UnsetError{Field: field, Env: s.env, Line: s.line}
}

// UnsetError is a required secret without a value: its ${ENV} variable
// is unset or empty (or no reference was given). Loading for a command
// that builds no source drops it for connector secrets
// (LoadCheckedNoSources).
type UnsetError struct {
	Field string // key path, e.g. "token"
	Env   string // the variable, empty when no reference was given
	Line  int    // YAML line of the reference, 0 when unknown
}

func (e *UnsetError) Error() string {
	switch {
	case e.Env == "":
		return fmt.Sprintf("%s: required secret is missing", e.Field)
	case e.Line > 0:
		return fmt.Sprintf("line %d: %s: environment variable %s is not set", e.Line, e.Field, e.Env)
	}
	return fmt.Sprintf("%s: environment variable %s is not set", e.Field, e.Env)
}

func (s Secret) String() string       { return "[secret]" }
func (s Secret) GoString() string     { return "[secret]" }
func (s Secret) LogValue() slog.Value { return slog.StringValue("[secret]") }
func (s Secret) MarshalYAML() (any, error) {
	if s.env == "" {
		return "[secret]", nil
	}
	return "${" + s.env + "}", nil
}
