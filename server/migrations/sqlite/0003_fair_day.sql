-- The fair's day: check-ins and meeting outcomes (`fair_actions`, in order), the meetings a change
-- took out of the schedule (`fair_dropped`, for calendars), and each participant's calendar
-- subscription (`fair_calendars`: the SHA-256 of the secret in its URL). IF NOT EXISTS: a data
-- folder from before versioned migrations may have these tables already.
CREATE TABLE IF NOT EXISTS fair_calendars (
    secret_hash TEXT PRIMARY KEY,
    fair TEXT NOT NULL REFERENCES fairs (id),
    participant TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS fair_calendars_participant ON fair_calendars (fair, participant);
CREATE TABLE IF NOT EXISTS fair_dropped (
    fair TEXT NOT NULL REFERENCES fairs (id),
    request TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (fair, request)
);
CREATE TABLE IF NOT EXISTS fair_actions (
    fair TEXT NOT NULL REFERENCES fairs (id),
    position INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (fair, position)
);
