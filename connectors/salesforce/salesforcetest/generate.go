package salesforcetest

import (
	"fmt"
	"strings"
	"time"
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

// rng is a splitmix64 stream seeded from (seed, kind, index), so that a
// record is a pure function of its position.
type rng struct{ s uint64 }

func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func newRNG(seed int64, k Kind, i int) *rng {
	return &rng{s: mix(uint64(seed)) ^ mix(uint64(k)<<40^uint64(i))}
}

func (r *rng) next() uint64 { r.s = mix(r.s); return r.s }
func (r *rng) intn(n int) int {
	if n <= 0 {
		return 0
	}
	return int(r.next() % uint64(n))
}
func (r *rng) pick(s []string) string { return s[r.intn(len(s))] }

// dateTime is Salesforce's datetime wire form: milliseconds and a +0000
// offset without a colon.
func dateTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000-0700") }
func date(t time.Time) string     { return t.UTC().Format(time.DateOnly) }

type person struct{ first, last, email, phone, company string }

func newPerson(r *rng, i int, domain string) person {
	f, l := r.pick(firstNames), r.pick(lastNames)
	return person{
		first: f, last: l,
		email:   fmt.Sprintf("%s.%s%d@%s", strings.ToLower(f), strings.ToLower(l), i, domain),
		phone:   fmt.Sprintf("+1 %03d 555 %04d", 201+r.intn(780), r.intn(10000)),
		company: r.pick(companies),
	}
}

func (d *Dataset) ref(r *rng, k Kind) any {
	if d.sizes.of(k) == 0 {
		return nil
	}
	return d.ID(k, r.intn(d.sizes.of(k)))
}

// leadPerson is the customer a free-text field talks about.
func (d *Dataset) leadPerson(r *rng) person {
	j := r.intn(max(d.sizes.Leads, 1000))
	return newPerson(newRNG(d.seed, Lead, j), j, "example.org")
}

// generate computes every field of record i of k except the system
// ones the overlay may change.
func (d *Dataset) generate(k Kind, i int) map[string]any {
	r := newRNG(d.seed, k, i)
	ms := d.modstamp(k, i)
	created := ms.Add(-time.Duration(r.intn(30*24*60)) * time.Minute)
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
		rec["IsActive"] = r.intn(10) != 0
	case Opportunity:
		p := d.leadPerson(r)
		stage := r.pick(stages)
		rec["Name"] = fmt.Sprintf("%s – %s %s renewal", p.company, p.first, p.last)
		rec["Description"] = fmt.Sprintf("call %s about pricing; %s prefers email %s", p.phone, p.first, p.email)
		rec["NextStep"] = "send quote to " + p.email
		rec["StageName"] = stage
		rec["IsWon"] = stage == "Closed Won"
		rec["IsClosed"] = strings.HasPrefix(stage, "Closed")
		rec["Amount"] = nil
		if r.intn(10) != 0 {
			rec["Amount"] = float64(500+r.intn(200)*250) + float64(r.intn(2))*0.5
		}
		rec["CloseDate"] = date(created.Add(time.Duration(r.intn(60)) * 24 * time.Hour))
		rec["OwnerId"] = d.ref(r, User)
		rec["CurrencyIsoCode"] = r.pick(currencies)
	case Lead:
		p := newPerson(r, i, "example.org")
		rec["FirstName"], rec["LastName"], rec["Name"] = p.first, p.last, p.first+" "+p.last
		rec["Email"], rec["Phone"], rec["Company"] = p.email, p.phone, p.company
		rec["Status"], rec["LeadSource"] = r.pick(leadStatuses), r.pick(leadSources)
		rec["OwnerId"] = d.ref(r, User)
		rec["CurrencyIsoCode"] = r.pick(currencies)
	case Task, Event:
		p := d.leadPerson(r)
		rec["Subject"] = fmt.Sprintf("Call %s %s", p.first, p.last)
		rec["Description"] = fmt.Sprintf("left a voicemail at %s; follow up at %s", p.phone, p.email)
		rec["WhoId"] = d.ref(r, Lead)
		rec["OwnerId"] = d.ref(r, User)
		rec["IsArchived"] = false
		due := created.Add(time.Duration(r.intn(14*24)) * time.Hour)
		if k == Task {
			rec["TaskSubtype"] = r.pick(taskSubtypes)
			rec["Type"] = nil
			rec["Status"] = "Completed"
			rec["ActivityDate"] = nil
			if r.intn(5) != 0 {
				rec["ActivityDate"] = date(due)
			}
		} else {
			rec["Type"] = eventTypes[r.intn(len(eventTypes))]
			rec["EventSubtype"] = "Event"
			rec["ActivityDateTime"] = dateTime(due)
			rec["ActivityDate"] = date(due)
			rec["IsAllDayEvent"] = false
			rec["DurationInMinutes"] = float64(30 * (1 + r.intn(4)))
		}
	}
	return rec
}
