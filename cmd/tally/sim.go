package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/tally-dev/tally/connectors/bullhorn/bullhorntest"
	"github.com/tally-dev/tally/connectors/csvfile/csvfiletest"
	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/connectors/marketo/marketotest"
	"github.com/tally-dev/tally/connectors/pipedrive/pipedrivetest"
	"github.com/tally-dev/tally/connectors/salesforce/salesforcetest"
)

// simulation is a running simulated CRM the demo pulls from.
type simulation struct {
	vendor    string         // display name, e.g. "HubSpot"
	kind      string         // connector kind
	options   string         // YAML of the connector's options; secrets as ${ENV}
	records   int64          // records one pass loads, for the progress bar
	personal  map[string]int // personal values held at the source per object
	values    []string       // a sample of those values, for privacy tests
	mainTable string         // the fact table of the main object, for example queries
	close     func()
}

// simulators start a simulated CRM sized by a number of deals (or the
// vendor's main object). Secrets are put in the environment and named
// in options as ${ENV}, exactly as in a real configuration.
var simulators = map[string]func(deals int) (*simulation, error){
	"hubspot":    simHubSpot,
	"bullhorn":   simBullhorn,
	"pipedrive":  simPipedrive,
	"csv":        simCSV,
	"salesforce": simSalesforce,
	"marketo":    simMarketo,
}

func simulatorNames() []string {
	names := make([]string, 0, len(simulators))
	for n := range simulators {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func simHubSpot(deals int) (*simulation, error) {
	sizes := hubspottest.Sizes{Owners: max(5, deals/400), Deals: deals, Contacts: max(1, deals/2)}
	ds := hubspottest.Generate(42, sizes)
	token := randomHex(16)
	srv := hubspottest.NewServer(ds, hubspottest.Options{Token: token})
	os.Setenv("TALLY_DEMO_HUBSPOT_TOKEN", token)
	return &simulation{
		vendor: "HubSpot", kind: "hubspot", mainTable: "deal_facts",
		options: fmt.Sprintf("base_url: %q\ntoken: ${TALLY_DEMO_HUBSPOT_TOKEN}\nsearch_lag: 0s", srv.URL()),
		records: int64(sizes.Owners + sizes.Deals + sizes.Contacts), personal: ds.SourcePersonalValues(),
		values: ds.PersonalValues(),
		close:  srv.Close,
	}, nil
}

// simBullhorn simulates a recruitment agency: recruiters (CorporateUser)
// and placements; deals is the number of placements.
func simBullhorn(placements int) (*simulation, error) {
	sizes := bullhorntest.Sizes{Users: max(5, placements/400), Placements: placements}
	ds := bullhorntest.Generate(42, sizes)
	secret, refresh := randomHex(16), randomHex(16)
	srv := bullhorntest.NewServer(ds, bullhorntest.Options{ClientID: "tally-demo", ClientSecret: secret, RefreshToken: refresh})
	os.Setenv("TALLY_DEMO_BULLHORN_SECRET", secret)
	os.Setenv("TALLY_DEMO_BULLHORN_REFRESH", refresh)
	return &simulation{
		vendor: "Bullhorn", kind: "bullhorn", mainTable: "placement_facts",
		options: fmt.Sprintf("auth_url: %q\nlogin_url: %q\nclient_id: tally-demo\ncurrency: USD\n"+
			"client_secret: ${TALLY_DEMO_BULLHORN_SECRET}\nrefresh_token: ${TALLY_DEMO_BULLHORN_REFRESH}", srv.URL(), srv.URL()),
		records: int64(sizes.Users + sizes.Placements), personal: ds.SourcePersonalValues(),
		values: ds.PersonalValues(), close: srv.Close,
	}, nil
}

// simPipedrive simulates a small sales team on Pipedrive API v2.
func simPipedrive(deals int) (*simulation, error) {
	sizes := pipedrivetest.Sizes{Users: max(5, deals/400), Deals: deals, Activities: deals}
	ds := pipedrivetest.Generate(42, sizes)
	token := randomHex(16)
	srv := pipedrivetest.NewServer(ds, pipedrivetest.Options{Token: token})
	os.Setenv("TALLY_DEMO_PIPEDRIVE_TOKEN", token)
	return &simulation{
		vendor: "Pipedrive", kind: "pipedrive", mainTable: "deal_facts",
		options: fmt.Sprintf("base_url: %q\ntoken: ${TALLY_DEMO_PIPEDRIVE_TOKEN}", srv.URL()),
		records: int64(sizes.Users + sizes.Deals + sizes.Activities), personal: ds.SourcePersonalValues(),
		values: ds.PersonalValues(), close: srv.Close,
	}, nil
}

// simSalesforce simulates a Salesforce org: users, opportunities, leads,
// tasks and events, behind the OAuth token endpoint.
func simSalesforce(deals int) (*simulation, error) {
	sizes := salesforcetest.Sizes{Users: max(5, deals/400), Opportunities: deals, Leads: max(1, deals/2),
		Tasks: deals, Events: deals / 2}
	ds := salesforcetest.Generate(42, sizes)
	secret := randomHex(16)
	srv := salesforcetest.NewServer(ds, salesforcetest.Options{ClientID: "tally-demo", ClientSecret: secret, DailyLimit: 10_000_000})
	os.Setenv("TALLY_DEMO_SALESFORCE_SECRET", secret)
	return &simulation{
		vendor: "Salesforce", kind: "salesforce", mainTable: "deal_facts",
		options:  fmt.Sprintf("login_url: %q\nclient_id: tally-demo\nclient_secret: ${TALLY_DEMO_SALESFORCE_SECRET}\npage_size: 2000", srv.URL()),
		records:  int64(sizes.Users + sizes.Opportunities + sizes.Leads + sizes.Tasks + sizes.Events),
		personal: ds.SourcePersonalValues(), values: ds.PersonalValues(), close: srv.Close,
	}, nil
}

// simMarketo simulates a Marketo instance: leads through bulk extract
// jobs (status polled every 50ms instead of Marketo's minute) and
// activities through paging tokens.
func simMarketo(leads int) (*simulation, error) {
	sizes := marketotest.Sizes{Leads: leads, Activities: leads}
	ds := marketotest.Generate(42, sizes)
	secret := randomHex(16)
	srv := marketotest.NewServer(ds, marketotest.Options{ClientID: "tally-demo", ClientSecret: secret,
		StatusInterval: 50 * time.Millisecond})
	os.Setenv("TALLY_DEMO_MARKETO_SECRET", secret)
	start := marketotest.Epoch.Add(-marketotest.Span - 24*time.Hour).Format(time.DateOnly)
	return &simulation{
		vendor: "Marketo", kind: "marketo", mainTable: "lead_facts",
		options: fmt.Sprintf("base_url: %q\nclient_id: tally-demo\nclient_secret: ${TALLY_DEMO_MARKETO_SECRET}\n"+
			"start_date: %q\nmql_field: mqlDate\npoll_interval: 50ms\nrate_limit: 1000", srv.URL(), start),
		records:  int64(sizes.Leads + sizes.Activities),
		personal: ds.SourcePersonalValues(), values: ds.PersonalValues(), close: srv.Close,
	}, nil
}

// simCSV writes a CRM deals export (names, emails and phones included,
// as real exports have them) and maps only the KPI columns.
func simCSV(deals int) (*simulation, error) {
	dir, err := os.MkdirTemp("", "tally-demo-csv-")
	if err != nil {
		return nil, err
	}
	ds := csvfiletest.Generate(42, csvfiletest.Sizes{Owners: max(5, deals/400), Deals: deals})
	path := filepath.Join(dir, "deals.csv")
	if err := ds.WriteFile(path); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	var cols []string
	for header, field := range csvfiletest.Columns() {
		cols = append(cols, fmt.Sprintf("  %q: %s", header, field))
	}
	sort.Strings(cols)
	return &simulation{
		vendor: "CSV export", kind: "csv", mainTable: "deal_facts",
		options: fmt.Sprintf("path: %q\nobject: deal\nid_column: \"Record ID\"\nupdated_column: \"Last Modified Date\"\n"+
			"deleted_column: \"Deleted\"\ntime_format: datetime\ncolumns:\n%s", path, strings.Join(cols, "\n")),
		records: int64(deals), personal: ds.SourcePersonalValues(),
		values: ds.PersonalValues(), close: func() { os.RemoveAll(dir) },
	}, nil
}

// indent prefixes every line of s with n spaces.
func indent(s string, n int) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(s, "\n", "\n"+pad)
}
