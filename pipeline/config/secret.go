package config

import (
	"fmt"
	"log/slog"
	"os"
	"regexp"

	"gopkg.in/yaml.v3"
)

var (
	envRef  = regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$`)
	fileRef = regexp.MustCompile(`^\$\{file:([^}]+)\}$`)
)

// Secret is a credential read from the environment or from a file. In
// YAML it must be written as an ${ENV} reference or a ${file:PATH}
// reference (a secret mounted by Kubernetes or Docker); a literal value
// is rejected so that no secret is ever committed in a config file. It
// never prints its value: String, GoString, LogValue and MarshalYAML
// give a placeholder or the reference.
type Secret struct {
	env   string
	value string
	line  int
	file  *secretFile // set by a ${file:PATH} reference
}

// NewSecret returns a secret holding value, named env for messages.
// Tests and the demo use it; configuration files go through YAML.
func NewSecret(env, value string) Secret { return Secret{env: env, value: value} }

// UnmarshalYAML accepts only ${ENV} or ${file:PATH} and resolves it from
// the environment or reads the file. A missing variable or unreadable
// file is not an error here: Validate reports it, so that `tally
// validate` lists every problem at once.
func (s *Secret) UnmarshalYAML(n *yaml.Node) error {
	*s = Secret{line: n.Line}
	if n.Kind == yaml.ScalarNode {
		if m := envRef.FindStringSubmatch(n.Value); m != nil {
			s.env = m[1]
			s.value = os.Getenv(m[1])
			return nil
		}
		if m := fileRef.FindStringSubmatch(n.Value); m != nil {
			s.file = readSecretFile(m[1])
			s.value = s.file.value
			s.file.value = ""
			return nil
		}
	}
	// A yaml.TypeError lets decoding go on to the other keys.
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: a secret must be an ${ENV} or ${file:PATH} reference, not a literal value", n.Line)}}
}

// Reveal returns the secret value; call it only where the value is sent
// to its one destination (an Authorization header, a key derivation).
func (s Secret) Reveal() string { return s.value }

// Env names where the secret comes from, for messages: the environment
// variable, or "file:PATH" for a file reference; "" when the secret was
// not configured.
func (s Secret) Env() string {
	if s.file != nil {
		return "file:" + s.file.path
	}
	return s.env
}

// File returns the path of a ${file:PATH} reference, or "".
func (s Secret) File() string {
	if s.file == nil {
		return ""
	}
	return s.file.path
}

// Set reports whether a value is present.
func (s Secret) Set() bool { return s.value != "" }

// Validate reports a missing value, naming the variable or file and the
// YAML line; never the value. An unset or empty variable is an
// *UnsetError.
func (s Secret) Validate(field string) error {
	if s.value != "" {
		return nil
	}
	var msg string
	switch {
	case s.file != nil && s.file.err != "":
		msg = fmt.Sprintf("%s: cannot read secret file %s: %s", field, s.file.path, s.file.err)
	case s.file != nil:
		msg = fmt.Sprintf("%s: secret file %s is empty", field, s.file.path)
	default:
		return &UnsetError{Field: field, Env: s.env, Line: s.line}
	}
	if s.line > 0 {
		return fmt.Errorf("line %d: %s", s.line, msg)
	}
	return fmt.Errorf("%s", msg)
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
	if s.Env() == "" {
		return "[secret]", nil
	}
	return "${" + s.Env() + "}", nil
}
