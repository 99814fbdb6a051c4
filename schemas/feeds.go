package schemas

// KPIsReading returns the names of the catalog's KPIs that read the
// object's field, in catalog order; connectors name them when a
// field's source never comes back.
func (c *Catalog) KPIsReading(object, field string) []string {
	var out []string
	for _, k := range c.kpis {
		if k.Object != object {
			continue
		}
		for _, f := range k.Fields() {
			if f == field {
				out = append(out, k.Name)
				break
			}
		}
	}
	return out
}
