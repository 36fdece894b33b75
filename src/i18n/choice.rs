//! Which language a request is answered in: the one it asks for with `?lang=`, else
//! the one its browser chose before (a cookie), else the first in its Accept-Language
//! (RFC 9110 §12.5.4, by weight) that there is a catalogue for, else the default.

use std::sync::Arc;

use axum::http::Uri;

use super::{Lang, Languages};

/// The cookie that keeps a language chosen on a page.
pub const LANGUAGE_COOKIE: &str = "mana_lang";
/// The query parameter of the links that switch a page's language.
pub const LANGUAGE_PARAM: &str = "lang";

/// What a browser asked for, in the order it counts.
#[derive(Default)]
pub struct Asked<'a> {
    /// `?lang=` on this request.
    pub param: Option<&'a str>,
    /// The language cookie.
    pub cookie: Option<&'a str>,
    /// The Accept-Language header.
    pub accept_language: Option<&'a str>,
}

/// The language of one answer, and the tag to remember in the cookie when the
/// request chose one with `?lang=`.
pub struct Choice {
    pub lang: Lang,
    pub remember: Option<&'static str>,
}

impl Languages {
    /// `here` is the page's address when it can be linked to (a GET), for the links
    /// to the other languages.
    pub fn choose(self: &Arc<Self>, asked: &Asked<'_>, here: Option<Uri>) -> Choice {
        let param = asked.param.and_then(|tag| self.find(tag));
        let index = param
            .or_else(|| asked.cookie.and_then(|tag| self.find(tag)))
            .or_else(|| asked.accept_language.and_then(|header| self.accepted(header)))
            .unwrap_or_else(|| self.default_index());
        Choice { lang: self.lang(index, here), remember: param.map(|index| self.tag(index)) }
    }

    /// The most wanted language of an Accept-Language header that there is a catalogue
    /// for; `q=0` means "not this one", and `*` leaves it to the default.
    fn accepted(&self, header: &str) -> Option<usize> {
        accept_language::parse_with_quality(header)
            .into_iter()
            .filter(|(_, quality)| *quality > 0.0)
            .find_map(|(tag, _)| self.find(&tag))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chosen(asked: Asked<'_>) -> (&'static str, Option<&'static str>) {
        let choice = Languages::built_in("en").expect("catalogues").choose(&asked, None);
        (choice.lang.tag(), choice.remember)
    }

    #[test]
    fn accept_language_is_read_by_weight_and_region() {
        let header = |value| Asked { accept_language: Some(value), ..Asked::default() };
        assert_eq!(chosen(header("de-DE,de;q=0.9,en;q=0.8")).0, "de");
        assert_eq!(chosen(header("en;q=0.5, de-AT;q=0.9")).0, "de");
        assert_eq!(chosen(header("fr-FR, fr;q=0.9, de;q=0.7, en;q=0.3")).0, "de");
        assert_eq!(chosen(header("de;q=0, en;q=0.1")).0, "en");
        assert_eq!(chosen(header("de;q=0")).0, "en");
        assert_eq!(chosen(header("fr, *;q=0.5")).0, "en");
        assert_eq!(chosen(header(";;,q=,de;q=abc")).0, "en", "nonsense falls back to the default");
    }

    #[test]
    fn the_parameter_beats_the_cookie_which_beats_the_header() {
        let header = Some("de");
        assert_eq!(
            chosen(Asked { param: Some("en"), cookie: Some("de"), accept_language: header }),
            ("en", Some("en"))
        );
        assert_eq!(chosen(Asked { param: None, cookie: Some("en"), accept_language: header }), ("en", None));
        assert_eq!(chosen(Asked { param: Some("xx"), cookie: Some("de"), accept_language: None }), ("de", None));
        assert_eq!(chosen(Asked { param: None, cookie: Some("xx"), accept_language: header }), ("de", None));
    }
}
