package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
)

// Messages of the problems that have no line because the file, or a
// required key, is not there at all.
const (
	msgNoFile = "file not found: pass --config PATH (examples/tally.yaml documents every key)"
	msgEmpty  = "the file is empty: tally.yaml needs at least tenants (each with an id and connectors) and pseudonyms.master_key or master_key_file"
)

// LoadChecked reads, decodes and validates a configuration file and
// returns every problem at once, sorted by line: a missing or unreadable
// file, YAML syntax, unknown keys, wrong types, and everything Validate
// and checks report. Every command loads its configuration through it,
// so `tally validate` rejects exactly what the others would.
func LoadChecked(path string, reg *pipeline.Registry, cat *schemas.Catalog, checks ...Check) (*File, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return ParseChecked(data, reg, cat, checks...)
}

// ParseChecked is LoadChecked over bytes.
func ParseChecked(data []byte, reg *pipeline.Registry, cat *schemas.Catalog, checks ...Check) (*File, error) {
	return parseChecked(data, false, reg, cat, checks)
}

// parseChecked is ParseChecked; noSources is ParseCheckedNoSources's.
func parseChecked(data []byte, noSources bool, reg *pipeline.Registry, cat *schemas.Catalog, checks []Check) (*File, error) {
	f, ps := parse(data)
	if f == nil {
		return nil, ps
	}
	f.noSources = noSources
	// A key that failed to decode keeps its default; what Validate says
	// about it again on the same line would only mislead.
	decoded := failedLines(ps)
	for _, p := range f.Validate(reg, cat, checks...) {
		if p.Line == 0 || !decoded[p.Line] {
			ps = append(ps, p)
		}
	}
	if len(ps) > 0 {
		return nil, f.lines.finish(ps)
	}
	return f, nil
}

// readFile reads a configuration file; failures are line-less problems.
func readFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, Problems{{Msg: msgNoFile}}
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, Problems{{Msg: fmt.Sprintf("cannot read the file: %v", err)}}
	}
	return data, nil
}

// parse decodes data over the defaults. It returns a nil File when the
// YAML cannot be read at all (syntax, empty, not a mapping), else the
// File with the problems of decoding (unknown keys, wrong types, a
// second document), located and sorted.
func parse(data []byte) (f *File, ps Problems) {
	defer func() {
		// yaml.v3 reports some errors by panicking inside its decoder
		// and recovers them itself; anything else must not crash tally.
		// The value is not printed: it could quote the file.
		if r := recover(); r != nil {
			f, ps = nil, Problems{{Line: clampLine(data, 1), Msg: "YAML: cannot decode the file (internal error)"}}
		}
	}()
	f, ps = decodeFile(data)
	var x *lineIndex
	if f != nil {
		x = f.lines
	}
	return f, x.finish(ps)
}

// decodeFile is parse without its safety net and sorting.
func decodeFile(data []byte) (*File, Problems) {
	var ps Problems
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Problems{{Msg: msgEmpty}}
		}
		return nil, Problems{syntaxProblem(data, err)}
	}
	var second yaml.Node
	switch err := dec.Decode(&second); {
	case errors.Is(err, io.EOF):
	case err != nil:
		ps = append(ps, syntaxProblem(data, err))
	default:
		ps = append(ps, Problem{Line: max(second.Line, 1), Msg: "a second YAML document (---) is not read: tally.yaml holds one document; merge it into the first or remove it"})
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	switch {
	case root.Kind == yaml.DocumentNode, root.Kind == yaml.ScalarNode && root.Tag == "!!null":
		return nil, append(ps, Problem{Msg: msgEmpty})
	case root.Kind != yaml.MappingNode:
		return nil, append(ps, Problem{Line: max(root.Line, 1), Msg: "the file must be a mapping of keys such as tenants: and pseudonyms:"})
	}
	file := Defaults()
	file.lines = newLineIndex(root)
	ps.AddErr(0, "", DecodeStrict(root, &file))
	file.applyRegionEnv()
	file.locate(&doc)
	return &file, ps
}

// failedLines returns the lines of values that failed to decode (an
// unknown key leaves no value behind, so it does not count).
func failedLines(ps Problems) map[int]bool {
	out := map[int]bool{}
	for _, p := range ps {
		if !strings.Contains(p.Msg, "unknown key ") {
			out[p.Line] = true
		}
	}
	return out
}
