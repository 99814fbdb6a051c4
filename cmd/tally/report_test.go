package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline/buildinfo"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/schemas"
)

var (
	reportTime    = time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	reportVersion = buildinfo.Info{Module: "github.com/tally-dev/tally", Version: "v1.2.3", Revision: "0123456789abcdef", GoVersion: "go1.24.1"}
)

// hubspotYAML is one HubSpot connector; its secret variables are unset
// in these tests (the report needs none).
const hubspotYAML = `
region: eu-central-1
tenants:
  - id: acme
    region: eu-central-1
    connectors:
      - kind: hubspot
        options: {token: "${TALLY_TEST_HUBSPOT_TOKEN}"}
warehouse: {driver: postgres, dsn: "${TALLY_PG_DSN}", reader_role: analyst, admin_role: privacy_admin}
pseudonyms: {master_key: "${TALLY_MASTER_KEY}"}
`

// twoKindsYAML has a HubSpot and a Bullhorn connector, every KPI, a
// tenant retention override and a partial controller section.
const twoKindsYAML = `
tenants:
  - id: acme
    connectors:
      - kind: hubspot
        options: {token: "${TALLY_TEST_HUBSPOT_TOKEN}"}
      - kind: bullhorn
        name: recruiting
        options: {client_id: tally-client, client_secret: "${TALLY_TEST_BH_SECRET}", refresh_token: "${TALLY_TEST_BH_REFRESH}"}
    retention: {facts: 90d}
retention: {facts: 400d, quarantine: 36h}
kafka: {retention: 12h}
pseudonyms: {master_key: "${TALLY_MASTER_KEY}"}
controller:
  name: Acme Staffing GmbH
  dpo: "Dana Doe, dpo@acme.example"
  processors:
    - {name: Example Cloud GmbH, service: hosting, location: DE}
  transfers:
    - {destination: US, recipient: HubSpot Inc., safeguard: EU-US Data Privacy Framework}
  security_measures: [full-disk encryption]
`

func processingRecordOf(t *testing.T, yaml string) *processingRecord {
	t.Helper()
	t.Setenv("TALLY_PG_DSN", "postgres://x@127.0.0.1/x")
	t.Setenv("TALLY_MASTER_KEY", "0123456789abcdef0123456789abcdef")
	reg, cat := newRegistry(), schemas.Default()
	cfg, err := config.ParseCheckedNoSources([]byte(yaml), reg, cat, configChecks...)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := buildProcessingRecord(cfg, reg, cat, reportTime, reportVersion)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func render(t *testing.T, rec *processingRecord, format string) string {
	t.Helper()
	var b bytes.Buffer
	if err := writeReport(&b, rec, format); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func processingReport(t *testing.T, kpis, format string) string {
	return render(t, processingRecordOf(t, hubspotYAML+"kpis: "+kpis+"\n"), format)
}

func TestProcessingReportFollowsKPIConfig(t *testing.T) {
	before := processingReport(t, "[deals_won]", "md")
	after := processingReport(t, "[deals_won, revenue_won]", "md")
	amount := "| amount | measure | kept | kpi revenue_won |"
	if strings.Contains(before, amount) {
		t.Errorf("report with only deals_won lists %q", amount)
	}
	if !strings.Contains(after, amount) {
		t.Errorf("report after enabling revenue_won lacks %q:\n%s", amount, after)
	}
	for _, want := range []string{
		"region eu-central-1",
		"tenants acme (eu-central-1)",
		"fewer than k = 5 records",
		"| email | person | sealed (AES-GCM) in the identity vault, dropped from facts | purpose identity_vault |",
		"database role privacy_admin",
	} {
		if !strings.Contains(after, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// objectsOf returns the objects each connector of rec pulls.
func objectsOf(rec *processingRecord) map[string][]string {
	out := map[string][]string{}
	for _, c := range rec.Connectors {
		out[c.Connector] = []string{}
		for _, o := range c.Objects {
			out[c.Connector] = append(out[c.Connector], o.Object)
		}
	}
	return out
}

func TestProcessingReportPerConnectorPlan(t *testing.T) {
	rec := processingRecordOf(t, twoKindsYAML)
	got := objectsOf(rec)
	for name, want := range map[string][]string{"hubspot": {"user", "deal", "lead"}, "recruiting": {"user", "placement"}} {
		if !slices.Equal(got[name], want) {
			t.Errorf("connector %s pulls %v, want %v", name, got[name], want)
		}
	}
	md := render(t, rec, "md")
	hub, bh, _ := strings.Cut(md[strings.Index(md, "### acme / hubspot"):], "### acme / recruiting (bullhorn)")
	for _, tc := range []struct {
		section string
		want    []string
		never   []string
	}{
		{hub, []string{"Objects pulled: user, deal, lead", "#### deal", "#### lead"}, []string{"#### activity", "#### placement", "fee"}},
		{bh, []string{"Objects pulled: user, placement", "#### placement", "| fee | measure | kept | kpi placement_fees |"}, []string{"#### deal", "#### lead", "#### activity"}},
	} {
		for _, w := range tc.want {
			if !strings.Contains(tc.section, w) {
				t.Errorf("section lacks %q:\n%s", w, tc.section)
			}
		}
		for _, n := range tc.never {
			if strings.Contains(tc.section, n) {
				t.Errorf("section has %q:\n%s", n, tc.section)
			}
		}
	}
	// A field the connector's plan does not request is not listed as
	// collected: Bullhorn's placement currency comes from configuration.
	if !strings.Contains(bh, "Not collected: candidate_id, candidate_name, status, currency, start_date") {
		t.Errorf("bullhorn placement lists currency as collected:\n%s", bh)
	}
	// The object's description is the record, not the data subjects.
	if strings.Contains(md, "Data subjects: A ") || !strings.Contains(md, "Record: A recruitment placement") {
		t.Errorf("object description misplaced:\n%s", md)
	}
}

func TestProcessingReportSections(t *testing.T) {
	rec := processingRecordOf(t, twoKindsYAML)
	md := render(t, rec, "md")
	for _, want := range []string{
		"Generated 2026-12-01T09:30:00Z by tally v1.2.3 (0123456789ab) (go1.24.1).",
		"- Controller: Acme Staffing GmbH",
		"- Contact: not stated",
		"- Representative (Art. 27): not stated",
		"- Data protection officer: Dana Doe, dpo@acme.example",
		"- Example Cloud GmbH: hosting (DE)",
		"- US, to HubSpot Inc.; safeguard: EU-US Data Privacy Framework",
		"- full-disk encryption",
		"| raw Kafka topics | 12 hours (",
		"| *_facts | 400 days |",
		"| quarantine | 36 hours |",
		"| tenant acme (override) | facts 90 days, kpi_daily 800 days, quarantine 36 hours |",
		"**Platform users of the CRM (sales reps, recruiters)**. Personal data: user.id, user.email",
		"**The customer's contacts (people in the CRM: leads, candidates, contacts of an activity)**. Personal data: none: records of lead, placement are counted",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if regexp.MustCompile(`\d+h\d+m\d+s`).MatchString(md) {
		t.Errorf("report prints a Go duration:\n%s", md)
	}

	bare := render(t, processingRecordOf(t, hubspotYAML), "md")
	for _, want := range []string{"- Controller: not stated", "- Data protection officer: not stated",
		"Processors:\n\n- not stated", "## 5. Transfers to third countries\n\n- not stated", "By the controller:\n\n- not stated"} {
		if !strings.Contains(bare, want) {
			t.Errorf("report without controller lacks %q", want)
		}
	}
}

func TestProcessingReportFormats(t *testing.T) {
	rec := processingRecordOf(t, twoKindsYAML)
	var js struct {
		GeneratedAt string         `json:"generated_at"`
		Tally       buildinfo.Info `json:"tally"`
		Controller  controllerRow  `json:"controller"`
		Connectors  []connectorRow `json:"connectors"`
	}
	if err := json.Unmarshal([]byte(render(t, rec, "json")), &js); err != nil {
		t.Fatal(err)
	}
	if js.GeneratedAt != "2026-12-01T09:30:00Z" || js.Tally.Version != "v1.2.3" || js.Controller.Contact != notStated || len(js.Connectors) != 2 {
		t.Errorf("json = %+v", js)
	}
	html := render(t, rec, "html")
	for _, want := range []string{"<style>", "@media print", "@page", "<td>pseudonymized as the user pseudonym</td>",
		`<dt>Contact</dt><dd><span class="ns">not stated</span></dd>`, "<dd>Dana Doe, dpo@acme.example</dd>",
		`<time datetime="2026-12-01T09:30:00Z">`, "tally v1.2.3"} {
		if !strings.Contains(html, want) {
			t.Errorf("html lacks %q", want)
		}
	}
	if regexp.MustCompile(`(?i)(src|href)\s*=|@import|url\(`).MatchString(html) {
		t.Error("html refers to an external asset")
	}
}

func TestProcessingReportEscapesHTML(t *testing.T) {
	rec := processingRecordOf(t, strings.Replace(twoKindsYAML, "name: Acme Staffing GmbH", `name: "<script>x</script>"`, 1))
	html := render(t, rec, "html")
	if strings.Contains(html, "<script>") || !strings.Contains(html, "&lt;script&gt;") {
		t.Error("controller name is not escaped")
	}
}

func TestDays(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{24 * time.Hour, "1 day"}, {400 * 24 * time.Hour, "400 days"}, {36 * time.Hour, "36 hours"},
		{10 * time.Minute, "10 minutes"}, {90 * time.Second, "90 seconds"}, {time.Hour, "1 hour"},
	} {
		if got := days(tc.d); got != tc.want {
			t.Errorf("days(%s) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
