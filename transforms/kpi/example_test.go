package kpi_test

import (
	"fmt"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/kpi"
)

func ExampleCalculator_Diff() {
	calc, err := kpi.New(schemas.Default(), []string{"deals_won", "revenue_won"})
	if err != nil {
		fmt.Println(err)
		return
	}
	day := time.Date(2024, 5, 17, 0, 0, 0, 0, time.UTC)
	open := &pipeline.Record{Tenant: "acme", Object: "deal", Key: "k1_deal", Fields: map[string]any{
		"owner_id": "k1_rep", "is_won": false, "amount": 1200.0, "currency": "EUR", "close_date": day,
	}}
	won := &pipeline.Record{Tenant: "acme", Object: "deal", Key: "k1_deal", Fields: map[string]any{
		"owner_id": "k1_rep", "is_won": true, "amount": 1500.0, "currency": "EUR", "close_date": day,
	}}
	for _, d := range calc.Diff(open, won) {
		fmt.Printf("%s %s rep=%s currency=%q value=%s n=%+d\n",
			d.Metric, d.Day.Format(time.DateOnly), d.Rep, d.Currency, d.Value, d.N)
	}
	// Output:
	// deals_won 2024-05-17 rep=k1_rep currency="" value=1 n=+1
	// revenue_won 2024-05-17 rep=k1_rep currency="EUR" value=1500 n=+1
}
