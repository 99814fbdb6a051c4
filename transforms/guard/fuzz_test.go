package guard_test

import (
	"errors"
	"testing"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/guard"
)

// FuzzGuard checks that guard never panics and that a rejection names
// only a fixed field and rule, never the input.
func FuzzGuard(f *testing.F) {
	for _, seed := range []string{
		"", "closedwon", "jane.doe@example.org", "call +1 (415) 555-0134 tomorrow",
		"4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00", "123-45-6789",
		"jane(at)example(dot)org", "＋１ ４１５ ５５５ ０１３４", "2024-03-15T10:11:12Z",
		"k1_mfrggzdfmztwq2lknnwg23tpoa", "((((((+", "\xff\xfe", "00000000000000000000",
	} {
		f.Add(seed)
	}
	s := guard.New(schemas.Default())
	fields := map[string]bool{"": true, "stage": true, "pipeline": true, "owner_id": true, "id": true}
	rules := map[string]bool{"key": true, "pseudonym": true, "length": true}
	for _, r := range guard.Rules() {
		rules[r] = true
	}
	check := func(t *testing.T, in string, r *pipeline.Record) {
		err := s.Apply(r)
		if err == nil {
			return
		}
		var fe *pipeline.FieldError
		if !errors.As(err, &fe) || !errors.Is(err, pipeline.ErrInvalid) {
			t.Fatalf("Apply(%q) = %v, want a FieldError of kind ErrInvalid", in, err)
		}
		if !fields[fe.Field] || !rules[fe.Rule] {
			t.Fatalf("Apply(%q) = field %q rule %q, want a known field and rule", in, fe.Field, fe.Rule)
		}
		if want := pipeline.Invalid(fe.Field, fe.Rule).Error(); err.Error() != want {
			t.Fatalf("Apply(%q) error %q, want exactly %q", in, err, want)
		}
	}
	f.Fuzz(func(t *testing.T, in string) {
		if rule := guard.Scan(in); rule != "" && !rules[rule] {
			t.Fatalf("Scan(%q) = %q, want a rule of Rules()", in, rule)
		}
		// The value in scanned fields of an otherwise clean record.
		r := cleanDeal()
		r.Fields["stage"] = in
		r.Fields["pipeline"] = "x " + in + " y"
		check(t, in, r)
		// The value as key and as pseudonymized fields.
		r = cleanDeal()
		r.Key = in
		r.Fields["owner_id"] = in
		r.Fields["id"] = in
		check(t, in, r)
	})
}
