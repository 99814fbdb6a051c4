package main

import (
	"html/template"
	"io"
	"strings"
	texttemplate "text/template"
)

const reportMD = `# Record of processing activities (GDPR Art. 30)

Generated {{.GeneratedAt}} by tally {{.Tally.Short}}{{if .Tally.GoVersion}} ({{.Tally.GoVersion}}){{end}}.

## 1. Controller

- Controller: {{.Controller.Name}}
- Contact: {{.Controller.Contact}}
- Representative (Art. 27): {{.Controller.Representative}}
- Data protection officer: {{.Controller.DPO}}

## 2. Purposes of the processing

- **KPIs** (per rep and day, from the enabled KPIs): the fields each KPI needs, listed per connector below.
{{- range .Purposes}}
- **{{.Name}}** ({{.Basis}}): {{.Doc}}
{{- end}}

## 3. Categories of data subjects and of personal data
{{range .Subjects}}
- **{{.Category}}**. Personal data: {{join .Data ", "}}. Handling: {{.Handling}}.
{{- else}}
- none: the configured connectors pull no personal data
{{- end}}

## 4. Recipients and processors

Where: region {{.Region}}; tenants {{join .Tenants ", "}}; warehouse {{.Warehouse}}; Kafka {{.Kafka}}.
{{range .Recipients}}
- {{.}}
{{- end}}

Processors:
{{range .Controller.Processors}}
- {{.Name}}: {{.Service}} ({{.Location}})
{{- else}}
- {{notStated}}
{{- end}}

## 5. Transfers to third countries
{{range .Transfers}}
- {{.Destination}}, to {{.Recipient}}; safeguard: {{.Safeguard}}
{{- else}}
- {{notStated}}
{{- end}}

## 6. Time limits for erasure

| data | kept for |
|---|---|
{{- range .Retention}}
| {{.Table}} | {{.Keep}} |
{{- end}}

## 7. Security measures

By tally:
{{range .Security.Tally}}
- {{.}}
{{- end}}

By the controller:
{{range .Security.Controller}}
- {{.}}
{{- end}}

## 8. Processing per connector
{{range .Connectors}}
### {{.Tenant}} / {{.Connector}} ({{.System}})
{{if .Undetermined}}
Objects: {{.Undetermined}}
{{else}}
Objects pulled: {{range $i, $o := .Objects}}{{if $i}}, {{end}}{{$o.Object}}{{else}}none{{end}}
{{end}}
{{- range .Objects}}
#### {{.Object}}

Record: {{.Record}}

| field | category | treatment | justified by |
|---|---|---|---|
{{- range .Fields}}
| {{.Field}} | {{.Category}} | {{.Treatment}} | {{join .Why ", "}} |
{{- end}}

Not collected: {{if .NotPulled}}{{join .NotPulled ", "}}{{else}}none{{end}}
{{end}}
{{- end}}`

const reportCSS = `
body{font:11pt/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#111;max-width:60rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;border-bottom:1px solid #999;margin-top:1.8rem}
h3{font-size:1.05rem;margin-top:1.4rem}h4{font-size:.95rem;margin:1rem 0 .3rem}
.meta{color:#555;font-size:.9rem}.ns{color:#a33;font-style:italic}
table{border-collapse:collapse;width:100%;margin:.4rem 0;font-size:.9rem}
th,td{border:1px solid #bbb;padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#eee}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}
@page{size:A4;margin:18mm 15mm}
@media print{body{margin:0;max-width:none;font-size:10pt}h2{break-after:avoid}h3,h4{break-after:avoid}
table,tr,section.connector{break-inside:avoid}th{background:#eee;-webkit-print-color-adjust:exact;print-color-adjust:exact}a{color:inherit;text-decoration:none}}
`

const reportHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Record of processing activities</title><style>{{css}}</style></head><body>
<h1>Record of processing activities (GDPR Art. 30)</h1>
<p class="meta">Generated <time datetime="{{.GeneratedAt}}">{{.GeneratedAt}}</time> by tally {{.Tally.Short}}{{if .Tally.GoVersion}} ({{.Tally.GoVersion}}){{end}}.</p>
<h2>1. Controller</h2>
<dl><dt>Controller</dt><dd>{{ns .Controller.Name}}</dd><dt>Contact</dt><dd>{{ns .Controller.Contact}}</dd>
<dt>Representative (Art. 27)</dt><dd>{{ns .Controller.Representative}}</dd><dt>Data protection officer</dt><dd>{{ns .Controller.DPO}}</dd></dl>
<h2>2. Purposes of the processing</h2>
<ul><li><b>KPIs</b> (per rep and day, from the enabled KPIs): the fields each KPI needs, listed per connector below.</li>
{{range .Purposes}}<li><b>{{.Name}}</b> ({{.Basis}}): {{.Doc}}</li>{{end}}</ul>
<h2>3. Categories of data subjects and of personal data</h2>
<table><tr><th>data subjects</th><th>personal data</th><th>handling</th></tr>
{{range .Subjects}}<tr><td>{{.Category}}</td><td>{{join .Data ", "}}</td><td>{{.Handling}}</td></tr>{{else}}<tr><td colspan="3">none: the configured connectors pull no personal data</td></tr>{{end}}</table>
<h2>4. Recipients and processors</h2>
<p>Where: region {{.Region}}; tenants {{join .Tenants ", "}}; warehouse {{.Warehouse}}; Kafka {{.Kafka}}.</p>
<ul>{{range .Recipients}}<li>{{.}}</li>{{end}}</ul>
<table><tr><th>processor</th><th>service</th><th>location</th></tr>
{{range .Controller.Processors}}<tr><td>{{.Name}}</td><td>{{ns .Service}}</td><td>{{ns .Location}}</td></tr>{{else}}<tr><td colspan="3">{{ns ""}}</td></tr>{{end}}</table>
<h2>5. Transfers to third countries</h2>
<table><tr><th>destination</th><th>recipient</th><th>safeguard</th></tr>
{{range .Transfers}}<tr><td>{{.Destination}}</td><td>{{ns .Recipient}}</td><td>{{.Safeguard}}</td></tr>{{else}}<tr><td colspan="3">{{ns ""}}</td></tr>{{end}}</table>
<h2>6. Time limits for erasure</h2>
<table><tr><th>data</th><th>kept for</th></tr>
{{range .Retention}}<tr><td>{{.Table}}</td><td>{{.Keep}}</td></tr>{{end}}</table>
<h2>7. Security measures</h2>
<h4>By tally</h4><ul>{{range .Security.Tally}}<li>{{.}}</li>{{end}}</ul>
<h4>By the controller</h4><ul>{{range .Security.Controller}}<li>{{ns .}}</li>{{end}}</ul>
<h2>8. Processing per connector</h2>
{{range .Connectors}}<section class="connector"><h3>{{.Tenant}} / {{.Connector}} ({{.System}})</h3>
{{if .Undetermined}}<p>Objects: <span class="ns">{{.Undetermined}}</span></p>{{else}}<p>Objects pulled: {{range $i, $o := .Objects}}{{if $i}}, {{end}}{{$o.Object}}{{else}}none{{end}}</p>{{end}}
{{range .Objects}}<h4>{{.Object}}</h4><p>Record: {{.Record}}</p>
<table><tr><th>field</th><th>category</th><th>treatment</th><th>justified by</th></tr>
{{range .Fields}}<tr><td>{{.Field}}</td><td>{{.Category}}</td><td>{{.Treatment}}</td><td>{{join .Why ", "}}</td></tr>{{end}}</table>
<p>Not collected: {{if .NotPulled}}{{join .NotPulled ", "}}{{else}}none{{end}}</p>
{{end}}</section>
{{end}}</body></html>
`

// renderReport renders rec as Markdown, or as a self-contained HTML page
// styled for print (escaped by html/template; no external asset) when
// html is set.
func renderReport(w io.Writer, rec *processingRecord, html bool) error {
	if html {
		funcs := template.FuncMap{"join": strings.Join, "css": func() template.CSS { return template.CSS(reportCSS) },
			"ns": func(s string) template.HTML {
				if s == "" || s == notStated {
					return `<span class="ns">` + notStated + `</span>`
				}
				return template.HTML(template.HTMLEscapeString(s))
			}}
		return template.Must(template.New("report").Funcs(funcs).Parse(reportHTML)).Execute(w, rec)
	}
	funcs := texttemplate.FuncMap{"join": strings.Join, "notStated": func() string { return notStated }}
	return texttemplate.Must(texttemplate.New("report").Funcs(funcs).Parse(reportMD)).Execute(w, rec)
}
