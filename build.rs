//! Lists the catalogues under `locales/` for the binary to carry, so a language is
//! added by adding a file; and tells the test suite which outside services it was
//! built to reach, so a scenario that needs a missing one is reported as ignored, not
//! counted as passed.

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
    list_catalogues();
    for (variable, cfg) in SERVICES {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        println!("cargo::rerun-if-env-changed={variable}");
        if std::env::var(variable).is_ok_and(|value| !value.is_empty()) {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}

/// Writes `locales.rs`: each `locales/<tag>.ftl` as `(tag, its text)`, in order of tag.
fn list_catalogues() {
    println!("cargo::rerun-if-changed=locales");
    let mut tags: Vec<String> = std::fs::read_dir("locales")
        .expect("the locales folder")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter_map(|name| name.strip_suffix(".ftl").map(str::to_owned))
        .collect();
    tags.sort();
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let entries: String = tags
        .iter()
        .map(|tag| {
            let path = format!("{root}/locales/{tag}.ftl");
            format!("    ({tag:?}, include_str!({path:?})),\n")
        })
        .collect();
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("locales.rs");
    std::fs::write(out, format!("pub const FILES: &[(&str, &str)] = &[\n{entries}];\n")).expect("writing locales.rs");
}
