import GRDB

/// Versioned schema. Table names keep the replaced platform's names; never edit a shipped migration, add one.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-initial-schema") { db in
            try db.execute(sql: v1)
        }
        migrator.registerMigration("v2-upload-source-mtime") { db in
            try db.execute(sql: v2)
        }
        migrator.registerMigration("v3-upload-checksums") { db in
            try db.execute(sql: v3)
        }
        // GRDB runs each migration with foreign keys off and checks them at the end, so the jobs table can be
        // rebuilt under the rows that reference it.
        migrator.registerMigration("v4-pipeline") { db in
            try db.execute(sql: v4)
        }
        migrator.registerMigration("v5-http-uploads") { db in
            try db.execute(sql: v5)
        }
        migrator.registerMigration("v6-chunked-upload-kind") { db in
            try db.execute(sql: v6)
        }
        migrator.registerMigration("v7-claims") { db in
            try db.execute(sql: v7)
        }
        migrator.registerMigration("v8-agents") { db in
            try db.execute(sql: v8)
        }
        return migrator
    }

    /// The agents of the fleet (see `AgentRecord`).
    static let v8 = """
        CREATE TABLE agents (
            name TEXT PRIMARY KEY,
            host TEXT NOT NULL,
            version TEXT NOT NULL,
            slots INTEGER NOT NULL,
            lease_seconds REAL NOT NULL,
            state TEXT NOT NULL,
            reason TEXT,
            started_at DATETIME NOT NULL,
            last_heartbeat DATETIME NOT NULL,
            stopped_at DATETIME
        );
        """

    /// Claims: which agent works on a job, until when its lease runs, and the fence number bumped at each claim
    /// (see `JobClaim`); which agent chose the job's revision.
    static let v7 = """
        ALTER TABLE video_processing_jobs ADD COLUMN claimed_by TEXT;
        ALTER TABLE video_processing_jobs ADD COLUMN lease_until DATETIME;
        ALTER TABLE video_processing_jobs ADD COLUMN fence INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE video_processing_jobs ADD COLUMN revision_by TEXT;
        CREATE INDEX jobs_on_lease ON video_processing_jobs(lease_until) WHERE claimed_by IS NOT NULL;
        """

    /// The chunked upload API's uploads were stored as protocol "seed" (this code's old word for the platform it
    /// replaces); they say what they are now (`HTTPUploadRecord.UploadProtocol` still reads "seed").
    static let v6 = """
        UPDATE video_http_uploads SET protocol = 'chunked' WHERE protocol = 'seed';
        """

    /// Uploads over HTTP (tus and the chunked upload API's initiate/chunk/complete), beside `video_uploads` (which journals the
    /// agent's own uploads to the store); indexes for the status API's queue counts and hourly throughput.
    static let v5 = """
        CREATE TABLE video_http_uploads (
            id TEXT PRIMARY KEY,
            protocol TEXT NOT NULL,
            filename TEXT NOT NULL,
            watch_name TEXT NOT NULL,
            metadata TEXT,
            upload_metadata TEXT,
            total_size INTEGER NOT NULL,
            received_bytes INTEGER NOT NULL DEFAULT 0,
            state TEXT NOT NULL,
            data_path TEXT NOT NULL,
            final_path TEXT,
            job_id INTEGER REFERENCES video_processing_jobs(id) ON DELETE SET NULL,
            error TEXT,
            created_at DATETIME NOT NULL,
            updated_at DATETIME NOT NULL,
            expires_at DATETIME NOT NULL,
            completed_at DATETIME
        );
        CREATE INDEX http_uploads_on_state_expiry ON video_http_uploads(state, expires_at);
        CREATE INDEX jobs_on_state_finished ON video_processing_jobs(state, finished_at);
        CREATE INDEX jobs_on_state_watch ON video_processing_jobs(state, watch_name);
        CREATE INDEX uploads_on_completed ON video_uploads(completed_at);
        """

    /// The pipeline: a video's id comes from its content (so duplicates and other agents share it, hence no
    /// UNIQUE), revisions, live progress, stage spans (start, end, outcome), per-object upload journal, what was
    /// published where, CDN actions with the cache status seen, analytics per format.
    static let v4 = """
        CREATE TABLE video_processing_jobs_v4 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            video_id TEXT NOT NULL,
            source_file_id INTEGER REFERENCES source_files(id) ON DELETE SET NULL,
            source_path TEXT NOT NULL,
            watch_name TEXT,
            profile TEXT NOT NULL,
            priority INTEGER NOT NULL DEFAULT 0,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at DATETIME,
            last_error TEXT,
            failed_in TEXT,
            duplicate_of INTEGER REFERENCES video_processing_jobs(id),
            content_sha256 TEXT,
            metadata TEXT,
            progress REAL,
            created_at DATETIME NOT NULL,
            updated_at DATETIME NOT NULL,
            finished_at DATETIME,
            eta_seconds REAL,
            revision TEXT,
            published_revision TEXT,
            published_at DATETIME,
            checked_at DATETIME
        );
        INSERT INTO video_processing_jobs_v4 (
            id, video_id, source_file_id, source_path, watch_name, profile, priority, state, attempts,
            next_attempt_at, last_error, failed_in, duplicate_of, content_sha256, metadata, progress, created_at,
            updated_at, finished_at)
        SELECT id, video_id, source_file_id, source_path, watch_name, profile, priority, state, attempts,
            next_attempt_at, last_error, failed_in, duplicate_of, content_sha256, metadata, progress, created_at,
            updated_at, finished_at
        FROM video_processing_jobs;
        UPDATE video_processing_jobs_v4 SET checked_at = updated_at WHERE content_sha256 IS NOT NULL;
        DROP TABLE video_processing_jobs;
        ALTER TABLE video_processing_jobs_v4 RENAME TO video_processing_jobs;
        CREATE INDEX jobs_on_video ON video_processing_jobs(video_id);
        CREATE INDEX jobs_on_state ON video_processing_jobs(state, id);
        CREATE INDEX jobs_on_state_created ON video_processing_jobs(state, created_at);
        CREATE INDEX jobs_on_queue ON video_processing_jobs(state, priority DESC, created_at, id);
        CREATE INDEX jobs_on_checked ON video_processing_jobs(state, checked_at);
        CREATE INDEX jobs_on_next_attempt ON video_processing_jobs(next_attempt_at) WHERE state = 'failed';
        CREATE INDEX jobs_on_content ON video_processing_jobs(content_sha256);
        CREATE INDEX jobs_on_source_file ON video_processing_jobs(source_file_id);
        CREATE INDEX jobs_on_source_path ON video_processing_jobs(source_path);
        CREATE INDEX jobs_on_watch ON video_processing_jobs(watch_name, id);

        ALTER TABLE video_processing_stages ADD COLUMN finished_at DATETIME;
        ALTER TABLE video_processing_stages ADD COLUMN outcome TEXT;
        ALTER TABLE video_processing_stages ADD COLUMN error TEXT;

        ALTER TABLE video_uploads ADD COLUMN sha256 TEXT;
        CREATE INDEX uploads_on_job_key ON video_uploads(job_id, object_key, state);

        ALTER TABLE video_formats ADD COLUMN revision TEXT;
        ALTER TABLE video_formats ADD COLUMN rendition TEXT;
        ALTER TABLE video_formats ADD COLUMN frame_rate REAL;
        ALTER TABLE video_formats ADD COLUMN duration REAL;
        ALTER TABLE video_formats ADD COLUMN url TEXT;
        CREATE INDEX formats_on_job_revision ON video_formats(job_id, revision);

        ALTER TABLE video_thumbnails ADD COLUMN revision TEXT;
        ALTER TABLE video_thumbnails ADD COLUMN url TEXT;
        ALTER TABLE video_thumbnails ADD COLUMN sha256 TEXT;

        ALTER TABLE video_cdn_cache ADD COLUMN revision TEXT;
        ALTER TABLE video_cdn_cache ADD COLUMN cache_status TEXT;
        ALTER TABLE video_cdn_cache ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE video_cdn_cache ADD COLUMN error TEXT;
        ALTER TABLE video_cdn_cache ADD COLUMN updated_at DATETIME;
        CREATE INDEX cdn_on_status ON video_cdn_cache(status, id);

        ALTER TABLE video_analytics ADD COLUMN format TEXT;
        ALTER TABLE video_analytics ADD COLUMN detail TEXT;
        CREATE INDEX analytics_on_metric ON video_analytics(metric, recorded_at);
        """

    /// S3 CRC-32 checksums: which uploads declared them, and each part's CRC (needed again at completion, also
    /// after a resume).
    static let v3 = """
        ALTER TABLE video_uploads ADD COLUMN checksum_algorithm TEXT;
        ALTER TABLE video_upload_parts ADD COLUMN crc32 INTEGER;
        """

    /// The source file's mtime, so a resumed multipart upload is only continued from the same file version
    /// (path and size alone do not tell a rewritten file apart).
    static let v2 = """
        ALTER TABLE video_uploads ADD COLUMN source_mtime_ns INTEGER;
        """

    static let v1 = """
        CREATE TABLE source_files (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            watch_name TEXT NOT NULL,
            path TEXT NOT NULL,
            device INTEGER NOT NULL,
            inode INTEGER NOT NULL,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            sha256 TEXT,
            first_seen_at DATETIME NOT NULL,
            last_seen_at DATETIME NOT NULL
        );
        CREATE INDEX source_files_on_path ON source_files(path);
        CREATE INDEX source_files_on_inode ON source_files(device, inode);
        CREATE INDEX source_files_on_sha256 ON source_files(sha256);

        CREATE TABLE video_processing_jobs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            video_id TEXT NOT NULL UNIQUE,
            source_file_id INTEGER REFERENCES source_files(id) ON DELETE SET NULL,
            source_path TEXT NOT NULL,
            watch_name TEXT,
            profile TEXT NOT NULL,
            priority INTEGER NOT NULL DEFAULT 0,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at DATETIME,
            last_error TEXT,
            failed_in TEXT,
            duplicate_of INTEGER REFERENCES video_processing_jobs(id),
            content_sha256 TEXT,
            metadata TEXT,
            progress REAL,
            created_at DATETIME NOT NULL,
            updated_at DATETIME NOT NULL,
            finished_at DATETIME
        );
        CREATE INDEX jobs_on_state ON video_processing_jobs(state, id);
        CREATE INDEX jobs_on_state_created ON video_processing_jobs(state, created_at);
        CREATE INDEX jobs_on_queue ON video_processing_jobs(state, priority DESC, created_at);
        CREATE INDEX jobs_on_next_attempt ON video_processing_jobs(next_attempt_at) WHERE state = 'failed';
        CREATE INDEX jobs_on_content ON video_processing_jobs(content_sha256);
        CREATE INDEX jobs_on_source_file ON video_processing_jobs(source_file_id);

        CREATE TABLE video_processing_stages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            job_id INTEGER NOT NULL REFERENCES video_processing_jobs(id) ON DELETE CASCADE,
            from_state TEXT,
            to_state TEXT NOT NULL,
            event TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            message TEXT,
            created_at DATETIME NOT NULL
        );
        CREATE INDEX stages_on_job ON video_processing_stages(job_id, id);

        CREATE TABLE video_formats (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            job_id INTEGER NOT NULL REFERENCES video_processing_jobs(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            rendition_height INTEGER,
            width INTEGER,
            height INTEGER,
            codecs TEXT,
            bandwidth INTEGER,
            average_bandwidth INTEGER,
            object_key TEXT NOT NULL,
            bytes INTEGER,
            sha256 TEXT,
            created_at DATETIME NOT NULL
        );
        CREATE INDEX formats_on_job ON video_formats(job_id);

        CREATE TABLE video_thumbnails (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            job_id INTEGER NOT NULL REFERENCES video_processing_jobs(id) ON DELETE CASCADE,
            position TEXT NOT NULL,
            at_seconds REAL NOT NULL,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            object_key TEXT NOT NULL,
            bytes INTEGER,
            created_at DATETIME NOT NULL
        );
        CREATE INDEX thumbnails_on_job ON video_thumbnails(job_id);

        CREATE TABLE video_uploads (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            job_id INTEGER REFERENCES video_processing_jobs(id) ON DELETE CASCADE,
            store_url TEXT NOT NULL,
            object_key TEXT NOT NULL,
            local_path TEXT NOT NULL,
            total_size INTEGER NOT NULL,
            upload_id TEXT,
            part_size INTEGER,
            etag TEXT,
            state TEXT NOT NULL,
            created_at DATETIME NOT NULL,
            updated_at DATETIME NOT NULL,
            completed_at DATETIME
        );
        CREATE INDEX uploads_on_job ON video_uploads(job_id);
        CREATE INDEX uploads_on_state ON video_uploads(state, created_at);
        CREATE INDEX uploads_on_key ON video_uploads(store_url, object_key);

        CREATE TABLE video_upload_parts (
            upload_id INTEGER NOT NULL REFERENCES video_uploads(id) ON DELETE CASCADE,
            part_number INTEGER NOT NULL,
            etag TEXT NOT NULL,
            size INTEGER NOT NULL,
            md5 TEXT NOT NULL,
            completed_at DATETIME NOT NULL,
            PRIMARY KEY (upload_id, part_number)
        );

        CREATE TABLE video_cdn_cache (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            job_id INTEGER NOT NULL REFERENCES video_processing_jobs(id) ON DELETE CASCADE,
            url TEXT NOT NULL,
            action TEXT NOT NULL,
            status TEXT NOT NULL,
            http_status INTEGER,
            created_at DATETIME NOT NULL
        );
        CREATE INDEX cdn_on_job ON video_cdn_cache(job_id);

        CREATE TABLE video_analytics (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            job_id INTEGER REFERENCES video_processing_jobs(id) ON DELETE CASCADE,
            metric TEXT NOT NULL,
            value REAL NOT NULL,
            recorded_at DATETIME NOT NULL
        );
        CREATE INDEX analytics_on_job ON video_analytics(job_id, metric);
        """
}
