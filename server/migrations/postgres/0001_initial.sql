-- The schema of the PostgreSQL store, the same tables as migrations/sqlite/0001_initial.sql:
-- integers are BIGINT (the store reads every integer as 64-bit), bytes BYTEA, the engagement row id
-- a BIGSERIAL, and engagement_steps has a `rowid` (SQLite's implicit one) that grows with every
-- step, the version of the engagement tables the statistics cache is keyed by. Text compares
-- byte by byte (COLLATE "C"), as in SQLite, so lists come in the same order on both engines.
CREATE TABLE catalog (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    version TEXT COLLATE "C" NOT NULL,
    generation BIGINT NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
);
CREATE TABLE resources (
    id TEXT COLLATE "C" PRIMARY KEY,
    kind TEXT COLLATE "C" NOT NULL,
    body TEXT COLLATE "C" NOT NULL
);
CREATE TABLE tokens (
    hash BYTEA PRIMARY KEY,
    scope TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    organization TEXT COLLATE "C"
);
CREATE TABLE engagements (
    id BIGSERIAL PRIMARY KEY,
    status TEXT COLLATE "C" NOT NULL,
    need TEXT COLLATE "C" NOT NULL,
    resource_id TEXT COLLATE "C" NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    title TEXT COLLATE "C" NOT NULL,
    region TEXT COLLATE "C",
    disciplines TEXT COLLATE "C" NOT NULL,
    industries TEXT COLLATE "C" NOT NULL,
    society TEXT COLLATE "C" NOT NULL,
    fair TEXT COLLATE "C",
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    contacted_at TEXT COLLATE "C",
    negotiating_at TEXT COLLATE "C",
    signed_at TEXT COLLATE "C",
    landed_at TEXT COLLATE "C",
    dropped_at TEXT COLLATE "C",
    idempotency_owner TEXT COLLATE "C",
    idempotency_key TEXT COLLATE "C",
    request_hash TEXT COLLATE "C",
    public_id TEXT COLLATE "C" UNIQUE,
    legacy_id BIGINT UNIQUE,
    enterprise TEXT COLLATE "C",
    enterprise_region TEXT COLLATE "C",
    need_id TEXT COLLATE "C",
    UNIQUE (idempotency_owner, idempotency_key)
);
CREATE INDEX engagements_created ON engagements (created_at);
CREATE TABLE engagement_steps (
    rowid BIGSERIAL UNIQUE,
    engagement_id BIGINT NOT NULL REFERENCES engagements (id),
    seq BIGINT NOT NULL,
    from_status TEXT COLLATE "C",
    to_status TEXT COLLATE "C" NOT NULL,
    at TEXT COLLATE "C" NOT NULL,
    by_token TEXT COLLATE "C" NOT NULL,
    by_scope TEXT COLLATE "C" NOT NULL,
    note TEXT COLLATE "C",
    PRIMARY KEY (engagement_id, seq)
);
CREATE TABLE needs (
    id TEXT COLLATE "C" PRIMARY KEY,
    organization TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    visibility TEXT COLLATE "C" NOT NULL,
    body TEXT COLLATE "C" NOT NULL
);
CREATE TABLE need_state (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
CREATE TABLE fairs (
    id TEXT COLLATE "C" PRIMARY KEY,
    body TEXT COLLATE "C" NOT NULL
);
CREATE TABLE fair_participants (
    fair TEXT COLLATE "C" NOT NULL REFERENCES fairs (id),
    id TEXT COLLATE "C" NOT NULL,
    body TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (fair, id)
);
CREATE TABLE fair_requests (
    fair TEXT COLLATE "C" NOT NULL REFERENCES fairs (id),
    id TEXT COLLATE "C" NOT NULL,
    position BIGINT NOT NULL,
    need TEXT COLLATE "C" NOT NULL,
    resource TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    body TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (fair, id)
);
CREATE TABLE fair_meetings (
    fair TEXT COLLATE "C" NOT NULL REFERENCES fairs (id),
    request TEXT COLLATE "C" NOT NULL,
    slot BIGINT NOT NULL,
    seat BIGINT NOT NULL,
    published BIGINT NOT NULL,
    PRIMARY KEY (fair, request)
);
