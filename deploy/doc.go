// Package deploy holds tally's deployment files and the tests that keep
// them runnable and consistent with the binary's CLI, configuration and
// metrics:
//
//   - compose/: Kafka (KRaft), PostgreSQL and `tally run` with a
//     healthcheck (`tally probe`) and the metrics and admin ports;
//   - kubernetes/: the `tally run` Deployment (probes on the admin port),
//     its Service, ConfigMap (tally-config), Secret example
//     (tally-secrets), PodDisruptionBudget and the purge CronJob (exit 3
//     ignored by its podFailurePolicy), decoded strictly;
//   - systemd/: tally.service, tally-purge.service and .timer, and the
//     tally.env example, checked with systemd-analyze verify;
//   - cron/: the purge crontab line, run under `env -i` in the test;
//   - prometheus/: alert rules and their promtool unit tests;
//   - grafana/: the dashboard;
//   - dev/: scripts that install the test dependencies (PostgreSQL,
//     promtool).
//
// It has no Go API.
package deploy
