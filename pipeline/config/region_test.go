package config

import (
	"strings"
	"testing"

	"github.com/tally-dev/tally/schemas"
)

// regionYAML is a two-tenant configuration; region and the tenants'
// regions are filled in by each case ("" leaves the key out).
func regionYAML(process, acme, globex string) string {
	tenant := func(id, region string) string {
		s := "  - id: " + id + "\n"
		if region != "" {
			s += "    region: " + region + "\n"
		}
		return s + "    connectors:\n      - kind: fake\n        options: {url: \"http://crm\", token: \"${TALLY_TEST_TOKEN}\"}\n"
	}
	s := "tenants:\n" + tenant("acme", acme) + tenant("globex", globex) +
		"pseudonyms:\n  master_key: ${TALLY_TEST_MASTER}\n"
	if process != "" {
		s += "region: " + process + "\n"
	}
	return s
}

func TestResidency(t *testing.T) {
	t.Setenv("TALLY_TEST_TOKEN", "tok")
	t.Setenv("TALLY_TEST_MASTER", strings.Repeat("m", 32))
	cases := []struct {
		name                   string
		process, env           string
		acme, globex           string
		problems               []string // one substring per problem
		allowAcme, allowGlobex bool
	}{
		{name: "no regions at all", allowAcme: true, allowGlobex: true},
		{name: "same region", process: "eu", acme: "eu", globex: "eu", allowAcme: true, allowGlobex: true},
		{name: "eu process with a us tenant", process: "eu", acme: "us", globex: "eu",
			problems: []string{"line 3: tenants[0].region: tenant acme is in region us; this process serves eu"}, allowGlobex: true},
		{name: "TALLY_REGION overrides the file", process: "us", env: "eu", acme: "us", globex: "eu",
			problems: []string{"tenant acme is in region us; this process serves eu"}, allowGlobex: true},
		{name: "TALLY_REGION alone", env: "eu", acme: "eu", globex: "eu", allowAcme: true, allowGlobex: true},
		{name: "tenant region required with a process region", process: "eu", globex: "eu",
			problems: []string{"tenants[0].region: required: this process serves region eu"}, allowGlobex: true},
		{name: "tenant region without a process region", acme: "us",
			problems: []string{"tenant acme is in region us, but this process states no region (set region or TALLY_REGION)"}, allowGlobex: true},
		{name: "malformed regions", process: "EU!", acme: "EU!", globex: "x",
			problems: []string{`line 14: region: "EU!" must be`, `tenants[0].region: "EU!" must be`, `tenants[1].region: "x" must be`}, allowAcme: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(RegionEnv, tc.env)
			f, err := Parse([]byte(regionYAML(tc.process, tc.acme, tc.globex)))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			ps := f.Validate(testRegistry(), schemas.Default())
			wantProblems(t, ps, tc.problems)
			if got := f.TenantAllowed("acme"); got != tc.allowAcme {
				t.Errorf("TenantAllowed(acme) = %v, want %v", got, tc.allowAcme)
			}
			if got := f.TenantAllowed("globex"); got != tc.allowGlobex {
				t.Errorf("TenantAllowed(globex) = %v, want %v", got, tc.allowGlobex)
			}
			if f.TenantAllowed("initech") {
				t.Error("TenantAllowed(unconfigured tenant) = true")
			}
		})
	}
}

// TestResidencyRefusedByLoader: every command loads through
// ParseChecked, which refuses a foreign tenant.
func TestResidencyRefusedByLoader(t *testing.T) {
	t.Setenv("TALLY_TEST_TOKEN", "tok")
	t.Setenv("TALLY_TEST_MASTER", strings.Repeat("m", 32))
	t.Setenv(RegionEnv, "eu")
	_, err := ParseChecked([]byte(regionYAML("", "us", "eu")), testRegistry(), schemas.Default())
	if _, ok := err.(Problems); !ok || !strings.Contains(err.Error(), "tenant acme is in region us; this process serves eu") {
		t.Errorf("ParseChecked(eu process, us tenant) = %v, want the residency problem", err)
	}
}

func TestResidencyStatement(t *testing.T) {
	for _, tc := range []struct {
		wh        Warehouse
		brokers   []string
		warehouse string
	}{
		{wh: Warehouse{Driver: "postgres", DSN: NewSecret("D", "postgres://tally:hunter2@db.eu.example:5432/tally?sslmode=verify-full")},
			brokers: []string{"b1.eu.example:9093"}, warehouse: "postgres db.eu.example:5432"},
		{wh: Warehouse{Driver: "postgres", DSN: NewSecret("D", "host=db.eu.example port=5433 user=tally password=hunter2")},
			warehouse: "postgres db.eu.example:5433"},
		{wh: Warehouse{Driver: "postgres", DSN: NewSecret("D", "user=tally password=hunter2")},
			warehouse: "postgres (host not stated: local socket or PGHOST)"},
		{wh: Warehouse{Driver: "postgres", DSN: NewSecret("D", "postgres://tally:hunter2@%zz")},
			warehouse: "postgres (host not stated: local socket or PGHOST)"},
		{wh: Warehouse{Driver: "sqlite", Path: "/secret/place.db"}, warehouse: "sqlite (local file)"},
	} {
		f := &File{Region: "eu", Warehouse: tc.wh, Kafka: Kafka{Brokers: tc.brokers},
			Tenants: []Tenant{{ID: "acme", Region: "eu"}}}
		r := f.Residency()
		if r.Warehouse != tc.warehouse || r.Region != "eu" || len(r.Tenants) != 1 || r.Tenants[0] != (TenantResidency{"acme", "eu"}) {
			t.Errorf("Residency() = %+v, want warehouse %q, region eu, tenant acme in eu", r, tc.warehouse)
		}
		if len(tc.brokers) == 0 && (len(r.Kafka) != 1 || !strings.Contains(r.Kafka[0], "embedded")) {
			t.Errorf("Residency().Kafka = %q, want the embedded broker", r.Kafka)
		}
		if len(tc.brokers) > 0 && strings.Join(r.Kafka, ",") != strings.Join(tc.brokers, ",") {
			t.Errorf("Residency().Kafka = %q, want %q", r.Kafka, tc.brokers)
		}
		if s := r.Warehouse + strings.Join(r.Kafka, ""); strings.Contains(s, "hunter2") || strings.Contains(s, "tally@") || strings.Contains(s, "/secret") {
			t.Errorf("Residency() names a credential or path: %+v", r)
		}
	}
}
