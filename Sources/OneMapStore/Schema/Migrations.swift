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
        return m
    }

    /// The number of migrations this build knows: the schema version it writes.
    static var latestVersion: Int { migrator.migrations.count }
}
