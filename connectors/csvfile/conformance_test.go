package csvfile

import (
	"testing"
	"time"

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

func (k *fake) Requests() []string               { return nil }
func (k *fake) Allowed(method, path string) bool { return true }
