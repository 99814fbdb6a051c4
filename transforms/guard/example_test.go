package guard_test

import (
	"fmt"

	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/guard"
)

func ExampleScan() {
	for _, v := range []string{
		"closedwon",
		"2024-03-15",
		"call +1 (415) 555-0134 tomorrow",
		"jane.doe(at)example(dot)org",
		"4111 1111 1111 1111",
	} {
		fmt.Printf("%q\n", guard.Scan(v))
	}
	// Output:
	// ""
	// ""
	// "phone"
	// "email"
	// "card"
}

// The guard names the field and rule, never the value.
func ExampleStage_Apply() {
	r := cleanDeal()
	r.Fields["stage"] = "ask jane.doe@example.org"
	fmt.Println(guard.New(schemas.Default()).Apply(r))
	// Output:
	// field stage: rule email
}
