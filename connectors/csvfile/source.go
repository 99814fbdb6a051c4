package csvfile

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
)

// column is one mapped, projected column.
type column struct {
	header string
	field  string
	typ    schemas.Type
}

// Source streams CSV files of one tenant onto one canonical object.
type Source struct {
	cfg      Config
	env      pipeline.SourceEnv
	log      *slog.Logger
	times    timeParser
	comma    rune
	columns  []column // sorted by header
	unmapped []string // projected fields no column maps to
	objects  []string
}

// New builds a source from a configuration and the wiring's environment.
// It validates the configuration and does no I/O. A projection without
// the configured object leaves the source with nothing to pull; projected
// fields no column maps to stay empty. Both are logged at info level.
func New(cfg Config, env pipeline.SourceEnv) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("csv: %w: %w", err, pipeline.ErrConfig)
	}
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Source{cfg: cfg, env: env, log: log.With("component", "csv")}
	s.times, _ = newTimeParser(cfg.TimeFormat)
	s.comma, _ = utf8.DecodeRuneInString(cfg.Delimiter)
	projected, ok := env.Projection[cfg.Object]
	if !ok {
		s.log.Info("the projection does not ask for the configured object; nothing is pulled", "object", cfg.Object)
		return s, nil
	}
	s.objects = []string{cfg.Object}
	obj, _ := schemas.Default().Object(cfg.Object)
	var unmapped []string
	for _, name := range projected {
		if name == "id" {
			continue
		}
		i := slices.IndexFunc(mapKeys(cfg.Columns), func(h string) bool { return cfg.Columns[h] == name })
		if i < 0 {
			unmapped = append(unmapped, name)
			continue
		}
		f, _ := obj.Field(name)
		s.columns = append(s.columns, column{header: mapKeys(cfg.Columns)[i], field: name, typ: f.Type})
	}
	slices.SortFunc(s.columns, func(a, b column) int { return strings.Compare(a.header, b.header) })
	s.unmapped = unmapped
	if len(unmapped) > 0 {
		s.log.Info("projected fields no csv column maps to stay empty", "object", cfg.Object, "fields", unmapped)
	}
	return s, nil
}

func mapKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Objects returns the configured object when the projection asks for it.
func (s *Source) Objects() []string { return s.objects }

// Open checks that the path exists.
func (s *Source) Open(context.Context) error {
	if _, err := os.Stat(s.cfg.Path); err != nil {
		return fmt.Errorf("csv: path: not readable (%s): %w", errKind(err), pipeline.ErrConfig)
	}
	return nil
}

// Close does nothing: files are closed as soon as they are read.
func (s *Source) Close() error { return nil }

// files returns the directory and the sorted names of the files to read.
func (s *Source) files() (string, []string, error) {
	fi, err := os.Stat(s.cfg.Path)
	if err != nil {
		return "", nil, fmt.Errorf("csv: path: not readable (%s): %w", errKind(err), pipeline.ErrConfig)
	}
	if !fi.IsDir() {
		return filepath.Dir(s.cfg.Path), []string{filepath.Base(s.cfg.Path)}, nil
	}
	entries, err := os.ReadDir(s.cfg.Path)
	if err != nil {
		return "", nil, fmt.Errorf("csv: listing path: %s: %w", errKind(err), pipeline.ErrTransient)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.EqualFold(filepath.Ext(e.Name()), ".csv") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return s.cfg.Path, names, nil
}

// errKind names an os error without its path.
func errKind(err error) string {
	switch {
	case os.IsNotExist(err):
		return "does not exist"
	case os.IsPermission(err):
		return "permission denied"
	}
	return "i/o error"
}

// Sync reads every row after cursor (see package doc) and returns nil at
// the end of the last file. A malformed row is emitted for quarantine,
// never fatal; errors wrap pipeline.ErrConfig for a missing path or a
// header without the id column, ErrTransient for read failures.
func (s *Source) Sync(ctx context.Context, object, cur string, emit pipeline.Emitter) error {
	if !slices.Contains(s.objects, object) {
		return fmt.Errorf("csv: object %s is not pulled by this source: %w", object, pipeline.ErrConfig)
	}
	var from cursor
	if cur != "" {
		c, err := decodeCursor(cur)
		if err != nil {
			return fmt.Errorf("csv: resuming %s: %w", object, err)
		}
		from = c
	}
	dir, names, err := s.files()
	if err != nil {
		return err
	}
	started := time.Now()
	p := &pass{s: s, emit: emit, last: from}
	for _, name := range names {
		if name < from.File {
			continue
		}
		if err := p.file(ctx, dir, name, from); err != nil {
			return err
		}
	}
	p.warnLacking()
	if p.pages == 0 && from.File != "" {
		// Nothing new: keep the stream's checkpoint where it was.
		if err := emit.Emit(ctx, nil, from.encode()); err != nil {
			return err
		}
	}
	s.log.Info("sync pass complete", "object", object, "count", p.count, "duration", time.Since(started))
	return nil
}
