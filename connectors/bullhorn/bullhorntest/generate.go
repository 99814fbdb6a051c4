package bullhorntest

import (
	"fmt"
	"strings"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp/crmhttptest"
)

// Epoch is the fixed instant generated data leads up to: every generated
// record was added within the 90 days before it (users within a year) and
// last modified before it.
var Epoch = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

const span = 90 * 24 * time.Hour

var (
	firstNames = []string{"Alanzo", "Beatriz", "Cormac", "Delphine", "Emeka", "Farah", "Gunnar", "Hana", "Ilse", "Jomo",
		"Keiko", "Lorcan", "Marisol", "Nikhil", "Oona", "Pavel", "Quilla", "Rosalind", "Sefa", "Tariq"}
	lastNames = []string{"Smith", "Abernathy", "Bertrand", "Chukwu", "Dvorak", "Esposito", "Fairweather", "Grünewald",
		"Hakimi", "Ishikawa", "Jankowski", "Kowalczyk", "Lindgren", "Mbeki", "Nakamura", "Oyelaran", "Prendergast"}
	jobTitles  = []string{"Dubstep Artist", "Senior Java Developer", "Payroll Manager", "Site Engineer", "Staff Nurse", "Data Analyst"}
	statuses   = []string{"Approved", "Placed", "Submitted", "Completed", "Terminated"}
	employment = []string{"Permanent", "Contract", "Contract To Hire"}
)

// newRNG is the random stream of record i of e under seed.
func newRNG(seed int64, e entity, i int) *crmhttptest.RNG {
	return crmhttptest.NewRNG(seed, uint64(e), i)
}

func windowOf(e entity) time.Duration {
	if e == users {
		return 4 * span
	}
	return span
}

type person struct{ first, last, email, phone string }

func newPerson(r *crmhttptest.RNG, domain string, i int) person {
	f, l := r.Pick(firstNames), r.Pick(lastNames)
	return person{
		first: f, last: l,
		email: fmt.Sprintf("%s.%s%d@%s", strings.ToLower(f), strings.ToLower(l), i, domain),
		phone: fmt.Sprintf("+44 20 79%02d %04d", r.Intn(100), r.Intn(10000)),
	}
}

// userRec is a generated CorporateUser.
type userRec struct {
	person
	username string
}

func (d *Dataset) genUser(i int) userRec {
	r := newRNG(d.seed, users, i)
	r.Times(Epoch, windowOf(users), time.Millisecond)
	p := newPerson(r, "recruit.example.com", i)
	return userRec{person: p, username: strings.ToLower(p.first[:1] + p.last)}
}

// placementRec is a generated Placement's non-time fields.
type placementRec struct {
	candidateID int
	candidate   person
	jobOrderID  int
	jobTitle    string
	owner       int // user index, -1 for none
	status      string
	employment  string
	beginDays   int
	fee         float64
	salary      float64
	payRate     float64
	billRate    float64
	comments    string
}

func (d *Dataset) genPlacement(i int) placementRec {
	r := newRNG(d.seed, placements, i)
	r.Times(Epoch, windowOf(placements), time.Millisecond)
	cand := newPerson(r, "mail.example.org", i)
	p := placementRec{
		candidateID: 500_000 + r.Intn(1_000_000),
		candidate:   cand,
		jobOrderID:  1 + r.Intn(20_000),
		jobTitle:    r.Pick(jobTitles),
		owner:       -1,
		status:      r.Pick(statuses),
		employment:  r.Pick(employment),
		beginDays:   7 + r.Intn(60),
		salary:      float64(30_000 + 1000*r.Intn(90)),
		payRate:     float64(11 + r.Intn(60)),
		billRate:    float64(35 + r.Intn(90)),
	}
	if d.sizes.Users > 0 {
		p.owner = r.Intn(d.sizes.Users)
	}
	if p.employment == "Permanent" {
		p.fee = float64(2500 + 250*r.Intn(100))
	} else {
		p.fee = float64(r.Intn(4) * 500)
	}
	p.comments = fmt.Sprintf("%s %s starts soon; reach them on %s or %s", cand.first, cand.last, cand.phone, cand.email)
	return p
}
