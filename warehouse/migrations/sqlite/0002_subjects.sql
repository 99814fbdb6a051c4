-- Subject rights (issue 5). Every table carries tenant and expires_at so
-- tenant termination and purge cover it.

-- Identity vault: one row per platform user (rep) pseudonym. sealed is
-- AES-GCM ciphertext of the user's identity fields under a key derived
-- from the master secret; a dump shows ciphertext only. lookup is the
-- pseudonym (kind "email") of the user's email. CRM contacts never get
-- a row.
CREATE TABLE identity_vault (
    tenant      TEXT        NOT NULL,
    rep         TEXT        NOT NULL,
    lookup      TEXT        NOT NULL DEFAULT '',
    sealed      BLOB        NOT NULL,
    key_version INTEGER     NOT NULL,
    updated_at  TIMESTAMP   NOT NULL,
    expires_at  TIMESTAMP   NOT NULL,
    PRIMARY KEY (tenant, rep)
);
CREATE INDEX identity_vault_lookup ON identity_vault (tenant, lookup);
CREATE INDEX identity_vault_expires_at ON identity_vault (expires_at);

-- Suppression list: tokens of erased subjects; later syncs drop them.
CREATE TABLE suppressions (
    tenant     TEXT        NOT NULL,
    token      TEXT        NOT NULL,
    request_id TEXT        NOT NULL,
    created_at TIMESTAMP   NOT NULL,
    expires_at TIMESTAMP   NOT NULL,
    PRIMARY KEY (tenant, token)
);

-- Erasure receipts, chained per tenant: each body carries the previous
-- receipt's mac; mac is HMAC-SHA-256 of the body under a key derived
-- from the master secret.
CREATE TABLE erasure_receipts (
    tenant     TEXT        NOT NULL,
    seq        INTEGER      NOT NULL,
    request_id TEXT        NOT NULL UNIQUE,
    body       TEXT        NOT NULL,
    mac        TEXT        NOT NULL,
    created_at TIMESTAMP   NOT NULL,
    expires_at TIMESTAMP   NOT NULL,
    PRIMARY KEY (tenant, seq)
);

-- Pseudonym key versions per tenant; the highest live version is
-- current. retired_at is set when no row references the version.
CREATE TABLE pseudonym_keys (
    tenant     TEXT        NOT NULL,
    version    INTEGER     NOT NULL,
    created_at TIMESTAMP   NOT NULL,
    retired_at TIMESTAMP  ,
    expires_at TIMESTAMP   NOT NULL,
    PRIMARY KEY (tenant, version)
);

-- Per-subject data keys for crypto-shredding of raw Kafka messages,
-- wrapped (AES-GCM) by a key derived from the master secret. Erasure
-- deletes the subject's row.
CREATE TABLE subject_keys (
    tenant     TEXT        NOT NULL,
    subject    TEXT        NOT NULL,
    wrapped    BLOB        NOT NULL,
    created_at TIMESTAMP   NOT NULL,
    expires_at TIMESTAMP   NOT NULL,
    PRIMARY KEY (tenant, subject)
);

-- Erase and export look facts up by owner; keys are already indexed.
CREATE INDEX deal_facts_owner ON deal_facts (tenant, owner_id);
CREATE INDEX lead_facts_owner ON lead_facts (tenant, owner_id);
CREATE INDEX activity_facts_owner ON activity_facts (tenant, owner_id);
CREATE INDEX placement_facts_owner ON placement_facts (tenant, owner_id);
CREATE INDEX kpi_daily_rep ON kpi_daily (tenant, rep);
