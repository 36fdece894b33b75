//! Every hosted page and mail in the reader's language. A language is one Fluent
//! catalogue, `locales/<tag>.ftl`, carried in the binary (the build script lists the
//! folder), so a language is added by adding a file. English is the reference: every
//! other catalogue holds exactly its keys, which a test checks.

mod catalogue;
mod choice;

pub use catalogue::{CatalogueError, Languages};
pub use choice::{Asked, Choice, LANGUAGE_COOKIE, LANGUAGE_PARAM};

use std::sync::Arc;

use axum::http::Uri;
use fluent_bundle::FluentValue;

/// The language a page or mail is written in, with the address of the page to offer
/// the other languages on (none for a mail or a page answering a form).
#[derive(Clone)]
pub struct Lang {
    languages: Arc<Languages>,
    index: usize,
    here: Option<Uri>,
}

/// Another language a page can be read in: its tag, its own name, and the page in it.
pub struct Switch {
    pub tag: &'static str,
    pub name: String,
    pub href: String,
}

impl Lang {
    /// Its tag, for `<html lang>` and for storing with an account.
    pub fn tag(&self) -> &'static str {
        self.languages.tag(self.index)
    }

    /// The text under `key`.
    pub fn get(&self, key: &str) -> String {
        self.languages.text(self.index, key, &[])
    }

    /// The text under `key`, with `$name` set to `value`.
    pub fn arg<'v>(&self, key: &str, name: &str, value: impl Into<FluentValue<'v>>) -> String {
        self.languages.text(self.index, key, &[(name, value.into())])
    }

    /// The text under `key`, with its variables set.
    pub fn with(&self, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        self.languages.text(self.index, key, args)
    }

    /// The other languages this page can be read in: links to it with `?lang=`.
    pub fn switches(&self) -> Vec<Switch> {
        let Some(here) = &self.here else { return Vec::new() };
        // `//host/…` would be read as another site's address.
        if here.path().starts_with("//") {
            return Vec::new();
        }
        let kept: Vec<(String, String)> = url::form_urlencoded::parse(here.query().unwrap_or_default().as_bytes())
            .filter(|(name, _)| name != LANGUAGE_PARAM)
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        (0..self.languages.len())
            .filter(|&index| index != self.index)
            .map(|index| {
                let tag = self.languages.tag(index);
                let query = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(&kept)
                    .append_pair(LANGUAGE_PARAM, tag)
                    .finish();
                let name = self.languages.text(index, "language-name", &[]);
                Switch { tag, name, href: format!("{}?{query}", here.path()) }
            })
            .collect()
    }
}
