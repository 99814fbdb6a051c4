package marketo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

var _ pipeline.FieldChecker = (*Source)(nil)

// CheckFields tells which Marketo fields behind the projection exist,
// reading metadata only: lead fields (the export columns, the MQL date
// field included) against Describe Lead (leads/describe.json, by REST
// name); the activity type against activities/types.json, which must
// list every configured activity_type_ids; and activityDate from one
// sampled activity of the first page since start_date (discarded), as no
// metadata call lists the attributes every activity has. Projected
// fields Marketo does not provide here are reported unverified.
func (s *Source) CheckFields(ctx context.Context) ([]pipeline.FieldStatus, error) {
	var out []pipeline.FieldStatus
	for _, o := range s.objects {
		p := s.plans[o]
		var known map[string]string // vendor field → reason it is unverified, "" if verified
		var err error
		if o == "lead" {
			known, err = s.describeLeads(ctx, p)
		} else {
			known, err = s.describeActivities(ctx)
		}
		if err != nil {
			return nil, fmt.Errorf("marketo: checking %s fields: %w", o, err)
		}
		for _, f := range p.fields {
			reason, ok := known[f.vendor]
			if !ok {
				reason = "not in leads/describe.json"
			}
			out = append(out, pipeline.CheckedField(o, f.canonical, f.vendor, reason == "", reason))
		}
		out = pipeline.AppendUnmapped(out, o, p.unsupported, "no marketo field maps to it")
	}
	pipeline.SortFieldStatuses(out)
	return out, nil
}

// describeLeads returns the lead fields Describe Lead lists (by REST
// name), each verified.
func (s *Source) describeLeads(ctx context.Context, p *plan) (map[string]string, error) {
	env, err := s.call(ctx, crmhttp.Request{Method: http.MethodGet, Path: "/rest/v1/leads/describe.json"}, nil)
	if err != nil {
		return nil, err
	}
	var fields []struct {
		Rest struct {
			Name string `json:"name"`
		} `json:"rest"`
	}
	if json.Unmarshal(env.Result, &fields) != nil {
		return nil, fmt.Errorf("describe lead answer is not a list: %w", pipeline.ErrTransient)
	}
	known := map[string]string{}
	for _, f := range fields {
		known[f.Rest.Name] = ""
	}
	return known, nil
}

// describeActivities checks the configured activity types against
// activities/types.json and samples one activity for activityDate.
func (s *Source) describeActivities(ctx context.Context) (map[string]string, error) {
	env, err := s.call(ctx, crmhttp.Request{Method: http.MethodGet, Path: "/rest/v1/activities/types.json"}, nil)
	if err != nil {
		return nil, err
	}
	var types []struct {
		ID int `json:"id"`
	}
	if json.Unmarshal(env.Result, &types) != nil {
		return nil, fmt.Errorf("activity types answer is not a list: %w", pipeline.ErrTransient)
	}
	listed := map[int]bool{}
	for _, t := range types {
		listed[t.ID] = true
	}
	var missing []string
	for _, id := range s.cfg.ActivityTypeIDs {
		if !listed[id] {
			missing = append(missing, strconv.Itoa(id))
		}
	}
	known := map[string]string{"activityTypeId": ""}
	if len(missing) > 0 {
		known["activityTypeId"] = "activity_type_ids not in activities/types.json: " + strings.Join(missing, ", ")
	}
	known["activityDate"], err = s.sampleActivityDate(ctx)
	return known, err
}

// sampleActivityDate reads the first activities page since start_date,
// at most one activity, and returns "" when it carries activityDate.
func (s *Source) sampleActivityDate(ctx context.Context) (string, error) {
	tok, err := s.pagingToken(ctx, s.start)
	if err != nil {
		return "", err
	}
	ids := make([]string, len(s.cfg.ActivityTypeIDs))
	for i, id := range s.cfg.ActivityTypeIDs {
		ids[i] = strconv.Itoa(id)
	}
	q := url.Values{"nextPageToken": {tok}, "activityTypeIds": {strings.Join(ids, ",")}, "batchSize": {"1"}}
	env, err := s.call(ctx, crmhttp.Request{Method: http.MethodGet, Path: "/rest/v1/activities.json", Query: q}, nil)
	if err != nil {
		return "", err
	}
	items, _, err := activityItems(env)
	switch {
	case err != nil:
		return "", err
	case len(items) == 0:
		return "no activity on the first page since start_date to sample", nil
	}
	if _, ok := parseInstant(str(items[0].ActivityDate)); !ok {
		return "the sampled activity has no readable activityDate", nil
	}
	return "", nil
}
