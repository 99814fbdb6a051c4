package csvfiletest

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp/crmhttptest"
)

// Epoch is the fixed instant generated data leads up to.
var Epoch = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// TimeFormat is the layout of every time cell (the connector's
// time_format "datetime").
const TimeFormat = time.DateTime

// Header is the export's header row.
var Header = []string{"Record ID", "Deal Name", "Deal Owner", "Deal Stage", "Pipeline", "Amount", "Currency",
	"Close Date", "Create Date", "Last Modified Date", "Is Won", "Is Closed", "Contact Email", "Contact Phone", "Deleted"}

// Columns maps the export's headers to canonical deal fields, as a csv
// connector configuration does; Record ID, Last Modified Date and Deleted
// are the id, updated and deleted columns. The personal columns (Deal
// Name, Contact Email, Contact Phone) are deliberately unmapped.
func Columns() map[string]string {
	return map[string]string{
		"Deal Owner": "owner_id", "Deal Stage": "stage", "Pipeline": "pipeline", "Amount": "amount",
		"Currency": "currency", "Close Date": "close_date", "Create Date": "created_at",
		"Is Won": "is_won", "Is Closed": "is_closed",
	}
}

var (
	firstNames = []string{"Jane", "Amara", "Lukas", "Priya", "Mateo", "Ingrid", "Kofi", "Yuki", "Siobhan", "Dmitri"}
	lastNames  = []string{"Doe", "Okafor", "Lindqvist", "Raghunathan", "Castellanos", "Haugen", "Mensah", "Takahashi"}
	companies  = []string{"Northwind Traders", "Globex Logistics", "Initech Software", "Umbrella Biotech"}
	stages     = []string{"qualified", "proposal", "negotiation", "closedwon", "closedlost"}
	currencies = []string{"USD", "EUR", "GBP"}
)

// Sizes is how many rows a Dataset generates.
type Sizes struct{ Owners, Deals int }

// Dataset is a deterministic deals export.
type Dataset struct {
	seed  int64
	sizes Sizes
}

// Generate returns the dataset of seed; the same arguments always give
// the same rows.
func Generate(seed int64, n Sizes) *Dataset {
	n.Owners = max(n.Owners, 1)
	return &Dataset{seed: seed, sizes: n}
}

// Sizes returns the generated sizes.
func (d *Dataset) Sizes() Sizes { return d.sizes }

// ID returns the Record ID of row i.
func (d *Dataset) ID(i int) string { return strconv.Itoa(30_000_000 + i) }

// Row returns row i of the export, last modified at modified (zero: its
// generated time).
func (d *Dataset) Row(i int, modified time.Time) []string {
	r := crmhttptest.NewRNG(d.seed, 0, i+1)
	created := Epoch.Add(-time.Duration(1+r.Intn(90*24*3600)) * time.Second)
	if modified.IsZero() {
		modified = created.Add(time.Duration(r.Intn(int(Epoch.Sub(created)/time.Second))) * time.Second)
	}
	first, last, company := r.Pick(firstNames), r.Pick(lastNames), r.Pick(companies)
	stage := r.Pick(stages)
	amount := strconv.Itoa(500+r.Intn(200)*250) + ".00"
	return []string{
		d.ID(i),
		fmt.Sprintf("%s – %s %s, \"priority\"", company, first, last),
		strconv.Itoa(7_000 + r.Intn(d.sizes.Owners)),
		stage, "default", amount, r.Pick(currencies),
		created.Add(time.Duration(r.Intn(60)) * 24 * time.Hour).Format(TimeFormat),
		created.Format(TimeFormat), modified.UTC().Format(TimeFormat),
		strconv.FormatBool(stage == "closedwon"), strconv.FormatBool(strings.HasPrefix(stage, "closed")),
		fmt.Sprintf("%s.%s%d@example.org", strings.ToLower(first), strings.ToLower(last), i),
		fmt.Sprintf("+1 %03d 555 %04d", 201+r.Intn(780), r.Intn(10000)),
		"false",
	}
}

// WriteFile writes the whole export to path, streaming row by row.
func (d *Dataset) WriteFile(path string) error { return d.WriteFileWith(path, nil) }

// WriteFileWith writes the whole export to path like WriteFile, letting
// edit change each row (by column index of Header) before it is written,
// for example to plant a hostile cell; edit may be nil.
func (d *Dataset) WriteFileWith(path string, edit func(i int, row []string)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	w := csv.NewWriter(bw)
	w.Write(Header)
	for i := range d.sizes.Deals {
		row := d.Row(i, time.Time{})
		if edit != nil {
			edit(i, row)
		}
		w.Write(row)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// AppendRaw appends lines verbatim, each ended by a line break.
func AppendRaw(path string, lines ...string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	for _, l := range lines {
		if _, err := f.WriteString(l + "\n"); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

func appendRows(path string, rows ...[]string) error {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.WriteAll(rows)
	return AppendRaw(path, strings.TrimSuffix(b.String(), "\n"))
}

// AppendChange appends a newer version of row i, last modified at at.
func (d *Dataset) AppendChange(path string, i int, at time.Time) error {
	return appendRows(path, d.Row(i, at))
}

// AppendDelete appends a row marking row i deleted at at.
func (d *Dataset) AppendDelete(path string, i int, at time.Time) error {
	row := make([]string, len(Header))
	row[0], row[9], row[14] = d.ID(i), at.UTC().Format(TimeFormat), "true"
	return appendRows(path, row)
}

// AppendMalformedValue appends a version of row i, modified at at, whose
// Amount does not parse.
func (d *Dataset) AppendMalformedValue(path string, i int, at time.Time) error {
	row := d.Row(i, at)
	row[5] = "about 1,250 dollars"
	return appendRows(path, row)
}

// PersonalValues returns the personal values of the first 1,000 rows
// (deal name, contact email and phone), sorted and free of duplicates.
func (d *Dataset) PersonalValues() []string {
	seen := map[string]bool{}
	for i := range min(d.sizes.Deals, 1000) {
		row := d.Row(i, time.Time{})
		seen[row[1]], seen[row[12]], seen[row[13]] = true, true, true
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// SourcePersonalValues counts the personal values in the export: 3 per
// deal row (name, contact email, contact phone).
func (d *Dataset) SourcePersonalValues() map[string]int {
	return map[string]int{"deal": 3 * d.sizes.Deals}
}
