package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// File is tally.yaml.
type File struct {
	// DataDir holds the embedded broker's data, the SQLite warehouse and
	// the demo's key file.
	DataDir    string     `yaml:"data_dir"`
	Tenants    []Tenant   `yaml:"tenants"`
	KPIs       []string   `yaml:"kpis"`
	Kafka      Kafka      `yaml:"kafka"`
	Warehouse  Warehouse  `yaml:"warehouse"`
	Pseudonyms Pseudonyms `yaml:"pseudonyms"`
	Retention  Retention  `yaml:"retention"`
	Purge      Purge      `yaml:"purge"`
	Sync       Sync       `yaml:"sync"`
	Log        Log        `yaml:"log"`
	Metrics    Metrics    `yaml:"metrics"`
	// Purposes enables declared non-KPI purposes (schemas/purposes.yaml,
	// e.g. identity_vault); nil enables all, [] none.
	Purposes []string `yaml:"purposes"`
	// Region is where the data lives (e.g. "eu-central-1"), stated in the
	// processing report.
	Region string `yaml:"region"`

	kpisLine int
}

// Tenant is one customer whose CRMs tally pulls.
type Tenant struct {
	ID         string      `yaml:"id"`
	Connectors []Connector `yaml:"connectors"`
	// Retention overrides the global row lifetimes for this tenant.
	Retention TenantRetention `yaml:"retention"`
	Line      int             `yaml:"-"`
}

// Connector is one CRM connection of a tenant. Options are decoded by
// the connector kind's own Config (see pipeline.SourceFactory).
type Connector struct {
	Kind    string    `yaml:"kind"`
	Name    string    `yaml:"name"`
	Options yaml.Node `yaml:"options"`
	Line    int       `yaml:"-"`
}

// Kafka configures the log. No brokers means the embedded broker, with
// its data under DataDir/kafka.
type Kafka struct {
	Brokers      []string `yaml:"brokers"`
	EmbeddedPort int      `yaml:"embedded_port"`
	TopicPrefix  string   `yaml:"topic_prefix"`
	Partitions   int      `yaml:"partitions"`
	Retention    Duration `yaml:"retention"`
	GroupID      string   `yaml:"group_id"`
	Line         int      `yaml:"-"`
}

// Warehouse configures the sink.
type Warehouse struct {
	Driver string `yaml:"driver"`
	DSN    Secret `yaml:"dsn"`
	Path   string `yaml:"path"`
	// ReaderRole and AdminRole name the PostgreSQL group roles of
	// analysts and of privacy admins (the only role that may read
	// identity_vault): migrate creates and grants them, the processing
	// report lists them as recipients. "" leaves a role out.
	ReaderRole string `yaml:"reader_role"`
	AdminRole  string `yaml:"admin_role"`
	Line       int    `yaml:"-"`
}

// Pseudonyms configures the master secret pseudonym keys derive from.
type Pseudonyms struct {
	MasterKey     Secret `yaml:"master_key"`
	MasterKeyFile string `yaml:"master_key_file"`
	KeyVersion    int    `yaml:"key_version"`
	Line          int    `yaml:"-"`
}

// Sync configures connector passes in `tally run`.
type Sync struct {
	Interval Duration `yaml:"interval"`
	Line     int      `yaml:"-"`
}

// Log configures tally's own logs.
type Log struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// Metrics configures the Prometheus endpoint ("" = off).
type Metrics struct {
	Listen string `yaml:"listen"`
}

// Defaults returns a File with every default applied.
func Defaults() File {
	return File{
		DataDir: "./tally-data",
		Kafka: Kafka{TopicPrefix: "tally", Partitions: 1, GroupID: "tally",
			Retention: Duration(24 * time.Hour)},
		Warehouse:  Warehouse{Driver: "sqlite", ReaderRole: "tally_reader", AdminRole: "tally_admin"},
		Pseudonyms: Pseudonyms{KeyVersion: 1},
		Retention: Retention{Facts: Duration(400 * 24 * time.Hour), KPIs: Duration(800 * 24 * time.Hour),
			Quarantine: Duration(30 * 24 * time.Hour), Evidence: Duration(DefaultEvidenceTTL)},
		Purge: Purge{Schedule: "@daily", Timezone: "UTC", BatchSize: DefaultPurgeBatch,
			BatchTimeout: Duration(DefaultBatchTimeout)},
		Sync: Sync{Interval: Duration(5 * time.Minute)},
		Log:  Log{Level: "info", Format: "text"},
	}
}

// Problem is one configuration error, located in the file.
type Problem struct {
	Line int
	Msg  string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("line %d: %s", p.Line, p.Msg)
	}
	return p.Msg
}

// Problems is every problem found in a configuration; as an error it
// prints them one per line.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

var lineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// AddErr splits err (possibly joined) into located problems.
func (ps *Problems) AddErr(line int, prefix string, err error) {
	if err == nil {
		return
	}
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = strings.Split(err.Error(), "\n")
	}
	for _, m := range msgs {
		m = strings.TrimSpace(m)
		if m == "" {
			continue
		}
		l := line
		if sub := lineRE.FindStringSubmatch(m); sub != nil {
			l, _ = strconv.Atoi(sub[1])
			m = sub[2]
		}
		*ps = append(*ps, Problem{Line: l, Msg: prefix + m})
	}
}

// Load reads and strictly decodes a config file over the defaults. It
// returns Problems for syntax errors and unknown keys; semantic checks
// are Validate's.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	return Parse(data)
}

// Parse is Load over bytes.
func Parse(data []byte) (*File, error) {
	f := Defaults()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		var ps Problems
		ps.AddErr(0, "", err)
		return nil, ps
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err == nil {
		f.locate(&root)
	}
	return &f, nil
}
