import GRDB

/// The store schema, one migration per change. Never edit a shipped migration; add one.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1 layer catalog") { db in
            try db.execute(sql: """
                CREATE TABLE layers (
                    id TEXT PRIMARY KEY NOT NULL,
                    title TEXT NOT NULL,
                    group_name TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('vector', 'dem', 'dom')),
                    geometry_type TEXT,
                    storage_crs TEXT NOT NULL,
                    attributes TEXT NOT NULL,
                    access TEXT NOT NULL CHECK (access IN ('public', 'internal', 'confidential')),
                    feature_count INTEGER NOT NULL DEFAULT 0,
                    min_x REAL, min_y REAL, max_x REAL, max_y REAL,
                    version INTEGER NOT NULL DEFAULT 1,
                    source TEXT NOT NULL,
                    synthetic INTEGER NOT NULL DEFAULT 0,
                    imported_at TEXT NOT NULL,
                    table_name TEXT NOT NULL UNIQUE,
                    raster TEXT,
                    description TEXT
                )
                """)
        }
        m.registerMigration("v2 layer changes") { db in
            // One row per import or edit: the area that changed, so tile caches drop only those tiles.
            try db.execute(sql: """
                CREATE TABLE layer_changes (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    layer_id TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    min_x REAL, min_y REAL, max_x REAL, max_y REAL,
                    changed_at TEXT NOT NULL
                );
                CREATE INDEX layer_changes_layer ON layer_changes (layer_id, version);
                """)
        }
        m.registerMigration("v3 audit log") { db in
            // Append-only: who changed or read what, when; triggers refuse updates and deletes.
            try db.execute(sql: """
                CREATE TABLE audit_log (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    at TEXT NOT NULL,
                    principal TEXT NOT NULL,
                    action TEXT NOT NULL,
                    layer_id TEXT,
                    feature_id INTEGER,
                    before TEXT,
                    after TEXT,
                    detail TEXT
                );
                CREATE INDEX audit_log_at ON audit_log (at);
                CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                """)
        }
        m.registerMigration("v4 roles, users and tokens") { db in
            // Roles grant an access level, optionally extra layers to read and layers to edit ("*":
            // every layer the role can read). Tokens are kept only as SHA-256 hashes.
            try db.execute(sql: """
                CREATE TABLE roles (
                    name TEXT PRIMARY KEY NOT NULL,
                    level TEXT NOT NULL CHECK (level IN ('public', 'internal', 'confidential')),
                    read_layers TEXT NOT NULL DEFAULT '[]',
                    write_layers TEXT NOT NULL DEFAULT '[]',
                    description TEXT
                );
                INSERT INTO roles VALUES
                    ('viewer', 'internal', '[]', '[]', 'reads public and internal layers'),
                    ('analyst', 'confidential', '[]', '[]', 'reads every layer, confidential ones too'),
                    ('editor', 'internal', '[]', '["*"]', 'reads and edits public and internal layers'),
                    ('admin', 'confidential', '[]', '["*"]', 'reads and edits every layer');
                CREATE TABLE users (
                    name TEXT PRIMARY KEY NOT NULL,
                    roles TEXT NOT NULL,
                    created_at TEXT NOT NULL
                );
                CREATE TABLE tokens (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
                    hash TEXT NOT NULL UNIQUE,
                    created_at TEXT NOT NULL,
                    revoked_at TEXT,
                    note TEXT
                );
                """)
        }
        m.registerMigration("v5 analysis jobs") { db in
            // OGC API – Processes jobs: status, progress and results survive the request and the process.
            try db.execute(sql: """
                CREATE TABLE jobs (
                    id TEXT PRIMARY KEY NOT NULL,
                    process_id TEXT NOT NULL,
                    owner TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('accepted', 'running', 'successful', 'failed', 'dismissed')),
                    progress INTEGER NOT NULL DEFAULT 0,
                    message TEXT,
                    created TEXT NOT NULL,
                    started TEXT,
                    finished TEXT,
                    inputs TEXT NOT NULL,
                    results TEXT,
                    error_status INTEGER,
                    error TEXT
                );
                CREATE INDEX jobs_owner ON jobs (owner, created);
                """)
        }
        m.registerMigration("v6 cases") { db in
            // 数字城管 cases in tables of their own; the point column makes them a read-only layer
            // (`cases`, managed_by = 'cases') for tiles and OGC API – Features.
            try db.execute(sql: """
                ALTER TABLE layers ADD COLUMN managed_by TEXT;
                CREATE TABLE cases (
                    fid INTEGER PRIMARY KEY,
                    number TEXT NOT NULL UNIQUE,
                    source TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('event', 'component')),
                    class_code TEXT NOT NULL,
                    class_name TEXT NOT NULL,
                    major_name TEXT NOT NULL,
                    description TEXT NOT NULL,
                    address TEXT NOT NULL,
                    grid_code TEXT NOT NULL,
                    community_code TEXT NOT NULL,
                    community_name TEXT NOT NULL,
                    street_code TEXT NOT NULL,
                    street_name TEXT NOT NULL,
                    component_code TEXT,
                    department TEXT,
                    state TEXT NOT NULL,
                    urgent INTEGER NOT NULL DEFAULT 0,
                    reporter TEXT NOT NULL,
                    reported_at TEXT NOT NULL,
                    filed_at TEXT,
                    dispatched_at TEXT,
                    feedback_at TEXT,
                    closed_at TEXT,
                    stage TEXT NOT NULL,
                    stage_started_at TEXT NOT NULL,
                    stage_deadline TEXT,
                    handle_limit_minutes INTEGER NOT NULL,
                    extension_minutes INTEGER NOT NULL DEFAULT 0,
                    suspended_at TEXT,
                    suspended_from TEXT,
                    rework_count INTEGER NOT NULL DEFAULT 0,
                    return_count INTEGER NOT NULL DEFAULT 0,
                    dispatch_on_time INTEGER,
                    handle_on_time INTEGER,
                    overdue INTEGER NOT NULL DEFAULT 0,
                    overdue_ratio REAL,
                    version INTEGER NOT NULL DEFAULT 1
                );
                CREATE INDEX cases_open ON cases (state, stage_deadline);
                CREATE INDEX cases_filed ON cases (filed_at);
                CREATE INDEX cases_reported ON cases (reported_at);
                CREATE INDEX cases_grid ON cases (grid_code, reported_at);
                CREATE TABLE case_steps (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    case_id INTEGER NOT NULL REFERENCES cases(fid),
                    action TEXT NOT NULL,
                    from_state TEXT,
                    to_state TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    role TEXT NOT NULL,
                    at TEXT NOT NULL,
                    note TEXT,
                    department TEXT,
                    deadline TEXT
                );
                CREATE INDEX case_steps_case ON case_steps (case_id, id);
                CREATE TABLE case_attachments (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    case_id INTEGER NOT NULL REFERENCES cases(fid),
                    name TEXT NOT NULL,
                    media_type TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    bytes BLOB NOT NULL,
                    at TEXT NOT NULL,
                    actor TEXT NOT NULL
                );
                CREATE INDEX case_attachments_case ON case_attachments (case_id);
                """)
            guard try Int.fetchOne(db, sql: "SELECT AddGeometryColumn('cases', 'geom', 4490, 'POINT', 'XY')") == 1,
                  try Int.fetchOne(db, sql: "SELECT CreateSpatialIndex('cases', 'geom')") == 1 else {
                throw StoreError.database("cannot register the cases geometry")
            }
        }
        m.registerMigration("v7 passwords and sessions") { db in
            // Web map sign-in: a salted scrypt hash per user; sessions are tokens of their own kind
            // that expire.
            try db.execute(sql: """
                ALTER TABLE users ADD COLUMN password_hash TEXT;
                ALTER TABLE tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'api' CHECK (kind IN ('api', 'session'));
                ALTER TABLE tokens ADD COLUMN expires_at TEXT;
                """)
        }
        m.registerMigration("v8 incidents and unit positions") { db in
            // Emergency incidents in a table of their own (a point or an area each), offered as the
            // read-only layer `incidents` (managed_by = 'incidents'); the recent positions of units.
            try db.execute(sql: """
                CREATE TABLE incidents (
                    fid INTEGER PRIMARY KEY,
                    title TEXT NOT NULL,
                    category TEXT NOT NULL,
                    subtype TEXT NOT NULL,
                    level TEXT NOT NULL CHECK (level IN ('I', 'II', 'III', 'IV')),
                    status TEXT NOT NULL,
                    occurred_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    notes TEXT NOT NULL DEFAULT '',
                    reporter TEXT NOT NULL,
                    version INTEGER NOT NULL DEFAULT 1
                );
                CREATE INDEX incidents_status ON incidents (status, occurred_at);
                CREATE TABLE unit_positions (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    unit TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    name TEXT NOT NULL,
                    x REAL NOT NULL,
                    y REAL NOT NULL,
                    heading REAL,
                    speed REAL,
                    at TEXT NOT NULL,
                    reporter TEXT NOT NULL
                );
                CREATE INDEX unit_positions_at ON unit_positions (at);
                """)
            guard try Int.fetchOne(db, sql: "SELECT AddGeometryColumn('incidents', 'geom', 4490, 'GEOMETRY', 'XY')") == 1,
                  try Int.fetchOne(db, sql: "SELECT CreateSpatialIndex('incidents', 'geom')") == 1 else {
                throw StoreError.database("cannot register the incidents geometry")
            }
        }
        m.registerMigration("v9 layer transformation") { db in
            // How an import brought the source into the storage CRS and to how many metres (JSON
            // of TransformationReport); NULL for layers imported before, or made by OneMap.
            try db.execute(sql: "ALTER TABLE layers ADD COLUMN transformation TEXT")
        }
        m.registerMigration("v10 case statistics") { db in
            // 综合评价 counts per hour, kept by triggers (CaseStatistics); filled from the cases already here.
            try db.execute(sql: CaseStatistics.migration)
        }
        return m
    }

    /// The number of migrations this build knows: the schema version it writes.
    static var latestVersion: Int { migrator.migrations.count }
}
