package config

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"strings"

	"github.com/tally-dev/tally/pipeline"
)

// MaxSecretFileBytes bounds a secret file; a larger file is a
// configuration problem (it is not a credential, and reading it whole
// could exhaust memory).
const MaxSecretFileBytes = 1 << 20

// secretFile is what a ${file:PATH} reference read at load.
type secretFile struct {
	path  string
	value string      // moved into Secret.value after reading
	err   string      // why the file could not be read, without its path
	mode  fs.FileMode // permission bits, for the readability warning
}

// readSecretFile reads a secret file: a regular file (symbolic links,
// as Kubernetes mounts them, are followed) of at most MaxSecretFileBytes,
// whose trailing line breaks are trimmed. It never blocks on a FIFO or
// a device.
func readSecretFile(path string) *secretFile {
	sf := &secretFile{path: path}
	fi, err := os.Stat(path)
	if err != nil {
		sf.err = fileErr(err)
		return sf
	}
	if !fi.Mode().IsRegular() {
		sf.err = "not a regular file"
		return sf
	}
	sf.mode = fi.Mode().Perm()
	fh, err := os.Open(path)
	if err != nil {
		sf.err = fileErr(err)
		return sf
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, MaxSecretFileBytes+1))
	switch {
	case err != nil:
		sf.err = fileErr(err)
	case len(data) > MaxSecretFileBytes:
		sf.err = fmt.Sprintf("larger than %d bytes", MaxSecretFileBytes)
	default:
		sf.value = strings.TrimRight(string(data), "\r\n")
	}
	return sf
}

// Warning returns a warning when the secret's file is readable by its
// group or by others (like ssh refuses such a private key), else "".
func (s Secret) Warning(field string) string {
	if s.file == nil || s.file.err != "" || s.file.mode&0o044 == 0 {
		return ""
	}
	return fmt.Sprintf("%s: secret file %s is readable by group or others (mode %04o); make it readable by tally's user only (chmod 600; Kubernetes: defaultMode 0400)", field, s.file.path, s.file.mode)
}

// SecretWarnings lists a warning for every secret of the configuration,
// connectors' options included, whose file is readable by group or
// others (see Secret.Warning); `tally validate` prints them and `tally
// run` logs them at start. Fields are named by their key path.
func (f *File) SecretWarnings(reg *pipeline.Registry) []string {
	var ws []string
	secretWarnings(reflect.ValueOf(*f), "", &ws)
	for ti, t := range f.Tenants {
		for ci, c := range t.Connectors {
			cfg, err := f.ConnectorConfig(reg, c)
			if err != nil && cfg == nil {
				continue
			}
			secretWarnings(reflect.ValueOf(cfg), fmt.Sprintf("tenants[%d].connectors[%d].options", ti, ci), &ws)
		}
	}
	return ws
}

// secretWarnings walks v's yaml-tagged fields for Secrets.
func secretWarnings(v reflect.Value, path string, ws *[]string) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	switch {
	case v.Type() == secretType:
		if w := v.Interface().(Secret).Warning(path); w != "" {
			*ws = append(*ws, w)
		}
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			sf := v.Type().Field(i)
			name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
			if !sf.IsExported() || name == "-" || name == "" {
				continue
			}
			p := name
			if path != "" {
				p = path + "." + name
			}
			secretWarnings(v.Field(i), p, ws)
		}
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct:
		if v.Type() == reflect.TypeFor[[]Tenant]() {
			return // connectors are walked through their decoded options
		}
		for i := range v.Len() {
			secretWarnings(v.Index(i), fmt.Sprintf("%s[%d]", path, i), ws)
		}
	}
}
