package minimize_test

import (
	"fmt"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/minimize"
)

// Only fields a KPI needs and the schema allows to store survive.
func ExampleStage_Apply() {
	cat := schemas.Default()
	p, err := cat.Project([]string{"leads_created"}, []string{"lead"})
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := minimize.New(cat, p)
	if err != nil {
		fmt.Println(err)
		return
	}
	r := &pipeline.Record{Tenant: "acme", Object: "lead", ID: "5", Op: pipeline.OpUpsert,
		Fields: map[string]any{
			"id": "5", "owner_id": "77", "lead_source": "ORGANIC_SEARCH",
			"email": "jane.doe@example.org", "first_name": "Jane", "hs_analytics_num_visits": 12.0,
		}}
	_ = s.Apply(r)
	fmt.Println(r.Fields)
	// Output:
	// map[id:5 lead_source:ORGANIC_SEARCH owner_id:77]
}

// A projection that asks for a field that may not be stored is a
// configuration error.
func ExampleNew() {
	_, err := minimize.New(schemas.Default(), schemas.Projection{"lead": {"email": {"kpi newsletter"}}})
	fmt.Println(err)
	// Output:
	// configuration: minimize: projection of lead names field email of class contact_pii, which may not be stored
}
