package marketotest

import (
	"fmt"
	"strings"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp/crmhttptest"
)

// Epoch is the fixed instant generated data leads up to: every generated
// lead was created within the 90 days before it and last updated before
// it, and every generated activity happened in those 90 days.
var Epoch = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// Span is how far before Epoch generated data begins.
const Span = 90 * 24 * time.Hour

const (
	leadBase     = 5000
	activityBase = 1_000_000
)

var (
	firstNames = []string{"Abigail", "Bartholomew", "Cressida", "Desmond", "Eulalie", "Fitzgerald", "Guinevere", "Horatio",
		"Isadora", "Jericho", "Katarina", "Leopold", "Marguerite", "Nathaniel", "Ophelia", "Percival"}
	lastNames = []string{"Ashcombe", "Blythewood", "Carrington", "Dunmore", "Ellsworth", "Fairbanks", "Greenhalgh",
		"Hollingsworth", "Inglethorpe", "Jessop", "Kingsley", "Lockhart", "Montgomery"}
	companies   = []string{"Acme Rockets", "Globex Corporation", "Initech", "Umbrella Biotech", "Soylent Foods", "Vandelay Industries"}
	leadSources = []string{"Website", "Paid Search", "Trade Show", "Webinar", "Referral", "List Import", ""}
	leadStatus  = []string{"New", "Open", "Working", "Nurturing", "Marketing Qualified", "Sales Qualified", "Disqualified"}
	forms       = []string{"Contact Us", "Whitepaper Download", "Webinar Registration", "Demo Request"}
	emails      = []string{"Newsletter March", "Product Launch", "Nurture Step 2", "Event Invite"}
)

// activityType is one entry of /rest/v1/activities/types.json.
type activityType struct {
	ID      int
	Name    string
	Primary string // name of the primary attribute
}

// ActivityTypes are the standard activity types the fake knows, as
// types.json lists them; generated activities use the first seven.
var ActivityTypes = []activityType{
	{1, "Visit Webpage", "Webpage ID"},
	{2, "Fill Out Form", "Webform ID"},
	{6, "Send Email", "Mailing ID"},
	{7, "Email Delivered", "Mailing ID"},
	{10, "Open Email", "Mailing ID"},
	{11, "Click Email", "Mailing ID"},
	{12, "New Lead", "Lead ID"},
	{13, "Change Data Value", "Attribute Name"},
	{22, "Change Score", "Score Name"},
	{37, "Delete Lead", "Lead ID"},
}

// newRNG is the random stream of record i of kind under seed.
func newRNG(seed int64, kind int, i int) *crmhttptest.RNG {
	return crmhttptest.NewRNG(seed, uint64(kind), i)
}

// lead is a generated lead. Times have Marketo's second precision.
type lead struct {
	created, updated, mql     time.Time
	first, last, email, phone string
	company, source, status   string
}

// genLead computes lead i; its times are the first draws of its stream.
func (d *Dataset) genLead(i int) lead {
	r := newRNG(d.seed, 1, i)
	var l lead
	l.created, l.updated = r.Times(Epoch, Span, time.Second)
	l.first, l.last = r.Pick(firstNames), r.Pick(lastNames)
	l.email = fmt.Sprintf("%s.%s%d@prospect.example.com", strings.ToLower(l.first), strings.ToLower(l.last), i)
	l.phone = fmt.Sprintf("+1 415 555 %04d", r.Intn(10000))
	l.company = r.Pick(companies)
	l.source = r.Pick(leadSources)
	l.status = r.Pick(leadStatus)
	if l.status == "Marketing Qualified" || l.status == "Sales Qualified" {
		l.mql = l.created.Add(time.Duration(r.Intn(int(l.updated.Sub(l.created)/time.Second)+1)) * time.Second)
	}
	return l
}

// activityAt is the instant of generated activity i: evenly spread over
// the Span before Epoch, in id order, at second precision.
func (d *Dataset) activityAt(i int) time.Time {
	n := max(d.sizes.Activities, 1)
	step := int64(Span/time.Second) * int64(i) / int64(n)
	return Epoch.Add(-Span + time.Duration(step)*time.Second)
}

// genActivity computes activity i as activities.json shows it.
func (d *Dataset) genActivity(i int) map[string]any {
	r := newRNG(d.seed, 2, i)
	t := ActivityTypes[r.Intn(7)]
	leadIdx := r.Intn(max(d.sizes.Leads, 1))
	id := activityBase + i
	a := map[string]any{
		"id": id, "marketoGUID": fmt.Sprint(id), "leadId": leadBase + leadIdx,
		"activityDate": d.activityAt(i).Format(time.RFC3339), "activityTypeId": t.ID,
		"primaryAttributeValueId": 1 + r.Intn(500),
	}
	var attrs []map[string]any
	switch t.ID {
	case 1:
		a["primaryAttributeValue"] = "www.example.com/pricing"
		attrs = []map[string]any{{"name": "Client IP Address", "value": fmt.Sprintf("10.0.%d.%d", r.Intn(256), r.Intn(256))},
			{"name": "Query Parameters", "value": "utm_source=newsletter"}, {"name": "Referrer URL", "value": ""},
			{"name": "User Agent", "value": "Mozilla/5.0 (X11; Linux x86_64)"}, {"name": "Webpage URL", "value": "/pricing"}}
	case 2:
		a["primaryAttributeValue"] = r.Pick(forms)
		if d.sizes.Leads > 0 {
			attrs = []map[string]any{{"name": "Form Fields", "value": "Email=" + d.genLead(leadIdx).email}}
		}
	case 12:
		a["primaryAttributeValue"] = "New lead"
	default:
		a["primaryAttributeValue"] = r.Pick(emails)
	}
	if attrs == nil {
		attrs = []map[string]any{}
	}
	a["attributes"] = attrs
	return a
}
