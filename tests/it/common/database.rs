//! A uniquely named database per test: a temporary SQLite file, or a database
//! created on the PostgreSQL server named by `MANA_AUTH_TEST_POSTGRES_URL` and
//! dropped when the test ends, even when it fails.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, Statement};

#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    /// The PostgreSQL server named by `MANA_AUTH_TEST_POSTGRES_URL`, which this suite
    /// was built to reach.
    pub fn postgres() -> Backend {
        let url = std::env::var("MANA_AUTH_TEST_POSTGRES_URL").unwrap_or_default();
        assert!(!url.is_empty(), "MANA_AUTH_TEST_POSTGRES_URL was set when the suite was built; set it to run it");
        Backend::Postgres(url)
    }
}

pub struct TestDatabase {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

fn unique_name() -> String {
    format!("mana_test_{}", mana_auth::security::opaque::random_token(9).to_lowercase().replace(['-', '_'], "x"))
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> TestDatabase {
        match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{}.db", unique_name()));
                TestDatabase { url: format!("sqlite://{}?mode=rwc", path.display()), cleanup: Cleanup::File(path) }
            }
            Backend::Postgres(admin_url) => {
                let template = migrated_template(&admin_url).await;
                Self::on_postgres(admin_url, &format!(" TEMPLATE {template}")).await
            }
        }
    }

    /// An empty database on the PostgreSQL test server, for data in another layout.
    pub async fn empty_postgres() -> TestDatabase {
        let Backend::Postgres(admin_url) = Backend::postgres() else { unreachable!("postgres() names PostgreSQL") };
        Self::on_postgres(admin_url, "").await
    }

    /// A new database on the server of `admin_url`, made with `CREATE DATABASE name{options}`.
    async fn on_postgres(admin_url: String, options: &str) -> TestDatabase {
        let name = unique_name();
        let admin = Database::connect(&admin_url).await.expect("connect to the PostgreSQL test server");
        admin.execute_unprepared(&format!("CREATE DATABASE {name}{options}")).await.expect("create test database");
        admin.close().await.ok();
        let mut url = url::Url::parse(&admin_url).expect("postgres URL");
        url.set_path(&format!("/{name}"));
        TestDatabase { url: url.to_string(), cleanup: Cleanup::Postgres { admin_url, name } }
    }
}

/// A database holding every migration, made once for the server and copied for each
/// test: a copy takes a fraction of the time the migrations would. Its name carries a
/// digest of the migrations' names, so a new migration gets a new template.
async fn migrated_template(admin_url: &str) -> String {
    let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    let digest = mana_auth::security::opaque::digest(&names.join(","));
    let template = format!("mana_template_{}", digest[..12].to_lowercase().replace(['-', '_'], "x"));
    // One connection, so the session lock and its release meet on the same session.
    let mut options = ConnectOptions::new(admin_url.to_owned());
    options.max_connections(1).sqlx_logging(false);
    let admin = Database::connect(options).await.expect("connect to the PostgreSQL test server");
    // Tests start together: one makes the template, the others wait for it.
    admin.execute_unprepared("SELECT pg_advisory_lock(727761)").await.expect("lock");
    let exists = format!("SELECT 1 AS one FROM pg_database WHERE datname = '{template}'");
    let backend = admin.get_database_backend();
    if admin.query_one_raw(Statement::from_string(backend, exists)).await.expect("look up").is_none() {
        let building = format!("{template}_new");
        admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {building}")).await.expect("drop");
        admin.execute_unprepared(&format!("CREATE DATABASE {building}")).await.expect("create template");
        let mut url = url::Url::parse(admin_url).expect("postgres URL");
        url.set_path(&format!("/{building}"));
        let db = Database::connect(url.as_str()).await.expect("connect to the template");
        Migrator::up(&db, None).await.expect("migrate the template");
        db.close().await.expect("close the template");
        admin.execute_unprepared(&format!("ALTER DATABASE {building} RENAME TO {template}")).await.expect("rename");
    }
    admin.execute_unprepared("SELECT pg_advisory_unlock(727761)").await.expect("unlock");
    admin.close().await.ok();
    template
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime, so the cleanup gets a runtime of its own.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                    runtime.block_on(async {
                        if let Ok(admin) = Database::connect(&admin_url).await {
                            let _ =
                                admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                        }
                    });
                })
                .join();
            }
        }
    }
}
