// Package marketo is tally's source for Adobe Marketo Engage. It pulls
// two canonical objects, one-way:
//
//   - lead, through the bulk lead extract: one export job per window of
//     at most 31 days of updatedAt (createdAt when the subscription
//     answers 1035), created, enqueued, polled at most once per
//     poll_interval and downloaded as CSV in Range requests; the cursor
//     holds the window, the job id, the byte offset and the rows emitted,
//     so a killed download resumes at its byte. Deleted leads come from
//     activities/deletedleads.json with a paging token and are emitted
//     as deletes. Only id, createdAt, updatedAt, leadSource, leadStatus
//     and the configured MQL date field are ever requested, and only
//     when the projection needs them; names, emails, phones and
//     companies never are.
//   - activity, from activities.json with paging tokens: the type (from
//     activity_types or activities/types.json) and the day. leadId and
//     primaryAttributeValue are contact data and are never emitted.
//
// Marketo answers most failures as HTTP 200 with success:false and a
// quoted code: the connector decodes every body and maps 601/602 to a
// token refresh and one retry, 606 and 615 to a back-off of
// rate_limit_wait, 1029 (queue full) to a wait of queue_wait, 604/608/611
// to a retry, and 607 or the export quota to pipeline.ErrQuota. Every
// request (identity calls and retries included) first waits for a token
// bucket (golang.org/x/time/rate) that passes at most rate_limit calls
// (default 100) in any 20 seconds, Marketo's limit per instance, so a
// pass does not live on 606 answers. The client_secret travels only in
// the Identity call's query, which is never logged. Leads carry no owner:
// the documented lead fields name no sales owner, so they have no rep.
//
// Hostile answers: activity items are decoded one by one and a value of
// any shape is emitted as it came, for quarantine by field and rule; an
// export row that is not CSV is skipped alone, and a row longer than
// chunk_bytes is read in growing ranges. Only a Delete Lead activity
// (type 37) of deletedleads.json deletes its lead; other items are
// skipped, counted and warned about once per pass. Activity and
// deleted-lead paging remember every token of a pass and stop with
// crmhttp.ErrPagingLoop on a repeat; a job that never completes ends
// the pass after job_timeout. CheckFields (tally check) checks lead
// fields against Describe Lead, the activity types against
// activities/types.json, and samples one activity.
package marketo
