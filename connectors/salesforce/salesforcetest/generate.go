package salesforcetest

import (
	"fmt"
	"strings"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp/crmhttptest"
)

// Epoch is the fixed instant generated data leads up to: every generated
// record was last modified in the 90 days before it.
var Epoch = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

const span = 90 * 24 * time.Hour

var (
	firstNames = []string{"Jane", "Amara", "Lukas", "Priya", "Mateo", "Ingrid", "Kofi", "Yuki", "Siobhan", "Dmitri",
		"Leilani", "Tomasz", "Aiyana", "Henrik", "Zanele", "Rafael", "Noor", "Bjorn", "Camila", "Oluwaseun"}
	lastNames = []string{"Doe", "Okafor", "Lindqvist", "Raghunathan", "Castellanos", "Haugen", "Mensah", "Takahashi",
		"Gallagher", "Volkov", "Kahananui", "Wisniewski", "Redcloud", "Sorensen", "Dlamini", "Albuquerque"}
	companies = []string{"Northwind Traders", "Globex Logistics", "Initech Software", "Umbrella Biotech",
		"Stark Fabrication", "Wayne Shipping", "Acme Analytics", "Hooli Cloud", "Vandelay Imports"}
	stages = []string{"Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
		"Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost"}
	leadStatuses = []string{"Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted"}
	leadSources  = []string{"Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"}
	currencies   = []string{"USD", "EUR", "GBP"}
	taskSubtypes = []string{"Task", "Email", "Call", "ListEmail"}
	eventTypes   = []any{"Meeting", "Call", "Email", "Other", nil}
)

// newRNG is the random stream of record i of k under seed.
func newRNG(seed int64, k Kind, i int) *crmhttptest.RNG {
	return crmhttptest.NewRNG(seed, uint64(k), i)
}

// dateTime is Salesforce's datetime wire form: milliseconds and a +0000
// offset without a colon.
func dateTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000-0700") }
func date(t time.Time) string     { return t.UTC().Format(time.DateOnly) }

type person struct{ first, last, email, phone, company string }

func newPerson(r *crmhttptest.RNG, i int, domain string) person {
	f, l := r.Pick(firstNames), r.Pick(lastNames)
	return person{
		first: f, last: l,
		email:   fmt.Sprintf("%s.%s%d@%s", strings.ToLower(f), strings.ToLower(l), i, domain),
		phone:   fmt.Sprintf("+1 %03d 555 %04d", 201+r.Intn(780), r.Intn(10000)),
		company: r.Pick(companies),
	}
}

func (d *Dataset) ref(r *crmhttptest.RNG, k Kind) any {
	if d.sizes.of(k) == 0 {
		return nil
	}
	return d.ID(k, r.Intn(d.sizes.of(k)))
}

// leadPerson is the customer a free-text field talks about.
func (d *Dataset) leadPerson(r *crmhttptest.RNG) person {
	j := r.Intn(max(d.sizes.Leads, 1000))
	return newPerson(newRNG(d.seed, Lead, j), j, "example.org")
}

// generate computes every field of record i of k except the system
// ones the overlay may change.
func (d *Dataset) generate(k Kind, i int) map[string]any {
	r := newRNG(d.seed, k, i)
	ms := d.modstamp(k, i)
	created := ms.Add(-time.Duration(r.Intn(30*24*60)) * time.Minute)
	rec := map[string]any{
		"attributes":  map[string]any{"type": kindNames[k], "url": ""},
		"CreatedDate": dateTime(created),
	}
	switch k {
	case User:
		p := newPerson(r, i, "sales.example.com")
		rec["Username"], rec["Email"] = p.email, p.email
		rec["FirstName"], rec["LastName"], rec["Name"] = p.first, p.last, p.first+" "+p.last
		rec["Alias"] = strings.ToLower(p.first[:1] + p.last[:min(4, len(p.last))])
		rec["Phone"] = p.phone
		rec["IsActive"] = r.Intn(10) != 0
	case Opportunity:
		p := d.leadPerson(r)
		stage := r.Pick(stages)
		rec["Name"] = fmt.Sprintf("%s – %s %s renewal", p.company, p.first, p.last)
		rec["Description"] = fmt.Sprintf("call %s about pricing; %s prefers email %s", p.phone, p.first, p.email)
		rec["NextStep"] = "send quote to " + p.email
		rec["StageName"] = stage
		rec["IsWon"] = stage == "Closed Won"
		rec["IsClosed"] = strings.HasPrefix(stage, "Closed")
		rec["Amount"] = nil
		if r.Intn(10) != 0 {
			rec["Amount"] = float64(500+r.Intn(200)*250) + float64(r.Intn(2))*0.5
		}
		rec["CloseDate"] = date(created.Add(time.Duration(r.Intn(60)) * 24 * time.Hour))
		rec["OwnerId"] = d.ref(r, User)
		rec["CurrencyIsoCode"] = r.Pick(currencies)
	case Lead:
		p := newPerson(r, i, "example.org")
		rec["FirstName"], rec["LastName"], rec["Name"] = p.first, p.last, p.first+" "+p.last
		rec["Email"], rec["Phone"], rec["Company"] = p.email, p.phone, p.company
		rec["Status"], rec["LeadSource"] = r.Pick(leadStatuses), r.Pick(leadSources)
		rec["OwnerId"] = d.ref(r, User)
		rec["CurrencyIsoCode"] = r.Pick(currencies)
	case Task, Event:
		p := d.leadPerson(r)
		rec["Subject"] = fmt.Sprintf("Call %s %s", p.first, p.last)
		rec["Description"] = fmt.Sprintf("left a voicemail at %s; follow up at %s", p.phone, p.email)
		rec["WhoId"] = d.ref(r, Lead)
		rec["OwnerId"] = d.ref(r, User)
		rec["IsArchived"] = false
		due := created.Add(time.Duration(r.Intn(14*24)) * time.Hour)
		if k == Task {
			rec["TaskSubtype"] = r.Pick(taskSubtypes)
			rec["Type"] = nil
			rec["Status"] = "Completed"
			rec["ActivityDate"] = nil
			if r.Intn(5) != 0 {
				rec["ActivityDate"] = date(due)
			}
		} else {
			rec["Type"] = eventTypes[r.Intn(len(eventTypes))]
			rec["EventSubtype"] = "Event"
			rec["ActivityDateTime"] = dateTime(due)
			rec["ActivityDate"] = date(due)
			rec["IsAllDayEvent"] = false
			rec["DurationInMinutes"] = float64(30 * (1 + r.Intn(4)))
		}
	}
	return rec
}
