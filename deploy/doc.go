// Package deploy holds tally's deployment files — a docker-compose file
// (Kafka KRaft, PostgreSQL, tally run), a Kubernetes CronJob, a systemd
// service and timer and a crontab line for `tally purge` — and the test
// that keeps them parseable and consistent with the binary's CLI and
// configuration. It has no Go API.
package deploy
