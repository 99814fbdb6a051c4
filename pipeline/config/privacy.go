package config

// Privacy configures what analysts may read of the warehouse.
type Privacy struct {
	MinGroupSize int `yaml:"min_group_size" doc:"Smallest number of records a row of a contact-derived KPI (kpis.yaml contact_derived: leads, activities) must count for analysts to see it: the reader roles read kpi_daily through the view kpi_daily_published, which leaves out smaller groups so that no one can single out a person from a daily count. Reps' own KPIs are never suppressed; the base table keeps every row. 1 to 1000; default 5."`
}

// DefaultMinGroupSize is privacy.min_group_size unless configured.
const DefaultMinGroupSize = 5

func (f *File) validatePrivacy(add func(int, string, ...any)) {
	if k := f.Privacy.MinGroupSize; k < 1 || k > 1000 {
		add(0, "privacy.min_group_size: %d is out of range 1-1000", k)
	}
}
