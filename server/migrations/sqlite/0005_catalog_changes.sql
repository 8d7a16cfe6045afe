-- The catalog's change log: per generation, the ids of the resources it wrote or deleted, or one
-- row with the empty id when it replaced the whole catalog (or changed too many to list). A replica
-- that holds generation N reads only those rows of `resources` (`Store::catalog_since`); the last
-- `CHANGE_LOG_GENERATIONS` generations are kept. Each store keeps its own: not moved by export.
CREATE TABLE IF NOT EXISTS catalog_changes (
    generation INTEGER NOT NULL,
    id TEXT NOT NULL,
    PRIMARY KEY (generation, id)
);
