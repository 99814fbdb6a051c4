package hubspottest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp/crmhttptest"
)

// Epoch is the fixed instant generated data leads up to: every generated
// record was created within the 90 days before it and last modified
// before it.
var Epoch = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

const span = 90 * 24 * time.Hour

var (
	firstNames = []string{"Jane", "Amara", "Lukas", "Priya", "Mateo", "Ingrid", "Kofi", "Yuki", "Siobhan", "Dmitri",
		"Leilani", "Tomasz", "Aiyana", "Henrik", "Zanele", "Rafael", "Noor", "Bjorn", "Camila", "Oluwaseun",
		"Marguerite", "Thiago", "Anneliese", "Kwame", "Elodie", "Ravi", "Saoirse", "Jovana", "Emeka", "Fenna"}
	lastNames = []string{"Doe", "Okafor", "Lindqvist", "Raghunathan", "Castellanos", "Haugen", "Mensah", "Takahashi",
		"Gallagher", "Volkov", "Kahananui", "Wisniewski", "Redcloud", "Sorensen", "Dlamini", "Albuquerque",
		"Haddad", "Eriksen", "Restrepo", "Adeyemi", "Fontaine", "Nakashima", "Brandauer", "Asante", "Moreau",
		"Venkataraman", "Quigley", "Petrovic", "Nwosu", "Bakker"}
	companies = []string{"Northwind Traders", "Globex Logistics", "Initech Software", "Umbrella Biotech",
		"Stark Fabrication", "Wayne Shipping", "Acme Analytics", "Hooli Cloud", "Vandelay Imports",
		"Soylent Foods", "Tyrell Robotics", "Cyberdyne Labs", "Wonka Confectionery", "Gringotts Finance"}
	lifecycleStages = []string{"subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"}
	leadSources     = []string{"ORGANIC_SEARCH", "PAID_SEARCH", "EMAIL_MARKETING", "SOCIAL_MEDIA", "REFERRALS",
		"OTHER_CAMPAIGNS", "DIRECT_TRAFFIC", "OFFLINE"}
	dealStages = []string{"appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
		"decisionmakerboughtin", "contractsent", "closedwon", "closedlost"}
	currencies = []string{"USD", "EUR", "GBP"}
	teams      = []string{"West Coast Sales", "East Coast Sales", "EMEA Sales", "Partner Sales"}
)

// newRNG is the random stream of record i of k under seed.
func newRNG(seed int64, k kind, i int) *crmhttptest.RNG {
	return crmhttptest.NewRNG(seed, uint64(k), i)
}

func windowOf(k kind) time.Duration {
	if k == owners {
		return 4 * span
	}
	return span
}

func iso(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
func ms(t time.Time) string  { return strconv.FormatInt(t.UnixMilli(), 10) }

type person struct{ first, last, email, phone, company string }

func contactPerson(r *crmhttptest.RNG, i int) person {
	f, l := r.Pick(firstNames), r.Pick(lastNames)
	return person{
		first:   f,
		last:    l,
		email:   fmt.Sprintf("%s.%s%d@example.org", strings.ToLower(f), strings.ToLower(l), i),
		phone:   fmt.Sprintf("+1 %03d 555 %04d", 201+r.Intn(780), r.Intn(10000)),
		company: r.Pick(companies),
	}
}

func (d *Dataset) ownerRef(r *crmhttptest.RNG) string {
	if d.sizes.Owners == 0 {
		return ""
	}
	return d.id(owners, r.Intn(d.sizes.Owners))
}

func (d *Dataset) genContact(i int) (map[string]string, time.Time, time.Time) {
	r := newRNG(d.seed, contacts, i)
	created, modified := r.Times(Epoch, windowOf(contacts), time.Millisecond)
	p := contactPerson(r, i)
	props := map[string]string{
		"firstname":           p.first,
		"lastname":            p.last,
		"email":               p.email,
		"phone":               p.phone,
		"company":             p.company,
		"lifecyclestage":      r.Pick(lifecycleStages),
		"hs_analytics_source": r.Pick(leadSources),
		"hubspot_owner_id":    d.ownerRef(r),
	}
	// Contacts at or past MQL carry the date they became one, as
	// HubSpot's lifecycle date properties do.
	if slices.Index(lifecycleStages, props["lifecyclestage"]) >= 2 {
		mql := created.Add(time.Duration(i%10+1) * 24 * time.Hour)
		if mql.After(modified) {
			mql = modified
		}
		props["hs_lifecyclestage_marketingqualifiedlead_date"] = mql.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return props, created, modified
}

// dealPerson is the customer a deal's free text talks about: a contact
// of the dataset when there are any.
func (d *Dataset) dealPerson(r *crmhttptest.RNG) person {
	if d.sizes.Contacts == 0 {
		return contactPerson(r, r.Intn(1_000_000))
	}
	j := r.Intn(d.sizes.Contacts)
	cr := newRNG(d.seed, contacts, j)
	cr.Times(Epoch, windowOf(contacts), time.Millisecond)
	return contactPerson(cr, j)
}

func (d *Dataset) genDeal(i int) (map[string]string, time.Time, time.Time) {
	r := newRNG(d.seed, deals, i)
	created, modified := r.Times(Epoch, windowOf(deals), time.Millisecond)
	p := d.dealPerson(r)
	stage := r.Pick(dealStages)
	var name string
	switch r.Intn(3) {
	case 0:
		name = fmt.Sprintf("Renewal for %s %s <%s>", p.first, p.last, p.email)
	case 1:
		name = fmt.Sprintf("%s – new business (%s %s)", p.company, p.first, p.last)
	default:
		name = fmt.Sprintf("Expansion: %s %s, %s", p.first, p.last, p.company)
	}
	amount := ""
	if r.Intn(10) != 0 {
		amount = strconv.Itoa(500 + r.Intn(200)*250)
		if r.Intn(4) == 0 {
			amount += ".50"
		}
	}
	closeAt := created.Add(time.Duration(r.Intn(60*24)) * time.Minute)
	closeDate := iso(closeAt)
	if r.Intn(4) == 0 {
		closeDate = ms(closeAt)
	}
	return map[string]string{
		"dealname":           name,
		"description":        fmt.Sprintf("call %s about pricing; %s prefers email %s", p.phone, p.first, p.email),
		"dealstage":          stage,
		"pipeline":           "default",
		"hs_is_closed_won":   strconv.FormatBool(stage == "closedwon"),
		"hs_is_closed":       strconv.FormatBool(stage == "closedwon" || stage == "closedlost"),
		"amount":             amount,
		"deal_currency_code": r.Pick(currencies),
		"closedate":          closeDate,
		"hubspot_owner_id":   d.ownerRef(r),
	}, created, modified
}

// owner is one generated owner as the owners API shows it.
type owner struct {
	person
	userID            int
	teams             []string
	created, modified time.Time
}

func (d *Dataset) genOwner(i int) owner {
	r := newRNG(d.seed, owners, i)
	created, modified := r.Times(Epoch, windowOf(owners), time.Millisecond)
	f, l := r.Pick(firstNames), r.Pick(lastNames)
	o := owner{
		person:  person{first: f, last: l, email: fmt.Sprintf("%s.%s%d@sales.example.com", strings.ToLower(f), strings.ToLower(l), i)},
		userID:  1_200_000 + i,
		created: created, modified: modified,
	}
	o.teams = append(o.teams, teams[r.Intn(len(teams))])
	if t := teams[r.Intn(len(teams))]; r.Intn(3) == 0 && t != o.teams[0] {
		o.teams = append(o.teams, t)
	}
	return o
}
