package main

import (
	"html/template"
	"io"
	"strings"
	texttemplate "text/template"
)

const reportMD = `# Record of processing activities (GDPR Art. 30)

- Region: {{.Region}}
- Warehouse: {{.Warehouse}}
- Kafka: {{.Kafka}}
- Recipients: {{join .Recipients "; "}}

## Purposes other than KPIs
{{range .Purposes}}
- **{{.Name}}** ({{.Basis}}): {{.Doc}}
{{- end}}

## Retention

| table | kept for |
|---|---|
{{- range .Retention}}
| {{.Table}} | {{.Keep}} |
{{- end}}
{{range .Activities}}
## {{.Tenant}} / {{.Connector}} ({{.System}}): {{.Object}}

Data subjects: {{.Subjects}}

| field | category | treatment | justified by |
|---|---|---|---|
{{- range .Fields}}
| {{.Field}} | {{.Category}} | {{.Treatment}} | {{join .Why ", "}} |
{{- end}}

Not collected: {{if .NotPulled}}{{join .NotPulled ", "}}{{else}}none{{end}}
{{end}}`

const reportHTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>Record of processing activities</title></head><body>
<h1>Record of processing activities (GDPR Art. 30)</h1>
<ul><li>Region: {{.Region}}</li><li>Warehouse: {{.Warehouse}}</li><li>Kafka: {{.Kafka}}</li>
<li>Recipients: {{join .Recipients "; "}}</li></ul>
<h2>Purposes other than KPIs</h2><ul>{{range .Purposes}}<li><b>{{.Name}}</b> ({{.Basis}}): {{.Doc}}</li>{{end}}</ul>
<h2>Retention</h2><table><tr><th>table</th><th>kept for</th></tr>
{{range .Retention}}<tr><td>{{.Table}}</td><td>{{.Keep}}</td></tr>{{end}}</table>
{{range .Activities}}<h2>{{.Tenant}} / {{.Connector}} ({{.System}}): {{.Object}}</h2>
<p>Data subjects: {{.Subjects}}</p>
<table><tr><th>field</th><th>category</th><th>treatment</th><th>justified by</th></tr>
{{range .Fields}}<tr><td>{{.Field}}</td><td>{{.Category}}</td><td>{{.Treatment}}</td><td>{{join .Why ", "}}</td></tr>{{end}}</table>
<p>Not collected: {{if .NotPulled}}{{join .NotPulled ", "}}{{else}}none{{end}}</p>
{{end}}</body></html>
`

// renderReport renders rec as Markdown, or HTML (escaped by
// html/template) when html is set.
func renderReport(w io.Writer, rec *processingRecord, html bool) error {
	funcs := map[string]any{"join": strings.Join}
	if html {
		return template.Must(template.New("report").Funcs(funcs).Parse(reportHTML)).Execute(w, rec)
	}
	return texttemplate.Must(texttemplate.New("report").Funcs(funcs).Parse(reportMD)).Execute(w, rec)
}
