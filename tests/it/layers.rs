//! Dependencies point down: the lower modules (`store`, `keys`, `config`,
//! `security`, `tokens`) import nothing from the HTTP surfaces or the operations
//! above them, and receive what they use instead of the application state.

use std::path::{Path, PathBuf};

const LOWER: [&str; 5] = ["store", "keys", "config", "security", "tokens"];
const HIGHER: [&str; 11] =
    ["web", "oidc", "api", "login", "credits", "admin", "ops", "import", "state", "keyring", "cli"];

/// The Rust files of module `name`: `src/name.rs` and everything under `src/name/`.
fn files_of(name: &str) -> Vec<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![src.join(format!("{name}.rs"))];
    let mut dirs = vec![src.join(name)];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.into_iter().filter(|f| f.exists()).collect()
}

/// The top-level modules a source names after `crate::`, in paths and in `use`
/// groups (`use crate::{a::x, b::{y, z}}` names `a` and `b`).
fn crate_modules(source: &str) -> Vec<String> {
    let code: String = source.lines().map(|l| l.split("//").next().unwrap_or_default()).collect::<Vec<_>>().join("\n");
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let (mut depth, mut item) = (0, String::new());
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.push(first_name(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            found.push(first_name(&item));
        } else {
            found.push(first_name(rest));
        }
    }
    found.retain(|name| !name.is_empty());
    found
}

fn first_name(path: &str) -> String {
    path.trim().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
}

#[test]
fn lower_modules_import_nothing_from_above() {
    let mut upward = Vec::new();
    for module in LOWER {
        for file in files_of(module) {
            let source = std::fs::read_to_string(&file).expect("source");
            for name in crate_modules(&source) {
                if HIGHER.contains(&name.as_str()) {
                    upward.push(format!("{} imports crate::{name}", file.display()));
                }
            }
        }
    }
    assert!(upward.is_empty(), "dependencies must point down:\n{}", upward.join("\n"));
}

#[test]
fn the_check_sees_paths_and_use_groups() {
    let source = "use crate::{config::X, web::{a, b}};\n// crate::ops in a comment\nfn f() { crate::state::g(); }";
    assert_eq!(crate_modules(source), ["config", "web", "state"]);
}
