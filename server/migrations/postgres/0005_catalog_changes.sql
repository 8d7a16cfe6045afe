-- The catalog's change log, as migrations/sqlite/0005_catalog_changes.sql.
CREATE TABLE catalog_changes (
    generation BIGINT NOT NULL,
    id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (generation, id)
);
