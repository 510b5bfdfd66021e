//! Fresh, migrated databases for tests: a temporary SQLite file, or a PostgreSQL schema of its own at
//! `TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`). When PostgreSQL cannot be
//! reached, a test is skipped with a loud SKIPPED line, unless `CI=true`, where it fails.

use crate::{Db, DbOptions};

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

pub fn postgres_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A new SQLite database file in the temp directory, migrated. Small pool, as in a single binary.
pub async fn sqlite() -> Db {
    let path = std::env::temp_dir().join(format!("carefront-test-{}.db", uuid::Uuid::now_v7().simple()));
    let db =
        Db::connect(&format!("sqlite://{}", path.display()), &DbOptions { max_connections: 4, ..DbOptions::default() })
            .await
            .expect("open a temporary SQLite database");
    db.migrate().await.expect("migrate the temporary SQLite database");
    db
}

/// A new schema on the test PostgreSQL server, migrated; `None` (test skipped) when it is unreachable
/// outside CI. Schemas are named `t_…`; `scripts/test` drops old ones before each run.
pub async fn postgres() -> Option<Db> {
    let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
    let opts = DbOptions { max_connections: 8, schema: Some(schema), ..DbOptions::default() };
    match Db::connect(&postgres_url(), &opts).await {
        Ok(db) => {
            db.migrate().await.expect("migrate the test PostgreSQL schema");
            Some(db)
        }
        Err(e) if !in_ci() => {
            eprintln!("SKIPPED: PostgreSQL test, no server at {} ({e})", postgres_url());
            None
        }
        Err(e) => panic!("PostgreSQL is required when CI=true but {} cannot be reached: {e}", postgres_url()),
    }
}

/// Write one async test body once and run it on both backends, as `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($(#[$meta:meta])* async fn $name:ident($db:ident : Db) $body:block $($rest:tt)*) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($db: $crate::Db) $body
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::testing::sqlite().await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = $crate::testing::postgres().await {
                    run(db).await
                }
            }
        }
        $crate::both_backends!($($rest)*);
    };
    () => {};
}
