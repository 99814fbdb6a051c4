package bullhorntest

import (
	"fmt"
	"strings"
	"time"
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

// rng is a splitmix64 stream seeded from (seed, entity, index), so that a
// record is a pure function of its position and needs no storage.
type rng struct{ s uint64 }

func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func newRNG(seed int64, e entity, i int) *rng {
	return &rng{s: mix(uint64(seed)) ^ mix(uint64(e)<<40^uint64(i))}
}

func (r *rng) next() uint64 { r.s = mix(r.s); return r.s }

func (r *rng) intn(n int) int {
	if n <= 0 {
		return 0
	}
	return int(r.next() % uint64(n))
}

func (r *rng) pick(s []string) string { return s[r.intn(len(s))] }

// times draws when a record was added and last modified; they are the
// first draws of its stream so the index can compute them alone.
func (r *rng) times(window time.Duration) (added, modified time.Time) {
	added = Epoch.Add(-time.Duration(1+r.intn(int(window/time.Millisecond))) * time.Millisecond)
	modified = added.Add(time.Duration(r.intn(int(Epoch.Sub(added)/time.Millisecond))) * time.Millisecond)
	return added, modified
}

func windowOf(e entity) time.Duration {
	if e == users {
		return 4 * span
	}
	return span
}

type person struct{ first, last, email, phone string }

func newPerson(r *rng, domain string, i int) person {
	f, l := r.pick(firstNames), r.pick(lastNames)
	return person{
		first: f, last: l,
		email: fmt.Sprintf("%s.%s%d@%s", strings.ToLower(f), strings.ToLower(l), i, domain),
		phone: fmt.Sprintf("+44 20 79%02d %04d", r.intn(100), r.intn(10000)),
	}
}

// userRec is a generated CorporateUser.
type userRec struct {
	person
	username string
}

func (d *Dataset) genUser(i int) userRec {
	r := newRNG(d.seed, users, i)
	r.times(windowOf(users))
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
	r.times(windowOf(placements))
	cand := newPerson(r, "mail.example.org", i)
	p := placementRec{
		candidateID: 500_000 + r.intn(1_000_000),
		candidate:   cand,
		jobOrderID:  1 + r.intn(20_000),
		jobTitle:    r.pick(jobTitles),
		owner:       -1,
		status:      r.pick(statuses),
		employment:  r.pick(employment),
		beginDays:   7 + r.intn(60),
		salary:      float64(30_000 + 1000*r.intn(90)),
		payRate:     float64(11 + r.intn(60)),
		billRate:    float64(35 + r.intn(90)),
	}
	if d.sizes.Users > 0 {
		p.owner = r.intn(d.sizes.Users)
	}
	if p.employment == "Permanent" {
		p.fee = float64(2500 + 250*r.intn(100))
	} else {
		p.fee = float64(r.intn(4) * 500)
	}
	p.comments = fmt.Sprintf("%s %s starts soon; reach them on %s or %s", cand.first, cand.last, cand.phone, cand.email)
	return p
}
