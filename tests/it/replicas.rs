//! Replicas: two server processes of the real binary on one database run each scheduled
//! job once between them (one backup per scheduled time, one next key per rotation), and
//! when one is killed the other goes on alone.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use sea_orm::{ConnectionTrait, Database, Statement};

use crate::{
    common::{Backend, database::TestDatabase, mana_auth},
    on_every_backend,
};

struct Replica {
    child: Child,
    backups: PathBuf,
}

impl Replica {
    /// Starts `serve` on `url`, writing a backup every second into a folder of its own,
    /// and waits until it is ready.
    async fn start(url: &str) -> Replica {
        let port = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port").local_addr().expect("addr").port();
        let bind = format!("127.0.0.1:{port}");
        let backups =
            std::env::temp_dir().join(format!("mana-auth-replica-{}", mana_auth::security::opaque::random_token(6)));
        let env = [
            ("MANA_AUTH__DATABASE__URL", url.to_owned()),
            ("MANA_AUTH__SERVER__BIND", bind),
            ("MANA_AUTH__METRICS__BIND", String::new()),
            ("MANA_AUTH__BACKUP__SCHEDULE", "* * * * * *".to_owned()),
            ("MANA_AUTH__BACKUP__DIR", backups.display().to_string()),
            ("MANA_AUTH__BACKUP__ALLOW_UNENCRYPTED", "true".to_owned()),
            ("MANA_AUTH__KEYS__RELOAD_SECS", "1".to_owned()),
        ];
        let child = Command::new(env!("CARGO_BIN_EXE_mana-auth"))
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("server starts");
        // Killed and waited for on drop, also when it never becomes ready.
        let replica = Replica { child, backups };
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        for _ in 0..100 {
            if mana_auth(&["probe"], &env, "").status.success() {
                return replica;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the replica did not become ready");
    }

    fn written(&self) -> usize {
        backups_in(&self.backups)
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.backups);
    }
}

fn backups_in(dir: &Path) -> usize {
    mana_auth::ops::backup::list(dir).map_or(0, |files| files.len())
}

async fn next_keys(url: &str) -> Vec<(String, i64)> {
    let db = Database::connect(url).await.expect("connect");
    let sql = "SELECT alg, COUNT(*) AS n FROM jwks WHERE status = 'next' GROUP BY alg ORDER BY alg";
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.expect("keys");
    db.close().await.expect("close");
    rows.iter().map(|r| (r.try_get::<String>("", "alg").expect("alg"), r.try_get::<i64>("", "n").expect("n"))).collect()
}

async fn two_replicas_run_each_job_once_and_one_goes_on_alone(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let url = database.url.as_str();
    let mut first = Replica::start(url).await;
    let since = Instant::now();
    let second = Replica::start(url).await;

    // A rotation falls due for both at once: the active keys began signing long ago.
    let db = Database::connect(url).await.expect("connect");
    let long_ago = mana_auth::store::now() - 400 * 86_400;
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        format!("UPDATE jwks SET activated_at = {long_ago}, created_at = {long_ago} WHERE status = 'active'"),
    ))
    .await
    .expect("age the keys");
    db.close().await.expect("close");
    tokio::time::sleep(Duration::from_secs(5)).await;

    assert_eq!(next_keys(url).await, [("EdDSA".to_owned(), 1), ("RS256".to_owned(), 1)], "one next key per rotation");
    let elapsed = since.elapsed().as_secs() as usize;
    let (by_first, by_second) = (first.written(), second.written());
    // Backups every second by both would be about twice as many.
    assert!(by_first + by_second <= elapsed + 2, "{by_first} + {by_second} backups in {elapsed} s");

    first.kill();
    let before = second.written();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(second.written() >= before + 2, "the survivor writes every backup alone");
}
on_every_backend!(two_replicas_run_each_job_once_and_one_goes_on_alone);
