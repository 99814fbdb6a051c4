package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tally-dev/tally/pipeline"
)

// File is tally.yaml. Each field's doc tag is its entry in the
// configuration reference (Spec, `tally docs`).
type File struct {
	DataDir    string     `yaml:"data_dir" doc:"Directory of the embedded Kafka broker's data (data_dir/kafka), the SQLite warehouse (data_dir/tally.db), connector state such as rotated refresh tokens (data_dir/state) and the demo's key file."`
	Tenants    []Tenant   `yaml:"tenants" spec:"required" doc:"The customers whose CRMs tally pulls; at least one."`
	KPIs       []string   `yaml:"kpis" doc:"Enabled KPIs of the schema catalog; they decide which fields are pulled at all (a field no KPI needs is never requested). Empty enables every KPI; 'tally validate' lists the fields."`
	Kafka      Kafka      `yaml:"kafka" doc:"The log raw records travel through between connectors and the warehouse."`
	Warehouse  Warehouse  `yaml:"warehouse" doc:"Where minimized facts and KPI rollups are written."`
	Pseudonyms Pseudonyms `yaml:"pseudonyms" doc:"The master secret every pseudonym key is derived from (HKDF, per tenant and key version). Set exactly one of master_key and master_key_file."`
	Retention  Retention  `yaml:"retention" doc:"How long warehouse rows live, per table class: every row gets expires_at = write time + the lifetime of its class (and tenant); 'tally purge' removes it after that. Lifetimes are positive whole seconds and at least 24h unless allow_short is set."`
	Purge      Purge      `yaml:"purge" doc:"The purge that 'tally run' schedules itself and 'tally purge' runs once."`
	Sync       Sync       `yaml:"sync" doc:"Connector passes in 'tally run'."`
	Log        Log        `yaml:"log" doc:"tally's own logs, on standard error."`
	Metrics    Metrics    `yaml:"metrics" doc:"The Prometheus endpoint of 'tally run'."`
	Admin      Admin      `yaml:"admin" doc:"The admin HTTP listener of 'tally run' and 'tally demo': health, readiness, metrics, the status API and page."`
	Quarantine Quarantine `yaml:"quarantine" doc:"How many quarantined records a pass of 'tally run --once' tolerates."`
	Purposes   []string   `yaml:"purposes" doc:"Enabled non-KPI purposes declared in schemas/purposes.yaml (e.g. identity_vault); unset enables all, [] none."`
	Privacy    Privacy    `yaml:"privacy" doc:"What analysts may read of the warehouse."`
	Region     string     `yaml:"region" doc:"The region this process serves (e.g. us, eu, eu-central-1); TALLY_REGION overrides it. Every tenant must be in it: validate refuses a tenant of another region, and a running process quarantines such a tenant's records (rule region). Stated in the processing report."`
	Controller Controller `yaml:"controller" doc:"Who answers for the processing, stated in the processing record ('tally report processing', GDPR Art. 30): controller, DPO, processors, transfers and security measures. Optional; the report says 'not stated' for what is absent."`

	kpisLine int
	lines    *lineIndex
	// noSources: validated for a command that builds no source (nosources.go).
	noSources bool
}

// Tenant is one customer whose CRMs tally pulls.
type Tenant struct {
	ID         string          `yaml:"id" spec:"required" doc:"Customer id, 1-40 characters of a-z, 0-9, _ and -, unique; it names Kafka topics and scopes pseudonym keys, so two tenants' pseudonyms are unlinkable."`
	Connectors []Connector     `yaml:"connectors" spec:"required" doc:"The tenant's CRM connections; at least one."`
	Retention  TenantRetention `yaml:"retention" doc:"Overrides of the global row lifetimes for this tenant."`
	Region     string          `yaml:"region" doc:"Region where the tenant's data must stay (e.g. us, eu); required when the process has a region, and must equal it."`
	Line       int             `yaml:"-"`
}

// Connector is one CRM connection of a tenant. Options are decoded by
// the connector kind's own Config (see pipeline.SourceFactory).
type Connector struct {
	Kind      string    `yaml:"kind" spec:"required" doc:"Connector kind; each kind's options are documented in its own section."`
	Name      string    `yaml:"name" doc:"Instance name, 1-40 characters of a-z, 0-9, _ and -, unique in the tenant; it names topics and cursors. Empty means the kind."`
	Options   yaml.Node `yaml:"options" doc:"Options of the kind, decoded strictly (an unknown key is an error): see the section of each connector kind."`
	Reconcile string    `yaml:"reconcile" doc:"Cron schedule (5 fields, @daily, @every 24h; UTC unless it starts with CRON_TZ=) on which 'tally run' looks for hard deletes, for kinds that can list their ids. Empty or off: never."`
	Line      int       `yaml:"-"`
}

// ReconcileOff is the Reconcile value that disables the schedule.
const ReconcileOff = "off"

// Reconciles reports whether the connector has a reconcile schedule.
func (c Connector) Reconciles() bool { return c.Reconcile != "" && c.Reconcile != ReconcileOff }

// Kafka configures the log. No brokers means the embedded broker, with
// its data under DataDir/kafka.
type Kafka struct {
	Brokers      []string `yaml:"brokers" doc:"Bootstrap addresses (host:port) of a Kafka cluster. Empty starts the embedded broker on 127.0.0.1, persisted under data_dir/kafka."`
	EmbeddedPort int      `yaml:"embedded_port" doc:"Port of the embedded broker; 0 picks a free port."`
	TopicPrefix  string   `yaml:"topic_prefix" doc:"Prefix of raw topic names, <prefix>.<tenant>.<connector>.<object>: 1-40 letters, digits, ., _ and -."`
	Partitions   int      `yaml:"partitions" doc:"Partitions of the raw topics tally creates, 1 to 64: each is consumed and committed to the warehouse concurrently, and 'tally run' processes share them. A topic that exists keeps its count."`
	Retention    Duration `yaml:"retention" doc:"How long raw topics keep records, at least 10m. They hold personal data: keep it short."`
	GroupID      string   `yaml:"group_id" doc:"Consumer group shared by every 'tally run' process; required."`
	Line         int      `yaml:"-"`

	// Consumer batches: each is one warehouse transaction (batch.go).
	BatchRecords int      `yaml:"batch_records" doc:"Most records the consumer commits to the warehouse in one transaction, 1 to 100000; a batch also ends at batch_bytes, or batch_wait after its first record."`
	BatchWait    Duration `yaml:"batch_wait" doc:"Longest a consumer batch waits to fill up, from its first record, 1ms to 10s. Longer makes fuller batches when records trickle in: fewer warehouse transactions, less PostgreSQL CPU, each record committed that much later."`
	BatchBytes   int      `yaml:"batch_bytes" doc:"Most bytes of raw messages (keys and values) in one consumer batch, 1024 to 268435456; the batch ends with the message that reaches it, so a larger message travels alone."`

	// MaxMessageBytes bounds every published record (pipeline.Preflight).
	MaxMessageBytes int `yaml:"max_message_bytes" doc:"Largest raw message (key and value) tally publishes; a larger record is quarantined (rule size) and the rest of its page goes on. 0 means 1000000, under Kafka's default broker limit; keep it at or below the broker's message.max.bytes. 1024 to 67108864."`
	// Transport security of kafka.brokers (kafka_security.go).
	TLS  KafkaTLS  `yaml:"tls" doc:"TLS to kafka.brokers: encryption and verification of the brokers. Off by default."`
	SASL KafkaSASL `yaml:"sasl" doc:"SASL authentication to kafka.brokers."`
}

// Warehouse configures the sink.
type Warehouse struct {
	Driver     string `yaml:"driver" doc:"postgres or sqlite."`
	DSN        Secret `yaml:"dsn" doc:"PostgreSQL connection string (URL or key=value form; it may set search_path); required with driver postgres."`
	Path       string `yaml:"path" doc:"SQLite database file, for driver sqlite. Empty means data_dir/tally.db."`
	ReaderRole string `yaml:"reader_role" doc:"PostgreSQL group role of analysts (SELECT on the facts, except those of contact-derived KPIs, and the view kpi_daily_published, never kpi_daily itself), rows of every tenant; migrate also creates <reader_role>_<tenant> per tenant, which reads that tenant's rows only (row-level security). Migrate creates and grants them, the processing report lists them as recipients. Empty leaves them out."`
	AdminRole  string `yaml:"admin_role" doc:"PostgreSQL group role of privacy admins, the only role that may read identity_vault and the subject tables, rows of every tenant; migrate also creates <admin_role>_<tenant> per tenant, which reads that tenant's rows only (row-level security). Migrate creates and grants them, the processing report lists them as recipients. Empty leaves them out."`
	Line       int    `yaml:"-"`
}

// Pseudonyms configures the master secret pseudonym keys derive from.
type Pseudonyms struct {
	MasterKey     Secret `yaml:"master_key" doc:"The master secret, at least 32 bytes."`
	MasterKeyFile string `yaml:"master_key_file" doc:"File holding the master secret (surrounding white space is trimmed), instead of master_key."`
	KeyVersion    int    `yaml:"key_version" doc:"Key version of a tenant's new pseudonyms until 'tally keys rotate' moves it on; 1 or more. Pseudonyms carry it as prefix, k1_…"`
	Line          int    `yaml:"-"`
}

// Sync configures connector passes in `tally run`.
type Sync struct {
	Interval Duration `yaml:"interval" doc:"Time between two sync passes of 'tally run', at least 10s."`
	// OutageLimit bounds how long 'tally run --once' rides out an
	// unreachable warehouse or Kafka; 'tally run' rides out any outage.
	OutageLimit Duration `yaml:"outage_limit" doc:"How long 'tally run --once' keeps retrying (capped exponential backoff, 200ms to 30s) while the warehouse or Kafka is unreachable, at start-up too, before it exits with an error; 0 gives up at the first failure. 'tally run' retries until stopped."`
	// LeaseTTL bounds how long a dead process keeps its connector
	// leases (issue 13, warehouse/lease).
	LeaseTTL Duration `yaml:"lease_ttl" doc:"PostgreSQL only: how long a connector lease outlives its holder's last heartbeat (renewed every third of it). A process that dies or loses the database hands its connectors to the others within about this time; at least 1s."`
	// Ahead bounds how far a connector runs ahead of the warehouse
	// (pipeline.Runner.Ahead, back-pressure).
	Ahead int `yaml:"ahead" doc:"How many pages (checkpoints) a connector may publish ahead of the warehouse's stored cursor, 1 to 1000. After a crash the next holder re-pulls at most this many pages; a higher value lets a fast CRM pull while the warehouse commits."`
	Line  int `yaml:"-"`
}

// Log configures tally's own logs.
type Log struct {
	Level  string `yaml:"level" doc:"debug, info, warn or error; debug logs every SQL statement, never its arguments. --log-level overrides it."`
	Format string `yaml:"format" doc:"text or json. --log-format overrides it."`
}

// Metrics configures the Prometheus endpoint ("" = off).
type Metrics struct {
	Listen string `yaml:"listen" doc:"Address of the Prometheus /metrics endpoint, e.g. 127.0.0.1:9464; empty turns it off."`
}

// Defaults returns a File with every default applied.
func Defaults() File {
	return File{
		DataDir: "./tally-data",
		Kafka: Kafka{TopicPrefix: "tally", Partitions: DefaultPartitions, GroupID: "tally",
			BatchRecords: DefaultBatchRecords, BatchBytes: DefaultBatchBytes, BatchWait: Duration(DefaultBatchWait),
			Retention: Duration(24 * time.Hour)},
		Warehouse:  Warehouse{Driver: "sqlite", ReaderRole: "tally_reader", AdminRole: "tally_admin"},
		Pseudonyms: Pseudonyms{KeyVersion: 1},
		Retention: Retention{Facts: Duration(400 * 24 * time.Hour), KPIs: Duration(800 * 24 * time.Hour),
			Quarantine: Duration(30 * 24 * time.Hour), Evidence: Duration(DefaultEvidenceTTL)},
		Purge: Purge{Schedule: "@daily", Timezone: "UTC", BatchSize: DefaultPurgeBatch,
			BatchTimeout: Duration(DefaultBatchTimeout)},
		Sync: Sync{Interval: Duration(5 * time.Minute), OutageLimit: Duration(5 * time.Minute),
			LeaseTTL: Duration(15 * time.Second), Ahead: pipeline.DefaultAhead},
		Log: Log{Level: "info", Format: "text"},

		Quarantine: Quarantine{MaxShare: DefaultMaxShare},
		Privacy:    Privacy{MinGroupSize: DefaultMinGroupSize},
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

var lineRE = regexp.MustCompile(`(?s)^(?:yaml: )?line (\d+): (.*)$`)

// AddErr splits err (possibly joined) into located problems.
func (ps *Problems) AddErr(line int, prefix string, err error) {
	if err == nil {
		return
	}
	for _, m := range errorLines(err) {
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
// returns Problems for a missing file, syntax errors, unknown keys and
// wrong types; semantic checks are Validate's (LoadChecked does both).
func Load(path string) (*File, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// Parse is Load over bytes.
func Parse(data []byte) (*File, error) {
	f, ps := parse(data)
	if len(ps) > 0 {
		return nil, ps
	}
	return f, nil
}
