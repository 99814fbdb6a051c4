package config

import "gopkg.in/yaml.v3"

// locate records the YAML line of each section, tenant and connector, so
// that semantic problems can name the line they concern.
func (f *File) locate(root *yaml.Node) {
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		key, val := doc.Content[i], doc.Content[i+1]
		switch key.Value {
		case "kpis":
			f.kpisLine = key.Line
		case "kafka":
			f.Kafka.Line = key.Line
		case "warehouse":
			f.Warehouse.Line = key.Line
		case "pseudonyms":
			f.Pseudonyms.Line = key.Line
		case "retention":
			f.Retention.Line = key.Line
		case "purge":
			f.Purge.Line = key.Line
		case "sync":
			f.Sync.Line = key.Line
		case "quarantine":
			f.Quarantine.Line = key.Line
		case "controller":
			f.Controller.Line = key.Line
		case "tenants":
			for ti, tn := range val.Content {
				if ti >= len(f.Tenants) {
					break
				}
				f.Tenants[ti].Line = tn.Line
				if cs := child(tn, "connectors"); cs != nil {
					for ci, cn := range cs.Content {
						if ci < len(f.Tenants[ti].Connectors) {
							f.Tenants[ti].Connectors[ci].Line = cn.Line
						}
					}
				}
			}
		}
	}
}

func child(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
