package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/schemas"
)

func processingReport(t *testing.T, kpis, format string) string {
	t.Helper()
	cfg, err := config.Parse([]byte(`
region: eu-central-1
tenants:
  - id: acme
    connectors:
      - kind: hubspot
        options: {token: "${HUBSPOT_TOKEN}"}
kpis: ` + kpis + `
warehouse: {driver: postgres, dsn: "${TALLY_PG_DSN}", reader_role: analyst, admin_role: privacy_admin}
pseudonyms: {master_key: "${TALLY_MASTER_KEY}"}
`))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := buildProcessingRecord(cfg, schemas.Default())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := writeReport(&b, rec, format); err != nil {
		t.Fatal(err)
	}
	return b.String()
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
		"Region: eu-central-1",
		"| email | person | sealed (AES-GCM) in the identity vault, dropped from facts | purpose identity_vault |",
		"database role privacy_admin",
		"Not collected: owner_id, email, first_name, last_name, phone, company", // lead contact PII
	} {
		if !strings.Contains(after, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestProcessingReportFormats(t *testing.T) {
	for _, tc := range []struct{ format, want string }{
		{"json", `"treatment": "pseudonymized as the user pseudonym"`},
		{"html", "<td>pseudonymized as the user pseudonym</td>"},
	} {
		if got := processingReport(t, "[deals_won]", tc.format); !strings.Contains(got, tc.want) {
			t.Errorf("report --format %s lacks %q", tc.format, tc.want)
		}
	}
}
