package pipeline

import (
	"fmt"
	"log/slog"
	"net/http"
	"sort"
)

// Validator is a component configuration that reports every problem at
// once (errors.Join), naming fields, never secret or personal values.
type Validator interface {
	Validate() error
}

// SourceEnv is what the wiring hands a connector when it builds one.
type SourceEnv struct {
	// Tenant the source pulls for.
	Tenant string
	// Name is the connector instance name used in topics and cursors.
	Name string
	// Projection lists, per canonical object to pull, the canonical
	// fields tally needs (always including "id"). A connector requests
	// exactly the vendor fields these map to, and pulls only these
	// objects.
	Projection map[string][]string
	// Logger is already scoped to the tenant and connector.
	Logger *slog.Logger
	// StateDir is a directory private to this connector instance for
	// state that must survive a restart outside the warehouse (e.g. a
	// rotated single-use refresh token); "" means none. The connector
	// creates it (0700) when it first writes.
	StateDir string
	// Transport, when set, is the base HTTP transport under the
	// connector's read-only guard and retries (tests use it to count or
	// fail requests); nil means http.DefaultTransport.
	Transport http.RoundTripper
	// Requests, when set, is told about every CRM request attempt,
	// retry and guard refusal (metrics); nil observes nothing.
	Requests RequestObserver
}

// SourceFactory builds one kind of connector from its configuration.
type SourceFactory struct {
	// Kind is the connector kind named in config, e.g. "hubspot".
	Kind string
	// NewConfig returns a pointer to a zero configuration with defaults
	// applied, ready for strict YAML decoding.
	NewConfig func() Validator
	// New builds the source from a validated configuration returned by
	// NewConfig. It does no I/O.
	New func(cfg Validator, env SourceEnv) (Source, error)
	// Reconciles says that New's sources implement IDLister, so a
	// connector of this kind may have a reconcile schedule (hard deletes).
	Reconciles bool
}

// NewSourceFactory returns the SourceFactory of a connector kind whose
// configuration is a C decoded through *C: NewConfig returns a pointer to
// a fresh def(), and New hands the decoded value to build. A
// configuration of another type is an ErrConfig naming both types.
func NewSourceFactory[C any, PC interface {
	*C
	Validator
}, S Source](kind string, def func() C, build func(C, SourceEnv) (S, error)) SourceFactory {
	return SourceFactory{
		Kind: kind,
		NewConfig: func() Validator {
			c := def()
			return PC(&c)
		},
		New: func(cfg Validator, env SourceEnv) (Source, error) {
			c, ok := cfg.(PC)
			if !ok {
				return nil, fmt.Errorf("%s: configuration of type %T, want %T: %w", kind, cfg, PC(nil), ErrConfig)
			}
			src, err := build(*c, env)
			if err != nil {
				return nil, err
			}
			return src, nil
		},
	}
}

// Registry is the explicit list of components a binary knows. It is
// filled once at wiring time; a duplicate kind is a programming error and
// panics.
type Registry struct {
	sources map[string]SourceFactory
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{sources: map[string]SourceFactory{}}
}

// RegisterSource adds a connector kind.
func (r *Registry) RegisterSource(f SourceFactory) {
	if f.Kind == "" || f.NewConfig == nil || f.New == nil {
		panic("pipeline: incomplete source factory")
	}
	if _, dup := r.sources[f.Kind]; dup {
		panic(fmt.Sprintf("pipeline: source kind %q registered twice", f.Kind))
	}
	r.sources[f.Kind] = f
}

// Source returns the factory of a connector kind.
func (r *Registry) Source(kind string) (SourceFactory, bool) {
	f, ok := r.sources[kind]
	return f, ok
}

// SourceKinds returns the registered connector kinds, sorted.
func (r *Registry) SourceKinds() []string {
	kinds := make([]string, 0, len(r.sources))
	for k := range r.sources {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return kinds
}
