package transforms_test

import (
	"fmt"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/generalize"
	"github.com/tally-dev/tally/transforms/guard"
	"github.com/tally-dev/tally/transforms/minimize"
	"github.com/tally-dev/tally/transforms/pseudonymize"
	"github.com/tally-dev/tally/transforms/validate"
)

// The five stages in order turn a raw CRM deal into a fact that holds
// only pseudonyms, KPI dimensions, amounts and UTC days.
func Example() {
	cat := schemas.Default()
	p, err := cat.Project(cat.KPINames(), cat.Objects())
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := minimize.New(cat, p)
	if err != nil {
		fmt.Println(err)
		return
	}
	k, err := pseudonymize.NewKeyring([]byte("example master secret, 32+ bytes long"), 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	stages := []pipeline.Stage{validate.New(cat), m, pseudonymize.New(k, cat), generalize.New(cat), guard.New(cat)}

	r := hubspotDeal()
	fmt.Println("personal values before:", guard.CountPersonal(cat, r))
	if stage, err := pipeline.Chain(stages, r); err != nil {
		fmt.Println(stage, err)
		return
	}
	fmt.Println("personal values after:", guard.CountPersonal(cat, r))
	fmt.Println(r.Key == r.Fields["id"], r.Fields["owner_id"] == k.Pseudonym("acme", "user", "512381932"))
	for _, f := range []string{"amount", "currency", "is_won", "close_date", "created_at"} {
		fmt.Println(f, r.Fields[f])
	}
	// Output:
	// personal values before: 5
	// personal values after: 0
	// true true
	// amount 48250.5
	// currency EUR
	// is_won true
	// close_date 2024-03-15 00:00:00 +0000 UTC
	// created_at 2024-01-09 00:00:00 +0000 UTC
}
