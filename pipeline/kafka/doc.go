// Package kafka implements pipeline.Log on Apache Kafka: topic creation
// with a bounded retention, a synchronous keyed producer, a consumer that
// shares partitions with other tally processes through a consumer group,
// and an in-process broker (Embedded) for `tally demo`, tests and runs
// with no brokers configured.
//
// It is the only package of tally that imports a Kafka client
// (github.com/segmentio/kafka-go) or the fake broker
// (github.com/twmb/franz-go/pkg/kfake).
//
// Delivery: the warehouse is the source of truth for consumer offsets.
// Consume asks its StartFunc where to begin each assigned partition and
// commits offsets to the group only for operators' tooling (lag
// dashboards); they never decide where reading resumes.
//
// Personal data: raw messages carry CRM records. Nothing in this package
// logs or returns a message key or value; logs and errors name topics,
// partitions, counts and durations only.
//
// Transport security: Config.TLS and Config.SASL (PLAIN, SCRAM-SHA-256,
// SCRAM-SHA-512) apply to every connection alike: the producer and admin
// calls (kafka-go's Transport) and the consumer group and partition
// readers (its Dialer) share one dial function, which makes the TLS
// handshake itself so that a failure names the broker and the step
// (BrokerError). Check proves each bootstrap broker reachable and the
// credentials accepted.
package kafka
