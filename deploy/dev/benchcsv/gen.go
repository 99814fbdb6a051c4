package main

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"time"
)

// epoch is the instant generated dates lead up to; every close and
// creation date lies within the year before it, so with tally's default
// KPI TTL (800 days) every rollup is written.
var epoch = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

var (
	header   = []string{"Record ID", "Deal Name", "Amount", "Deal Stage", "Close Date", "Owner Email", "Contact Email", "Phone", "Notes", "Is Won", "Currency", "Create Date"}
	firsts   = []string{"Jane", "Amara", "Lukas", "Priya", "Mateo", "Ingrid", "Kofi", "Yuki", "Siobhan", "Dmitri"}
	lasts    = []string{"Doe", "Okafor", "Lindqvist", "Raghunathan", "Castellanos", "Haugen", "Mensah", "Takahashi"}
	firms    = []string{"Northwind Traders", "Globex Logistics", "Initech Software", "Umbrella Biotech"}
	stages   = []string{"qualified", "proposal", "negotiation", "closedwon", "closedlost"}
	currency = []string{"USD", "EUR", "GBP"}
	words    = strings.Fields("call follow up pricing renewal budget approved procurement legal review demo scheduled champion left decision maker asked for discount competitor evaluation next quarter signed pilot expansion seats")
)

// columns maps the export's headers to canonical deal fields; the
// personal columns (names, emails, phone, notes) are deliberately unmapped.
var columns = map[string]string{
	"Owner Email": "owner_id", "Deal Stage": "stage", "Amount": "amount", "Close Date": "close_date",
	"Is Won": "is_won", "Currency": "currency", "Create Date": "created_at",
}

// deal is one generated row.
type deal struct {
	id, name, amount, stage, closeDate, owner, contact, phone, notes, won, cur, created string
}

func genDeal(i int) deal {
	r := rand.New(rand.NewSource(int64(i) + 1))
	pick := func(s []string) string { return s[r.Intn(len(s))] }
	first, last := pick(firsts), pick(lasts)
	created := epoch.AddDate(0, 0, -1-r.Intn(365))
	closed := created.AddDate(0, 0, r.Intn(60))
	stage := pick(stages)
	var notes strings.Builder
	for notes.Len() < 230+r.Intn(60) {
		if notes.Len() > 0 {
			notes.WriteByte(' ')
		}
		notes.WriteString(pick(words))
	}
	fmt.Fprintf(&notes, " — spoke with %s %s, %s", first, last, pick(firms))
	return deal{
		id:        strconv.Itoa(40_000_000 + i),
		name:      fmt.Sprintf("%s – %s %s renewal %d", pick(firms), first, last, r.Intn(1000)),
		amount:    strconv.Itoa(500+r.Intn(400)*125) + "." + fmt.Sprintf("%02d", r.Intn(100)),
		stage:     stage,
		closeDate: closed.Format(time.DateOnly),
		owner:     fmt.Sprintf("rep%03d@seller.example.com", r.Intn(200)),
		contact:   fmt.Sprintf("%s.%s%d@customer%d.example.org", strings.ToLower(first), strings.ToLower(last), r.Intn(10000), r.Intn(500)),
		phone:     fmt.Sprintf("+1-%03d-%03d-%04d", 200+r.Intn(700), r.Intn(1000), r.Intn(10000)),
		notes:     notes.String(),
		won:       strconv.FormatBool(stage == "closedwon"),
		cur:       pick(currency),
		created:   created.Format(time.DateOnly),
	}
}

// writeCSV writes the export of n rows to path and returns its size.
func writeCSV(path string, n int) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	cw := csv.NewWriter(bw)
	cw.Write(header)
	for i := 0; i < n; i++ {
		d := genDeal(i)
		cw.Write([]string{d.id, d.name, d.amount, d.stage, d.closeDate, d.owner, d.contact, d.phone, d.notes, d.won, d.cur, d.created})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return 0, err
	}
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), f.Close()
}

// minimizedColumns are the deal_facts columns the \copy baseline loads.
const minimizedColumns = "tenant, key, source, owner_id, stage, is_won, amount, currency, close_date, created_at, version, written_at, expires_at"

// writeMinimized writes the minimized form of the same n rows (what
// tally stores: pseudonymized key and owner, dimensions, amount, days) as
// CSV for \copy; pseudonyms are an HMAC-SHA256 like tally's.
func writeMinimized(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	cw := csv.NewWriter(bw)
	mac := hmac.New(sha256.New, []byte("bench-master-key-bench-master-key"))
	pseudo := func(v string) string {
		mac.Reset()
		mac.Write([]byte(v))
		return "k1_" + hex.EncodeToString(mac.Sum(nil)[:16])
	}
	now := time.Now().UTC()
	version, written, expires := now.Format(time.RFC3339Nano), now.Format(time.RFC3339Nano), now.AddDate(0, 0, 400).Format(time.RFC3339Nano)
	for i := 0; i < n; i++ {
		d := genDeal(i)
		cw.Write([]string{"bench", pseudo(d.id), "csv", pseudo(d.owner), d.stage, d.won, d.amount, d.cur, d.closeDate, d.created, version, written, expires})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}
