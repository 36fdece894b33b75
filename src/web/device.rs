//! How a page names the device of a session: the name the device gave itself, else
//! its browser and system read from the user agent ("Firefox on Linux"), else the
//! user agent itself.

use woothee::{parser::Parser, woothee::VALUE_UNKNOWN};

use crate::i18n::Lang;

pub fn label(t: &Lang, device_name: Option<String>, user_agent: Option<String>) -> String {
    if let Some(name) = device_name {
        return name;
    }
    let Some(agent) = user_agent else { return String::new() };
    match Parser::new().parse(&agent) {
        Some(found) if found.name != VALUE_UNKNOWN && found.os != VALUE_UNKNOWN => {
            t.with("device-browser-on-system", &[("browser", found.name.into()), ("system", found.os.into())])
        }
        _ => agent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Languages;

    #[test]
    fn browsers_are_named_with_their_system() {
        let languages = Languages::built_in("en").expect("catalogues");
        let t = languages.named(None);
        let chrome =
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
        assert_eq!(label(&t, None, Some(chrome.into())), "Chrome on Linux");
        assert_eq!(label(&t, Some("Ada's phone".into()), Some(chrome.into())), "Ada's phone");
        assert_eq!(label(&t, None, Some("curl/8.5.0".into())), "curl/8.5.0");
        assert_eq!(label(&t, None, None), "");
    }
}
