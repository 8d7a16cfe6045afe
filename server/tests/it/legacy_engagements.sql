-- A store as `duijie serve` wrote it before engagement ids were random (sequential INTEGER ids):
-- an empty catalog, and two engagements of one broker token, the first moved to contacted.
CREATE TABLE catalog (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version TEXT NOT NULL,
    generation INTEGER NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE resources (id TEXT PRIMARY KEY, kind TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE tokens (
    hash BLOB PRIMARY KEY,
    scope TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
INSERT INTO catalog (id, version, generation) VALUES (1, 'legacy', 1);
CREATE TABLE engagements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    status TEXT NOT NULL,
    need TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    region TEXT,
    disciplines TEXT NOT NULL,
    industries TEXT NOT NULL,
    society TEXT NOT NULL,
    fair TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    contacted_at TEXT,
    negotiating_at TEXT,
    signed_at TEXT,
    landed_at TEXT,
    dropped_at TEXT,
    idempotency_owner TEXT,
    idempotency_key TEXT,
    request_hash TEXT,
    UNIQUE (idempotency_owner, idempotency_key)
);
CREATE INDEX engagements_created ON engagements (created_at);
CREATE TABLE engagement_steps (
    engagement_id INTEGER NOT NULL REFERENCES engagements (id),
    seq INTEGER NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    at TEXT NOT NULL,
    by_token TEXT NOT NULL,
    by_scope TEXT NOT NULL,
    note TEXT,
    PRIMARY KEY (engagement_id, seq)
);
INSERT INTO engagements (status, need, resource_id, kind, title, region, disciplines, industries,
    society, fair, created_at, updated_at, contacted_at)
VALUES ('contacted', '{"text":"第一条"}', 'a-1', 'achievement', '锂电池回收', '440305', '', '', '', NULL,
    '2026-01-02T03:04:05Z', '2026-01-03T03:04:05Z', '2026-01-03T03:04:05Z');
INSERT INTO engagements (status, need, resource_id, kind, title, region, disciplines, industries,
    society, fair, created_at, updated_at)
VALUES ('intent', '{"text":"第二条"}', 'a-2', 'expert', '张三', NULL, '', '', '', NULL,
    '2026-01-04T03:04:05Z', '2026-01-04T03:04:05Z');
INSERT INTO engagement_steps VALUES (1, 0, NULL, 'intent', '2026-01-02T03:04:05Z', 'OWNER', 'broker', NULL);
INSERT INTO engagement_steps VALUES (1, 1, 'intent', 'contacted', '2026-01-03T03:04:05Z', 'OWNER', 'broker', NULL);
INSERT INTO engagement_steps VALUES (2, 0, NULL, 'intent', '2026-01-04T03:04:05Z', 'OWNER', 'broker', NULL);
