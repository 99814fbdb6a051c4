package marketo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

// activityItem is the part of an activity (activities.response.json) the
// connector reads. leadId is read only from deleted-lead activities,
// where it is the deleted record's id; primaryAttributeValue and
// attributes are never kept. Values are untyped so that one odd item
// cannot fail its page.
type activityItem struct {
	ID, MarketoGUID, LeadID, ActivityDate, ActivityTypeID any
}

// activityItems decodes a page's result item by item: it fails only
// when result is not a list; an item that is not a JSON object is
// counted in unreadable, and an item of any content is decoded (values
// are checked later, by field).
func activityItems(env *envelope) (items []activityItem, unreadable int, err error) {
	if len(env.Result) == 0 || string(env.Result) == "null" {
		return nil, 0, nil // Marketo leaves result out of an empty page
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(env.Result, &raws); err != nil {
		return nil, 0, fmt.Errorf("marketo: activity page result is not a list: %w", pipeline.ErrTransient)
	}
	objs, unreadable := crmhttp.DecodeRecords(raws)
	items = make([]activityItem, 0, len(objs))
	for _, m := range objs {
		items = append(items, activityItem{ID: m["id"], MarketoGUID: m["marketoGUID"], LeadID: m["leadId"],
			ActivityDate: m["activityDate"], ActivityTypeID: m["activityTypeId"]})
	}
	return items, unreadable, nil
}

// odd reports a JSON value no activity attribute the connector reads
// ever has: an object, an array or a boolean. It is passed on as it
// came, for the validate stage to quarantine with rule type, rather
// than flattened into a plausible string.
func odd(v any) bool {
	switch v.(type) {
	case map[string]any, []any, bool:
		return true
	}
	return false
}

// inRange reports whether t lies in years 1–9999, as a record version
// must (pipeline.Preflight); a value outside goes on in its field only.
func inRange(t time.Time) bool { return t.Year() >= 1 && t.Year() <= 9999 }

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// idString returns a JSON id (number or string) as a string, "" if none.
func idString(v any) string { return strings.TrimSpace(str(v)) }

// pagingToken asks for the paging token of activities since t.
func (s *Source) pagingToken(ctx context.Context, t time.Time) (string, error) {
	q := url.Values{"sinceDatetime": {t.UTC().Format(time.RFC3339)}}
	env, err := s.call(ctx, crmhttp.Request{Method: http.MethodGet, Path: "/rest/v1/activities/pagingtoken.json", Query: q}, nil)
	if err != nil {
		return "", fmt.Errorf("getting a paging token: %w", err)
	}
	if env.NextPageToken == "" {
		return "", fmt.Errorf("marketo: paging token answer without nextPageToken: %w", pipeline.ErrTransient)
	}
	return env.NextPageToken, nil
}

// syncActivities pages activities.json from the cursor's paging token
// until moreResult is false; the last token is the next pass's start.
func (s *Source) syncActivities(ctx context.Context, p *plan, cur string, emit pipeline.Emitter) (int, error) {
	var c activityCursor
	if cur == "" {
		tok, err := s.pagingToken(ctx, s.start)
		if err != nil {
			return 0, err
		}
		c = activityCursor{V: cursorVersion, Token: tok}
	} else {
		var err error
		if c, err = decodeActivity(cur); err != nil {
			return 0, fmt.Errorf("marketo: resuming activity: %w", err)
		}
	}
	names, err := s.typeNames(ctx, p)
	if err != nil {
		return 0, err
	}
	ids := make([]string, len(s.cfg.ActivityTypeIDs))
	for i, id := range s.cfg.ActivityTypeIDs {
		ids[i] = strconv.Itoa(id)
	}
	passStart, count := s.now().UTC(), 0
	var guard crmhttp.PageGuard
	for {
		if err := guard.Visit(c.Token); err != nil {
			return count, fmt.Errorf("marketo: activity: %w", err)
		}
		q := url.Values{"nextPageToken": {c.Token}, "activityTypeIds": {strings.Join(ids, ",")},
			"batchSize": {strconv.Itoa(s.cfg.PageSize)}}
		env, err := s.call(ctx, crmhttp.Request{Method: http.MethodGet, Path: "/rest/v1/activities.json", Query: q}, nil)
		if err != nil {
			return count, fmt.Errorf("listing activities: %w", err)
		}
		items, unreadable, err := activityItems(env)
		if err != nil {
			return count, err
		}
		if unreadable > 0 {
			s.log.Warn("activities that are not JSON objects skipped", "object", "activity", "count", unreadable)
		}
		recs := make([]pipeline.Record, 0, len(items))
		for _, it := range items {
			if r, ok := s.activity(p, it, names, passStart); ok {
				recs = append(recs, r)
			}
		}
		if env.NextPageToken != "" {
			c.Token = env.NextPageToken
		}
		count += len(recs)
		if err := emit.Emit(ctx, recs, encode(c)); err != nil {
			return count, err
		}
		if !env.MoreResult {
			return count, nil
		}
	}
}

// activity turns one item into a record with the projected fields.
func (s *Source) activity(p *plan, it activityItem, names map[int]string, passStart time.Time) (pipeline.Record, bool) {
	id := idString(it.MarketoGUID)
	if id == "" {
		id = idString(it.ID)
	}
	if id == "" {
		s.log.Warn("activity without an id skipped", "object", "activity")
		return pipeline.Record{}, false
	}
	raw := str(it.ActivityDate)
	version, ok := parseInstant(raw)
	if !ok || !inRange(version) {
		version = passStart
	}
	r := s.record("activity", id, pipeline.OpUpsert, version)
	r.Fields = make(map[string]any, len(p.fields))
	for _, f := range p.fields {
		switch f.canonical {
		case "occurred_at":
			if _, isText := it.ActivityDate.(string); !isText && it.ActivityDate != nil {
				r.Fields[f.canonical] = it.ActivityDate // a number or an object: not a date
				continue
			}
			r.Fields[f.canonical] = parse(instant, raw)
		case "type":
			if odd(it.ActivityTypeID) {
				r.Fields[f.canonical] = it.ActivityTypeID
				continue
			}
			t := idString(it.ActivityTypeID)
			n, err := strconv.Atoi(t)
			if name := names[n]; err == nil && name != "" {
				r.Fields[f.canonical] = name
			} else {
				r.Fields[f.canonical] = parse(text, t)
			}
		}
	}
	return r, true
}

// typeNames returns the names of the pulled activity types: the
// configured ones, and for the others activities/types.json, read once.
func (s *Source) typeNames(ctx context.Context, p *plan) (map[int]string, error) {
	s.typesMu.Lock()
	defer s.typesMu.Unlock()
	missing := false
	for _, id := range s.cfg.ActivityTypeIDs {
		if s.types[id] == "" {
			missing = true
		}
	}
	needed := false
	for _, f := range p.fields {
		needed = needed || f.canonical == "type"
	}
	if missing && needed {
		env, err := s.call(ctx, crmhttp.Request{Method: http.MethodGet, Path: "/rest/v1/activities/types.json"}, nil)
		if err != nil {
			return nil, fmt.Errorf("listing activity types: %w", err)
		}
		var types []struct {
			ID   int    `json:"id"`
			Name string `json:"name"`
		}
		if err := json.Unmarshal(env.Result, &types); err != nil {
			return nil, fmt.Errorf("marketo: activity types answer is not a list: %w", pipeline.ErrTransient)
		}
		for _, t := range types {
			if s.types[t.ID] == "" {
				s.types[t.ID] = t.Name
			}
		}
	}
	out := make(map[int]string, len(s.types))
	for k, v := range s.types {
		out[k] = v
	}
	return out, nil
}

// deleteLeadType is the activity type id of Delete Lead.
const deleteLeadType = 37

// isDeleteLead reports whether an item of deletedleads.json says itself
// that it is a Delete Lead activity.
func isDeleteLead(it activityItem) bool {
	switch t := it.ActivityTypeID.(type) {
	case float64:
		return t == deleteLeadType
	case string:
		return strings.TrimSpace(t) == strconv.Itoa(deleteLeadType)
	}
	return false
}
