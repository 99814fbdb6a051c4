package generalize_test

import (
	"fmt"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/generalize"
)

// A close date keeps only its UTC day; the amount keeps its currency
// and is not converted.
func ExampleStage_Apply() {
	r := &pipeline.Record{Tenant: "acme", Object: "deal", Op: pipeline.OpUpsert,
		Fields: map[string]any{
			"close_date": time.Date(2024, 3, 15, 8, 30, 0, 0, time.FixedZone("JST", 9*3600)),
			"amount":     1250.0,
			"currency":   "JPY",
		}}
	if err := generalize.New(schemas.Default()).Apply(r); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Fields["close_date"], r.Fields["amount"], r.Fields["currency"])
	// Output:
	// 2024-03-14 00:00:00 +0000 UTC 1250 JPY
}
