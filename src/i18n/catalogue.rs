//! The catalogues the binary carries, parsed once at start.

use std::sync::Arc;

use axum::http::Uri;

use fluent_bundle::{FluentArgs, FluentResource, FluentValue, concurrent::FluentBundle};
use unic_langid::LanguageIdentifier;

use super::Lang;

mod files {
    include!(concat!(env!("OUT_DIR"), "/locales.rs"));
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("locales/{tag}.ftl: {detail}")]
    Broken { tag: &'static str, detail: String },
    #[error("there is no catalogue for `{0}` (there are: {1})")]
    UnknownDefault(String, String),
}

struct Catalogue {
    tag: &'static str,
    id: LanguageIdentifier,
    bundle: FluentBundle<FluentResource>,
}

impl Catalogue {
    fn parse(tag: &'static str, source: &'static str) -> Result<Self, CatalogueError> {
        let broken = |detail: String| CatalogueError::Broken { tag, detail };
        let id: LanguageIdentifier = tag.parse().map_err(|e| broken(format!("not a language tag: {e}")))?;
        let resource = FluentResource::try_new(source.to_owned())
            .map_err(|(_, errors)| broken(format!("{} syntax errors, the first: {:?}", errors.len(), errors[0])))?;
        let mut bundle = FluentBundle::new_concurrent(vec![id.clone()]);
        // Fluent wraps each variable in Unicode isolation marks for mixed directions; the
        // pages are all left-to-right, and the marks would end up in copied addresses.
        bundle.set_use_isolating(false);
        bundle.add_resource(resource).map_err(|errors| broken(format!("duplicate keys: {errors:?}")))?;
        Ok(Catalogue { tag, id, bundle })
    }
}

/// Every language there is a catalogue for, and the one to use when nothing says which.
pub struct Languages {
    catalogues: Vec<Catalogue>,
    default: usize,
}

impl Languages {
    /// The catalogues built into the binary, with `default` (a tag) as the default.
    pub fn built_in(default: &str) -> Result<Arc<Self>, CatalogueError> {
        let catalogues =
            files::FILES.iter().map(|(tag, source)| Catalogue::parse(tag, source)).collect::<Result<Vec<_>, _>>()?;
        let mut languages = Languages { catalogues, default: 0 };
        languages.default = languages.find(default).ok_or_else(|| {
            let tags: Vec<&str> = languages.catalogues.iter().map(|c| c.tag).collect();
            CatalogueError::UnknownDefault(default.to_owned(), tags.join(", "))
        })?;
        Ok(Arc::new(languages))
    }

    /// A mail's language: the one stored with the account, else the default.
    pub fn named(self: &Arc<Self>, tag: Option<&str>) -> Lang {
        let index = tag.and_then(|tag| self.find(tag)).unwrap_or(self.default);
        self.lang(index, None)
    }

    pub(super) fn lang(self: &Arc<Self>, index: usize, here: Option<Uri>) -> Lang {
        Lang { languages: self.clone(), index, here }
    }

    pub(super) fn default_index(&self) -> usize {
        self.default
    }

    pub(super) fn len(&self) -> usize {
        self.catalogues.len()
    }

    pub(super) fn tag(&self, index: usize) -> &'static str {
        self.catalogues[index].tag
    }

    /// The catalogue for a language tag: the same tag, else the same language
    /// (`de-AT` is read in `de`), ignoring case as tags do (RFC 5646 §2.1.1).
    pub(super) fn find(&self, tag: &str) -> Option<usize> {
        let id: LanguageIdentifier = tag.parse().ok()?;
        let same = |c: &Catalogue| c.id == id;
        let same_language = |c: &Catalogue| c.id.language == id.language;
        self.catalogues.iter().position(same).or_else(|| self.catalogues.iter().position(same_language))
    }

    /// The text under `key` in the catalogue at `index`; the key itself, logged, when
    /// the catalogue lacks it (the tests keep that from happening).
    pub(super) fn text(&self, index: usize, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let catalogue = &self.catalogues[index];
        let Some(pattern) = catalogue.bundle.get_message(key).and_then(|message| message.value()) else {
            tracing::error!(key, language = catalogue.tag, "the catalogue has no such text");
            return key.to_owned();
        };
        let mut values = FluentArgs::new();
        for (name, value) in args {
            values.set(*name, value.clone());
        }
        let mut errors = Vec::new();
        let text = catalogue.bundle.format_pattern(pattern, Some(&values), &mut errors);
        if !errors.is_empty() {
            tracing::error!(key, language = catalogue.tag, ?errors, "a text could not be filled in");
        }
        text.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use fluent_bundle::FluentResource;
    use fluent_syntax::ast;

    use super::*;

    /// The language every other catalogue is checked against.
    const REFERENCE: &str = "en";

    fn keys(source: &str) -> BTreeSet<String> {
        let resource = FluentResource::try_new(source.to_owned()).expect("the catalogue parses");
        resource
            .entries()
            .filter_map(|entry| match entry {
                ast::Entry::Message(message) => Some(message.id.name.to_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_catalogue_parses_and_holds_exactly_the_keys_of_the_reference() {
        let languages = Languages::built_in(REFERENCE).expect("the built-in catalogues parse");
        assert!(languages.len() >= 2, "English and German at least");
        let (_, reference) = files::FILES.iter().find(|(tag, _)| *tag == REFERENCE).expect("an English catalogue");
        let reference = keys(reference);
        for (tag, source) in files::FILES {
            let keys = keys(source);
            let missing: Vec<_> = reference.difference(&keys).collect();
            let unknown: Vec<_> = keys.difference(&reference).collect();
            assert!(missing.is_empty(), "locales/{tag}.ftl lacks {missing:?}");
            assert!(unknown.is_empty(), "locales/{tag}.ftl has keys English lacks: {unknown:?}");
        }
    }

    #[test]
    fn a_tag_finds_its_own_catalogue_or_its_language() {
        let languages = Languages::built_in("en").expect("catalogues");
        let tag_of = |tag: &str| languages.find(tag).map(|index| languages.tag(index));
        assert_eq!(tag_of("de"), Some("de"));
        assert_eq!(tag_of("de-AT"), Some("de"));
        assert_eq!(tag_of("DE-de"), Some("de"));
        assert_eq!(tag_of("en-GB"), Some("en"));
        assert_eq!(tag_of("fr"), None);
        assert_eq!(tag_of("not a tag"), None);
        assert!(matches!(Languages::built_in("xx"), Err(CatalogueError::UnknownDefault(..))));
    }

    #[test]
    fn texts_are_filled_in_without_isolation_marks() {
        let languages = Languages::built_in("de").expect("catalogues");
        let lang = languages.named(None);
        assert_eq!(lang.tag(), "de");
        let text = lang.arg("error-throttled", "seconds", 30);
        assert!(text.contains("30") && !text.contains('\u{2068}'), "{text}");
        assert_eq!(languages.named(Some("en")).get("language-name"), "English");
    }
}
