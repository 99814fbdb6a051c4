package validate_test

import (
	"fmt"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/validate"
)

// A record read back from Kafka carries JSON types; validate restores
// the schema types.
func ExampleStage_Apply() {
	r := &pipeline.Record{
		Tenant: "acme", Object: "deal", ID: "9001", Op: pipeline.OpUpsert,
		Version: time.Date(2024, 3, 15, 10, 0, 0, 0, time.UTC),
		Fields: map[string]any{
			"amount":     1250.0,
			"close_date": "2024-03-15T23:30:00+02:00",
		},
	}
	s := validate.New(schemas.Default())
	if err := s.Apply(r); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%T %v\n", r.Fields["close_date"], r.Fields["close_date"])

	r.Fields["amount"] = "1,250.00"
	fmt.Println(s.Apply(r))
	// Output:
	// time.Time 2024-03-15 21:30:00 +0000 UTC
	// field amount: rule type
}
