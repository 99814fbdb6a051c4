package pipeline

import (
	"slices"
	"testing"
)

func TestCheckedField(t *testing.T) {
	tests := []struct {
		name     string
		verified bool
		reason   string
		want     FieldStatus
	}{
		{"verified drops the reason", true, "not in the api", FieldStatus{Object: "deal", Field: "amount", Property: "value", Verified: true}},
		{"unverified keeps the reason", false, "not in the api", FieldStatus{Object: "deal", Field: "amount", Property: "value", Reason: "not in the api"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckedField("deal", "amount", "value", tt.verified, tt.reason); got != tt.want {
				t.Errorf("CheckedField = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestAppendUnmappedAndSort(t *testing.T) {
	out := []FieldStatus{
		CheckedField("deal", "stage", "b", true, ""),
		CheckedField("deal", "stage", "a", false, "gone"),
		CheckedField("contact", "email", "email", true, ""),
	}
	out = AppendUnmapped(out, "deal", []string{"amount", "close_date"}, "no property maps to it")
	out = AppendUnmapped(out, "deal", nil, "unused")
	SortFieldStatuses(out)
	want := []FieldStatus{
		{Object: "contact", Field: "email", Property: "email", Verified: true},
		{Object: "deal", Field: "amount", Reason: "no property maps to it"},
		{Object: "deal", Field: "close_date", Reason: "no property maps to it"},
		{Object: "deal", Field: "stage", Property: "a", Reason: "gone"},
		{Object: "deal", Field: "stage", Property: "b", Verified: true},
	}
	if !slices.Equal(out, want) {
		t.Errorf("statuses = %+v\nwant %+v", out, want)
	}
}
