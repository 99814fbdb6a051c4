package pipedrivetest

import (
	"fmt"
	"strings"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp/crmhttptest"
)

// Epoch is the fixed instant generated data leads up to: every generated
// deal was added within the 90 days before it and last updated before it.
var Epoch = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

const span = 90 * 24 * time.Hour

var (
	firstNames = []string{"Jane", "Amara", "Lukas", "Priya", "Mateo", "Ingrid", "Kofi", "Yuki", "Siobhan", "Dmitri",
		"Leilani", "Tomasz", "Aiyana", "Henrik", "Zanele", "Rafael", "Noor", "Bjorn", "Camila", "Oluwaseun"}
	lastNames = []string{"Doe", "Okafor", "Lindqvist", "Raghunathan", "Castellanos", "Haugen", "Mensah", "Takahashi",
		"Gallagher", "Volkov", "Kahananui", "Wisniewski", "Redcloud", "Sorensen", "Dlamini", "Albuquerque"}
	companies = []string{"Northwind Traders", "Globex Logistics", "Initech Software", "Umbrella Biotech",
		"Stark Fabrication", "Wayne Shipping", "Acme Analytics", "Hooli Cloud", "Vandelay Imports"}
	currencies = []string{"EUR", "USD", "GBP"}
	origins    = []string{"ManuallyCreated", "API", "Import", "WebForms"}
)

type kind uint64

const (
	kindDeal kind = iota + 1
	kindUser
	kindActivity
)

// newRNG is the random stream of record i of k under seed.
func newRNG(seed int64, k kind, i int) *crmhttptest.RNG {
	return crmhttptest.NewRNG(seed, uint64(k), i)
}

// times draws a record's add and update instants, in whole seconds; they
// are the first draws of its stream so listings can compute them alone.
func times(r *crmhttptest.RNG) (added, updated time.Time) {
	return r.Times(Epoch, span, time.Second)
}

func rfc(t time.Time) string    { return t.UTC().Format(time.RFC3339) }
func v1time(t time.Time) string { return t.UTC().Format(time.DateTime) }
func ptr[T any](v T) *T         { return &v }

// deal is a v2 Deal as GET /api/v2/deals shows it: ids are numbers, times
// RFC 3339 strings, people and organizations ids only.
type deal struct {
	ID                int            `json:"id"`
	Title             string         `json:"title"`
	OwnerID           int            `json:"owner_id"`
	PersonID          *int           `json:"person_id"`
	OrgID             *int           `json:"org_id"`
	PipelineID        int            `json:"pipeline_id"`
	StageID           int            `json:"stage_id"`
	Value             float64        `json:"value"`
	Currency          string         `json:"currency"`
	AddTime           string         `json:"add_time"`
	UpdateTime        string         `json:"update_time"`
	StageChangeTime   *string        `json:"stage_change_time"`
	IsDeleted         bool           `json:"is_deleted"`
	IsArchived        bool           `json:"is_archived"`
	ArchiveTime       *string        `json:"archive_time"`
	Status            string         `json:"status"`
	Probability       *float64       `json:"probability"`
	LostReason        *string        `json:"lost_reason"`
	VisibleTo         int            `json:"visible_to"`
	CloseTime         *string        `json:"close_time"`
	WonTime           *string        `json:"won_time"`
	LostTime          *string        `json:"lost_time"`
	ExpectedCloseDate *string        `json:"expected_close_date"`
	LabelIDs          []int          `json:"label_ids"`
	Origin            string         `json:"origin"`
	OriginID          *string        `json:"origin_id"`
	Channel           *int           `json:"channel"`
	ChannelID         *string        `json:"channel_id"`
	ARR               *float64       `json:"arr"`
	MRR               *float64       `json:"mrr"`
	ACV               *float64       `json:"acv"`
	CustomFields      map[string]any `json:"custom_fields"`

	overrides map[string]any
}

// MarshalJSON renders the deal, with SetField overrides applied.
func (g deal) MarshalJSON() ([]byte, error) {
	type plain deal
	return withOverrides(plain(g), g.overrides)
}

type person struct{ first, last, company string }

func newPerson(r *crmhttptest.RNG) person {
	return person{first: r.Pick(firstNames), last: r.Pick(lastNames), company: r.Pick(companies)}
}

func (d *Dataset) genDeal(i int) deal {
	r := newRNG(d.seed, kindDeal, i)
	added, updated := times(r)
	p := newPerson(r)
	g := deal{
		ID: i + 1, AddTime: rfc(added), UpdateTime: rfc(updated),
		PersonID: ptr(100_000 + r.Intn(50_000)), OrgID: ptr(5_000 + r.Intn(2_000)),
		PipelineID: 1 + r.Intn(2), StageID: 1 + r.Intn(6), Currency: r.Pick(currencies),
		VisibleTo: 3, LabelIDs: []int{}, Origin: r.Pick(origins), CustomFields: map[string]any{},
		StageChangeTime: ptr(rfc(updated)),
	}
	if d.sizes.Users > 0 {
		g.OwnerID = userIDBase + 1 + r.Intn(d.sizes.Users)
	}
	switch r.Intn(3) {
	case 0:
		g.Title = fmt.Sprintf("%s %s deal", p.first, p.last)
	case 1:
		g.Title = fmt.Sprintf("%s – %s %s", p.company, p.first, p.last)
	default:
		g.Title = fmt.Sprintf("Renewal %s (%s %s)", p.company, p.first, p.last)
	}
	g.Value = float64(500 + r.Intn(200)*250)
	if r.Intn(4) == 0 {
		g.Value += 0.5
	}
	closing := added.Add(time.Duration(r.Intn(60*24*60)) * time.Second)
	if closing.After(updated) {
		closing = updated
	}
	switch r.Intn(5) {
	case 0:
		g.Status, g.WonTime, g.CloseTime = "won", ptr(rfc(closing)), ptr(rfc(closing))
	case 1:
		g.Status, g.LostTime, g.CloseTime, g.LostReason = "lost", ptr(rfc(closing)), ptr(rfc(closing)), ptr("Budget")
	default:
		g.Status = "open"
		if r.Intn(2) == 0 {
			g.ExpectedCloseDate = ptr(closing.Add(30 * 24 * time.Hour).Format(time.DateOnly))
		}
	}
	return g
}

// user is a v1 User as GET /v1/users shows it: times are "YYYY-MM-DD
// HH:MM:SS" in UTC, flags are booleans.
type user struct {
	ID                int          `json:"id"`
	Name              string       `json:"name"`
	DefaultCurrency   string       `json:"default_currency"`
	Locale            string       `json:"locale"`
	Lang              int          `json:"lang"`
	Email             string       `json:"email"`
	Phone             *string      `json:"phone"`
	Activated         bool         `json:"activated"`
	LastLogin         string       `json:"last_login"`
	Created           string       `json:"created"`
	Modified          string       `json:"modified"`
	HasCreatedCompany bool         `json:"has_created_company"`
	Access            []userAccess `json:"access"`
	ActiveFlag        bool         `json:"active_flag"`
	TimezoneName      string       `json:"timezone_name"`
	TimezoneOffset    string       `json:"timezone_offset"`
	RoleID            int          `json:"role_id"`
	IconURL           *string      `json:"icon_url"`
	IsYou             bool         `json:"is_you"`
	IsDeleted         bool         `json:"is_deleted"`
}

type userAccess struct {
	App             string `json:"app"`
	Admin           bool   `json:"admin"`
	PermissionSetID string `json:"permission_set_id"`
}

func (d *Dataset) genUser(i int) user {
	r := newRNG(d.seed, kindUser, i)
	added, updated := times(r)
	added = added.Add(-2 * span)
	f, l := r.Pick(firstNames), r.Pick(lastNames)
	return user{
		ID: userIDBase + i + 1, Name: f + " " + l, DefaultCurrency: "EUR", Locale: "en_US", Lang: 1,
		Email:     fmt.Sprintf("%s.%s%d@sales.example.com", strings.ToLower(f), strings.ToLower(l), i),
		Phone:     ptr(fmt.Sprintf("+372 5%03d %04d", r.Intn(1000), r.Intn(10000))),
		Activated: true, LastLogin: v1time(updated), Created: v1time(added), Modified: v1time(updated),
		HasCreatedCompany: i == 0, ActiveFlag: i%7 != 6, TimezoneName: "Europe/Tallinn", TimezoneOffset: "+02:00",
		RoleID: 1, IsYou: i == 0,
		Access: []userAccess{{App: "sales", Admin: i == 0, PermissionSetID: "62cc4d7f-4038-4352-abf3-a8c1c822b631"}},
	}
}
