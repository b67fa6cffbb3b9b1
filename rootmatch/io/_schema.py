"""The registry's SQLite schema and its version."""

from __future__ import annotations

__all__ = ["SCHEMA_VERSION", "_SCHEMA", "_TABLES"]


#: The schema this version of rootmatch reads and writes.
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE institutes (
    id TEXT PRIMARY KEY,
    name_ko TEXT NOT NULL,
    name_en TEXT NOT NULL,
    kind TEXT NOT NULL,
    district TEXT,
    expertise TEXT NOT NULL,
    services TEXT NOT NULL,
    topics TEXT NOT NULL,
    description TEXT NOT NULL,
    source TEXT NOT NULL
);
CREATE TABLE programs (
    id TEXT PRIMARY KEY,
    name_ko TEXT NOT NULL,
    name_en TEXT NOT NULL,
    axis TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL CHECK (end_date >= start_date),
    funding TEXT NOT NULL,
    targets TEXT NOT NULL,
    axes TEXT NOT NULL,
    topics TEXT NOT NULL,
    rules TEXT NOT NULL,
    capacity INTEGER CHECK (capacity IS NULL OR capacity >= 0),
    capacity_assumed INTEGER NOT NULL,
    description TEXT NOT NULL,
    notes TEXT NOT NULL
);
CREATE TABLE program_operators (
    program_id TEXT NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    institute_id TEXT NOT NULL REFERENCES institutes(id),
    PRIMARY KEY (program_id, institute_id)
);
CREATE INDEX program_operators_institute ON program_operators(institute_id);
CREATE TABLE firms (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL UNIQUE,
    name TEXT NOT NULL,
    technologies TEXT NOT NULL CHECK (technologies <> ''),
    employees INTEGER NOT NULL CHECK (employees >= 0),
    district TEXT NOT NULL,
    founded INTEGER CHECK (founded IS NULL OR founded BETWEEN 1900 AND 2100),
    workforce_40plus REAL NOT NULL CHECK (workforce_40plus BETWEEN 0 AND 1),
    foreign_share REAL NOT NULL CHECK (foreign_share BETWEEN 0 AND 1),
    digital_level INTEGER NOT NULL CHECK (digital_level BETWEEN 0 AND 4),
    materials TEXT NOT NULL,
    needs TEXT NOT NULL,
    topics TEXT NOT NULL,
    certified INTEGER NOT NULL,
    cluster TEXT NOT NULL
);
CREATE TABLE memberships (
    firm_id TEXT NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
    institute_id TEXT NOT NULL REFERENCES institutes(id),
    PRIMARY KEY (firm_id, institute_id)
);
CREATE INDEX memberships_institute ON memberships(institute_id);
CREATE TABLE participations (
    firm_id TEXT NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
    pos INTEGER NOT NULL,
    program_id TEXT NOT NULL REFERENCES programs(id),
    on_date TEXT NOT NULL,
    PRIMARY KEY (firm_id, pos)
);
CREATE INDEX participations_program ON participations(program_id);
CREATE TABLE collaborations (
    seq INTEGER NOT NULL UNIQUE,
    firm_a TEXT NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
    firm_b TEXT NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
    PRIMARY KEY (firm_a, firm_b),
    CHECK (firm_a <> firm_b)
);
CREATE INDEX collaborations_b ON collaborations(firm_b);
CREATE TABLE institute_links (
    seq INTEGER NOT NULL UNIQUE,
    firm_id TEXT NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
    institute_id TEXT NOT NULL REFERENCES institutes(id),
    PRIMARY KEY (firm_id, institute_id)
);
CREATE INDEX institute_links_institute ON institute_links(institute_id);
"""
_TABLES = ("meta", "institutes", "programs", "program_operators", "firms", "memberships",
           "participations", "collaborations", "institute_links")
