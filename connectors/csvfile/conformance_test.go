package csvfile

import (
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/csvfile/csvfiletest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

// TestConformance runs the shared source suite over a deals export.
func TestConformance(t *testing.T) {
	const deals = 450
	pipelinetest.Run(t, pipelinetest.Harness{
		Object:  "deal",
		Records: deals,
		New: func(t *testing.T, storm bool) (pipeline.Source, pipelinetest.Fake) {
			// A file has no rate limits or 5xx answers; storm is a plain pass.
			f := newFixture(t, deals, nil)
			return f.src, &fake{t: t, f: f}
		},
	})
}

// fake adapts an export file to pipelinetest.Fake: changes, deletes and
// corruptions are rows appended to the file.
type fake struct {
	t *testing.T
	f *fixture
}

func (k *fake) append(err error) {
	if err != nil {
		k.t.Fatal(err)
	}
}

func (k *fake) Change(t *testing.T, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = k.f.ds.ID(1 + i*7)
		k.append(k.f.ds.AppendChange(k.f.path, 1+i*7, time.Now()))
	}
	return out
}

func (k *fake) Delete(t *testing.T, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = k.f.ds.ID(100 + i*7)
		k.append(k.f.ds.AppendDelete(k.f.path, 100+i*7, time.Now()))
	}
	return out
}

func (k *fake) Corrupt(t *testing.T) string {
	k.append(k.f.ds.AppendMalformedValue(k.f.path, 42, time.Now()))
	return k.f.ds.ID(42)
}

// Plant implements pipelinetest.HostileFake: the export is rewritten
// with row 150 (on the second page) carrying the poison in one cell. A
// CSV cell is text: it cannot hold a nested object.
func (k *fake) Plant(t *testing.T, p pipelinetest.Poison) (id, field string, ok bool) {
	col, value := 0, ""
	switch p {
	case pipelinetest.PoisonNUL:
		col, value, field = 6, "US\x00D", "currency"
	case pipelinetest.PoisonHuge:
		col, value, field = 6, strings.Repeat("x", 1_500_000), "currency"
	case pipelinetest.PoisonFarDate:
		col, value, field = 7, "0000-01-01 00:00:00", "close_date"
	case pipelinetest.PoisonWrongType:
		col, value, field = 10, "12345", "is_won"
	case pipelinetest.PoisonNested:
		return "", "", false
	default:
		t.Fatalf("unknown poison %s", p)
	}
	if csvfiletest.Header[col] != map[int]string{6: "Currency", 7: "Close Date", 10: "Is Won"}[col] {
		t.Fatalf("the export's column %d is %s", col, csvfiletest.Header[col])
	}
	k.append(k.f.ds.WriteFileWith(k.f.path, func(i int, row []string) {
		if i == 150 {
			row[col] = value
		}
	}))
	return k.f.ds.ID(150), field, true
}

// Cycle implements pipelinetest.HostileFake: a file has no cursor
// paging.
func (k *fake) Cycle(t *testing.T) bool { return false }

func (k *fake) Requests() []string               { return nil }
func (k *fake) Allowed(method, path string) bool { return true }
