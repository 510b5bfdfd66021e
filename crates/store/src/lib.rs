//! Carefront storage. [`Db`] is one SQLite or PostgreSQL pool; every repository function is written once
//! and expanded for both backends by the [`on_db!`] / [`on_tx!`] macros, with `$1..$n` placeholders that
//! both drivers understand. SQLite writes go through `BEGIN IMMEDIATE` so the single writer is taken up
//! front instead of failing on upgrade from a read lock.

pub mod governance;
pub mod messaging;
pub mod organisation;
pub mod patients;
pub mod scheduling;
mod ts;

#[cfg(feature = "testing")]
pub mod testing;

pub use ts::Ts;

use sqlx::migrate::{MigrateError, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Storage errors, with stable codes the upper layers map to their own.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error(
        "this database was last used by a newer version of Carefront (it has schema version {found}; this \
         binary knows versions up to {known}). Upgrade Carefront, or restore a backup made by this version"
    )]
    NewerSchema { found: i64, known: i64 },
    #[error("migration failed: {0}")]
    Migrate(#[from] MigrateError),
    #[error("unsupported database URL '{0}': use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// A stable code for logs and error pages.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Database(e) if is_unique_violation(e) => "conflict",
            StoreError::Database(_) => "database-error",
            StoreError::NewerSchema { .. } => "newer-schema",
            StoreError::Migrate(_) => "migration-failed",
            StoreError::UnsupportedUrl(_) => "unsupported-database-url",
            StoreError::Corrupt(_) => "corrupt-data",
        }
    }

    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(e) if is_unique_violation(e))
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which backend a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// One database, SQLite or PostgreSQL.
#[derive(Debug, Clone)]
pub enum Db {
    /// The pool, and the queue for its single writer (see [`Db::begin`]).
    Sqlite(SqlitePool, WriteQueue),
    Postgres(PgPool),
}

/// SQLite allows one writer at a time. Writers that find it taken sleep in SQLite's busy handler in
/// growing steps (1, 2, 5 … 100 ms), so under load a 1 ms write can wait hundreds of milliseconds.
/// Queueing them here first, in arrival order (tokio's mutex is fair), turns that into a short wait.
pub type WriteQueue = std::sync::Arc<tokio::sync::Mutex<()>>;

/// Run the same body against whichever pool a [`Db`] holds.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite($pool, _) => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}

/// Run the same body against whichever connection a [`Tx`] holds (`$conn` is `&mut Connection`).
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t, _) => {
                let $conn = &mut **t;
                $body
            }
            $crate::Tx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

/// Either the pool or an open transaction, for reads that are sometimes part of a write.
#[derive(Debug)]
pub enum Conn<'a> {
    Db(&'a Db),
    Tx(&'a mut Tx),
}

impl Conn<'_> {
    pub fn backend(&self) -> Backend {
        match self {
            Conn::Db(db) => db.backend(),
            Conn::Tx(tx) => tx.backend(),
        }
    }
}

impl<'a> From<&'a Db> for Conn<'a> {
    fn from(db: &'a Db) -> Self {
        Conn::Db(db)
    }
}

impl<'a> From<&'a mut Tx> for Conn<'a> {
    fn from(tx: &'a mut Tx) -> Self {
        Conn::Tx(tx)
    }
}

/// Run the same body against a [`Conn`], whichever backend and whether pooled or in a transaction.
#[macro_export]
macro_rules! on_conn {
    ($c:expr, $e:ident => $body:expr) => {
        match $c {
            $crate::Conn::Db($crate::Db::Sqlite($e, _)) => $body,
            $crate::Conn::Db($crate::Db::Postgres($e)) => $body,
            $crate::Conn::Tx($crate::Tx::Sqlite(t, _)) => {
                let $e = &mut **t;
                $body
            }
            $crate::Conn::Tx($crate::Tx::Postgres(t)) => {
                let $e = &mut **t;
                $body
            }
        }
    };
}

/// A write transaction. Dropped without [`Tx::commit`], it rolls back. On SQLite it holds the writer's
/// place in the queue until it ends.
#[derive(Debug)]
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>, tokio::sync::OwnedMutexGuard<()>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t, _queue_place) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(..) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }
}

/// The start and end of "insert these rows, skipping any that clash with a unique key". On SQLite the
/// `OR IGNORE` form means a multi-row insert cannot fail half way, so SQLite keeps no statement journal
/// for it (a copy of every page the statement touches: a third of a bulk import's time) — as long as
/// foreign keys are not being enforced, which a bulk load turns off ([`DbOptions::foreign_keys`]).
pub(crate) fn insert_skipping_clashes(backend: Backend) -> (&'static str, &'static str) {
    match backend {
        Backend::Sqlite => ("INSERT OR IGNORE INTO", ""),
        Backend::Postgres => ("INSERT INTO", " ON CONFLICT DO NOTHING"),
    }
}

/// Connection settings beyond the URL.
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub max_connections: u32,
    /// PostgreSQL only: run in this schema (created if missing). Tests use one schema each.
    pub schema: Option<String>,
    /// SQLite only: page cache per connection, in MiB. A bulk import writes index pages all over a
    /// large file and runs several times faster when they stay cached between batches.
    pub sqlite_cache_mib: u32,
    /// SQLite only: enforce foreign keys. Only a bulk load that writes parents and children together in
    /// one transaction (so they hold by construction) turns this off, to skip per-statement journals.
    pub foreign_keys: bool,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self { max_connections: 16, schema: None, sqlite_cache_mib: 8, foreign_keys: true }
    }
}

impl Db {
    /// Open a database from its URL: `sqlite://PATH` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str, opts: &DbOptions) -> Result<Self> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: an acknowledged commit survives power loss, not only a process crash.
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(opts.foreign_keys)
                .pragma("temp_store", "memory")
                // Negative: a size in KiB rather than pages.
                .pragma("cache_size", format!("-{}", u64::from(opts.sqlite_cache_mib.max(1)) * 1024));
            let pool = SqlitePoolOptions::new()
                .max_connections(opts.max_connections.max(2))
                .min_connections(1)
                .connect_with(options)
                .await?;
            Ok(Db::Sqlite(pool, WriteQueue::default()))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let mut options = PgConnectOptions::from_str(url)?.application_name("carefront");
            if let Some(schema) = &opts.schema {
                let setup = PgPoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "CREATE SCHEMA IF NOT EXISTS \"{}\"",
                    schema.replace('"', "")
                )))
                .execute(&setup)
                .await?;
                setup.close().await;
                options = options.options([("search_path", format!("{schema},public"))]);
            }
            let pool = PgPoolOptions::new()
                .max_connections(opts.max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Ok(Db::Postgres(pool))
        } else {
            Err(StoreError::UnsupportedUrl(url.to_owned()))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(..) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    fn migrator(&self) -> &'static Migrator {
        match self {
            Db::Sqlite(..) => &SQLITE_MIGRATIONS,
            Db::Postgres(_) => &POSTGRES_MIGRATIONS,
        }
    }

    /// The newest schema version this binary knows.
    pub fn known_schema_version(&self) -> i64 {
        self.migrator().iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// The newest schema version applied to the database (0 when none).
    pub async fn applied_schema_version(&self) -> Result<i64> {
        let exists: bool = on_db!(self, p => {
            let sql = match self.backend() {
                Backend::Sqlite => "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
                Backend::Postgres => "SELECT to_regclass('_sqlx_migrations') IS NOT NULL",
            };
            sqlx::query_scalar(sql).fetch_one(p).await?
        });
        if !exists {
            return Ok(0);
        }
        let v: Option<i64> = on_db!(self, p =>
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success").fetch_one(p).await?);
        Ok(v.unwrap_or(0))
    }

    /// Bring the schema up to date. Refuses a database that a newer Carefront has migrated.
    pub async fn migrate(&self) -> Result<()> {
        let found = self.applied_schema_version().await?;
        let known = self.known_schema_version();
        if found > known {
            return Err(StoreError::NewerSchema { found, known });
        }
        on_db!(self, p => self.migrator().run(p).await)?;
        // A bulk import that was interrupted leaves name postings staged and some indexes dropped: finish
        // its last step now, so its records are searchable and every index is there.
        let moved = patients::name_index::flush_staged(self).await?;
        if moved > 0 {
            tracing::info!(postings = moved, "moved the name postings an interrupted import left staged");
        }
        let built = patients::ensure_indexes(self).await?;
        if built > 0 {
            tracing::info!(indexes = built, "built the registry indexes an interrupted import left missing");
        }
        // Some migrations reshape an index whose entries need Rust (Unicode folding) to compute.
        if patients::name_index::needs_rebuild(self).await? {
            tracing::info!("rebuilding the patient name index");
            let n = patients::name_index::rebuild(self, |_| ()).await?;
            tracing::info!(records = n, "patient name index rebuilt");
        }
        Ok(())
    }

    /// Whether the schema is exactly the version this binary knows (for `/readyz`).
    pub async fn schema_is_current(&self) -> Result<bool> {
        Ok(self.applied_schema_version().await? == self.known_schema_version())
    }

    /// After a bulk load: refresh the planner's statistics (and, on PostgreSQL, the visibility map that
    /// lets searches read indexes alone) for the registry's tables.
    pub async fn refresh_statistics(&self) -> Result<()> {
        match self {
            Db::Sqlite(p, _) => {
                sqlx::query("PRAGMA optimize").execute(p).await?;
            }
            Db::Postgres(p) => {
                sqlx::query("VACUUM (ANALYZE) patients, patient_phones, patient_terms, name_terms, name_term_variants")
                    .execute(p)
                    .await?;
            }
        }
        Ok(())
    }

    /// After a bulk load (benchmarks, tests): refresh the planner's statistics for these tables (and, on
    /// PostgreSQL, their visibility maps). Table names are the caller's constants, never input.
    pub async fn analyze(&self, tables: &[&str]) -> Result<()> {
        let list = tables
            .iter()
            .map(|t| t.replace(|c: char| !(c.is_ascii_alphanumeric() || c == '_'), ""))
            .collect::<Vec<_>>();
        match self {
            Db::Sqlite(p, _) => {
                for t in &list {
                    sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE {t}"))).execute(p).await?;
                }
            }
            Db::Postgres(p) => {
                sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM (ANALYZE) {}", list.join(", ")))).execute(p).await?;
            }
        }
        Ok(())
    }

    /// A cheap round trip, for readiness checks.
    pub async fn ping(&self) -> Result<()> {
        on_db!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Start a write transaction (`BEGIN IMMEDIATE` on SQLite).
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(p, queue) => {
                let place = queue.clone().lock_owned().await;
                Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?, place)
            }
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Move the SQLite write-ahead log back into the database file and truncate it, so the WAL does not
    /// grow without bound while readers keep it pinned. A no-op on PostgreSQL.
    pub async fn checkpoint(&self) -> Result<()> {
        if let Db::Sqlite(p, _) = self {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(p).await?;
        }
        Ok(())
    }

    /// Pool figures for `/metrics`: (connections open, idle).
    pub fn pool_stats(&self) -> (u32, usize) {
        on_db!(self, p => (p.size(), p.num_idle()))
    }

    /// SQLite online backup into a new file (`VACUUM INTO` writes a consistent copy while the database
    /// stays in use). PostgreSQL is backed up with `pg_dump`, not by Carefront.
    pub async fn backup_sqlite_to(&self, path: &str) -> Result<()> {
        match self {
            Db::Sqlite(p, _) => {
                sqlx::query("VACUUM INTO $1").bind(path).execute(p).await?;
                Ok(())
            }
            Db::Postgres(_) => Err(StoreError::UnsupportedUrl("backup needs pg_dump for PostgreSQL".into())),
        }
    }

    pub async fn close(&self) {
        on_db!(self, p => p.close().await)
    }
}
