//! Tells the test suite which outside services it was built to reach, so a scenario
//! that needs a missing one is reported as ignored, not counted as passed.

#![forbid(unsafe_code)]

/// The variable that names each service, and the `cfg` set when it is present.
const SERVICES: [(&str, &str); 5] = [
    ("MANA_AUTH_TEST_POSTGRES_URL", "test_postgres"),
    ("MANA_AUTH_TEST_PGBOUNCER_URL", "test_pgbouncer"),
    ("MANA_AUTH_TEST_REDIS_URL", "test_redis"),
    ("MANA_AUTH_TEST_S3_URL", "test_s3"),
    ("MANA_AUTH_TEST_BROWSER", "test_browser"),
];

fn main() {
    for (variable, cfg) in SERVICES {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        println!("cargo::rerun-if-env-changed={variable}");
        if std::env::var(variable).is_ok_and(|value| !value.is_empty()) {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
