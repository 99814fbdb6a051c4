package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
)

// Check is a check of the whole configuration that needs a library this
// package does not import (the cron parser, the warehouse's role rules).
// Its errors (errors.Join) start with the key path they concern
// ("purge.schedule: …"), by which Validate locates them.
type Check func(*File) error

// FileChecker is implemented by a connector configuration that names
// local files its source reads when it opens (a key file, a CSV file).
// CheckFiles reports those that cannot be used, naming the key, never
// the file's contents; Validate calls it, so that `tally validate`
// refuses what Open would.
type FileChecker interface {
	CheckFiles() error
}

// MinMasterKeyLen is the shortest master secret the pseudonym, vault and
// suppression keys may be derived from.
const MinMasterKeyLen = 32

// Log levels and formats tally's logger accepts.
var (
	logLevels  = []string{"debug", "info", "warn", "error"}
	logFormats = []string{"text", "json"}
)

// ParseLogLevel parses a log level: debug, info, warn or error (any
// case).
func ParseLogLevel(s string) (slog.Level, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(strings.ToUpper(s))); err != nil || s == "" {
		return 0, fmt.Errorf("level %q: want debug, info, warn or error%s", s, didYouMean(s, logLevels))
	}
	return lv, nil
}

// Validate reports a level or format the logger would refuse.
func (l Log) Validate() error {
	var errs []error
	if _, err := ParseLogLevel(l.Level); err != nil {
		errs = append(errs, fmt.Errorf("log.%w", err))
	}
	switch l.Format {
	case "", "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log.format %q: want text or json%s", l.Format, didYouMean(l.Format, logFormats)))
	}
	return errors.Join(errs...)
}

// Validate reports a listen address net.Listen would refuse or that no
// Prometheus could scrape: it must be host:port (host may be empty for
// every interface) with a port from 1 to 65535.
func (m Metrics) Validate() error {
	if m.Listen == "" {
		return nil
	}
	if err := hostPort(m.Listen); err != nil {
		return fmt.Errorf("metrics.listen: %w, e.g. 127.0.0.1:9464", err)
	}
	return nil
}

// hostPort checks a host:port address with a numeric port 1-65535.
func hostPort(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%q: port must be a number from 1 to 65535", addr)
	}
	return nil
}

// componentProblems runs the checks that were once made only when a
// command used the value: log, metrics, brokers, warehouse driver
// settings, key material, duplicate KPIs, and the caller's checks.
func (f *File) componentProblems(reg *pipeline.Registry, cat *schemas.Catalog, checks []Check) Problems {
	var ps Problems
	ps.AddErr(0, "", f.Log.Validate())
	ps.AddErr(0, "", f.Metrics.Validate())
	ps.AddErr(0, "", f.Admin.Validate())
	for i, b := range f.Kafka.Brokers {
		if err := hostPort(b); err != nil {
			ps.AddErr(f.Kafka.Line, "", fmt.Errorf("kafka.brokers[%d]: %w", i, err))
		}
	}
	ps.AddErr(f.Warehouse.Line, "", f.Warehouse.driverSettings())
	ps.AddErr(f.Pseudonyms.Line, "", f.Pseudonyms.keyMaterial())
	ps.AddErr(0, "", f.residencyProblems())
	seen := map[string]bool{}
	for i, k := range f.KPIs {
		if seen[k] {
			ps = append(ps, Problem{Line: f.kpisLine, Msg: fmt.Sprintf("kpis[%d]: %q is listed twice", i, k)})
		}
		seen[k] = true
	}
	for _, check := range checks {
		ps.AddErr(0, "", check(f))
	}
	return ps
}

// driverSettings reports keys of the other driver, which the warehouse
// refuses. (A DSN that cannot be parsed is the warehouse's check, run
// through a Check by cmd/tally.)
func (w Warehouse) driverSettings() error {
	var errs []error
	switch w.Driver {
	case "postgres":
		if w.Path != "" {
			errs = append(errs, errors.New("warehouse.path: only for driver sqlite; remove it or set driver: sqlite"))
		}
	case "sqlite":
		if w.DSN.Set() {
			errs = append(errs, errors.New("warehouse.dsn: only for driver postgres; remove it or set driver: postgres"))
		}
	}
	return errors.Join(errs...)
}

// keyMaterial reports a master secret too short to derive keys from and
// a master_key_file that cannot be read. It never echoes the secret.
func (p Pseudonyms) keyMaterial() error {
	switch {
	case p.MasterKey.Set() && p.MasterKeyFile == "":
		if n := len(p.MasterKey.Reveal()); n < MinMasterKeyLen {
			return fmt.Errorf("pseudonyms.master_key: the value of %s is %d bytes, need at least %d", p.MasterKey.Env(), n, MinMasterKeyLen)
		}
	case p.MasterKeyFile != "" && p.MasterKey.Env() == "":
		data, err := os.ReadFile(p.MasterKeyFile)
		if err != nil {
			return fmt.Errorf("pseudonyms.master_key_file: cannot read the file (%s)", fileErr(err))
		}
		if n := len(strings.TrimSpace(string(data))); n < MinMasterKeyLen {
			return fmt.Errorf("pseudonyms.master_key_file: the file holds %d bytes, need at least %d", n, MinMasterKeyLen)
		}
	}
	return nil
}

// fileErr names why a file cannot be read without repeating its path.
func fileErr(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return "unreadable"
}

// buildConnector builds the source of a connector whose options are
// valid, the way the commands do (construction does no I/O), and checks
// the files it names, so that what a factory or Open refuses is refused
// here too.
func (f *File) buildConnector(reg *pipeline.Registry, cat *schemas.Catalog, tenant string, c Connector, cfg pipeline.Validator) (err error) {
	fac, _ := reg.Source(c.Kind)
	var errs []error
	if fc, ok := cfg.(FileChecker); ok {
		errs = append(errs, fc.CheckFiles())
	}
	defer func() { err = withoutKind(err) }()
	proj := map[string][]string{}
	if p, err := cat.ProjectWith(f.EnabledKPIs(cat), f.EnabledPurposes(cat), cat.Objects()); err == nil {
		for _, o := range p.Objects() {
			proj[o] = p.Fields(o)
		}
	}
	if fac.New != nil {
		_, err := fac.New(cfg, pipeline.SourceEnv{Tenant: tenant, Name: c.InstanceName(), Projection: proj,
			Logger: slog.New(slog.DiscardHandler)})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// withoutKind drops the ": configuration" that pipeline.ErrConfig adds
// to each line: every problem here is one.
func withoutKind(err error) error {
	if err == nil {
		return nil
	}
	lines := errorLines(err)
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, ": "+pipeline.ErrConfig.Error())
	}
	return errors.New(strings.Join(lines, "\n"))
}
