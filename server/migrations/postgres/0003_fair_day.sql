-- The fair's day, as migrations/sqlite/0003_fair_day.sql.
CREATE TABLE fair_calendars (
    secret_hash TEXT COLLATE "C" PRIMARY KEY,
    fair TEXT COLLATE "C" NOT NULL REFERENCES fairs (id),
    participant TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX fair_calendars_participant ON fair_calendars (fair, participant);
CREATE TABLE fair_dropped (
    fair TEXT COLLATE "C" NOT NULL REFERENCES fairs (id),
    request TEXT COLLATE "C" NOT NULL,
    body TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (fair, request)
);
CREATE TABLE fair_actions (
    fair TEXT COLLATE "C" NOT NULL REFERENCES fairs (id),
    position BIGINT NOT NULL,
    body TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (fair, position)
);
