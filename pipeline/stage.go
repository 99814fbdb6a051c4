package pipeline

// Stage is one pure transform step between the log and the sink.
//
// Apply changes r in place. It must not do I/O, must not keep r, and must
// be safe to call from several goroutines at once. It returns nil to pass
// the record on; an error wrapping ErrInvalid (normally a *FieldError) to
// send the record to quarantine; or ErrDrop to discard it silently. An
// error never contains a field value.
type Stage interface {
	Name() string
	Apply(r *Record) error
}

// StageFunc adapts a function to Stage.
type StageFunc struct {
	StageName string
	Fn        func(r *Record) error
}

// Name returns the stage name.
func (s StageFunc) Name() string { return s.StageName }

// Apply calls the function.
func (s StageFunc) Apply(r *Record) error { return s.Fn(r) }

// Chain applies stages in order and stops at the first error, returning
// the name of the stage that failed with it.
func Chain(stages []Stage, r *Record) (failed string, err error) {
	for _, s := range stages {
		if err := s.Apply(r); err != nil {
			return s.Name(), err
		}
	}
	return "", nil
}
