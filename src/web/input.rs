//! Text as it arrives: query strings and form bodies (WHATWG URL §5, urlencoded), JSON
//! bodies (RFC 8259) and path segments are parsed here, once for every surface.
//! Control characters (Unicode category Cc) are refused before a handler sees them:
//! PostgreSQL cannot store U+0000 in text, and a one-line field has no use for the
//! others. Refusals name the field and never a Rust type.

use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Input that cannot be taken: the status to answer with, and what was wrong, in words.
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
}

impl Refusal {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Refusal { status: StatusCode::BAD_REQUEST, message: message.into() }
    }

    /// A body that was not of the media type the endpoint reads.
    pub fn media_type(expected: &str) -> Self {
        Refusal { status: StatusCode::UNSUPPORTED_MEDIA_TYPE, message: format!("send the body as {expected}") }
    }

    /// A body that could not be read whole: too large (413) or cut off.
    pub fn unreadable(status: StatusCode) -> Self {
        match status {
            StatusCode::PAYLOAD_TOO_LARGE => Refusal { status, message: "the body is too large".into() },
            _ => Refusal::bad_request("the body could not be read"),
        }
    }
}

/// Free text that may span lines: the strings inside a `metadata` object clients attach.
const MULTI_LINE_FIELD: &str = "metadata";

/// One line of text: no control character at all.
pub fn is_single_line(text: &str) -> bool {
    !text.chars().any(char::is_control)
}

/// No control character but the `allowed` ones.
fn controls_only(text: &str, allowed: &[char]) -> bool {
    !text.chars().any(|c| c.is_control() && !allowed.contains(&c))
}

/// Free text: line feeds and tabs, but no other control character.
fn is_multi_line(text: &str) -> bool {
    controls_only(text, &['\n', '\t'])
}

/// Form fields written in a text area, one item a line (the client form's URIs).
const TEXT_AREAS: [&str; 2] = ["redirect_uris", "post_logout_redirect_uris"];

/// What a text area sends: lines ended by CR LF (HTML §4.10.11), and tabs.
fn is_text_area(text: &str) -> bool {
    controls_only(text, &['\r', '\n', '\t'])
}

fn control_in(field: &str) -> Refusal {
    Refusal::bad_request(format!("`{field}` holds a control character"))
}

/// Refuses a one-line value with control characters in it.
pub fn single_line(field: &str, value: &str) -> Result<(), Refusal> {
    if is_single_line(value) { Ok(()) } else { Err(control_in(field)) }
}

/// Whether the `Content-Type` is `expected` (parameters such as `charset` aside), or,
/// for JSON, any `application/…+json`.
pub fn has_media_type(headers: &HeaderMap, expected: &str) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == expected
        || (expected == "application/json" && essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses `application/x-www-form-urlencoded` text: a form body or a query string.
/// Every name and value is one line.
pub fn urlencoded<T: DeserializeOwned>(input: &[u8]) -> Result<T, Refusal> {
    for (name, value) in url::form_urlencoded::parse(input) {
        if !is_single_line(&name) {
            return Err(Refusal::bad_request("a parameter name holds a control character"));
        }
        if TEXT_AREAS.contains(&name.as_ref()) {
            if !is_text_area(&value) {
                return Err(control_in(&name));
            }
        } else {
            single_line(&name, &value)?;
        }
    }
    serde_path_to_error::deserialize(serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(input)))
        .map_err(mismatch)
}

/// Parses a JSON body. Every string is one line, except inside `metadata`.
pub fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Refusal> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        Refusal::bad_request(format!("the body is not valid JSON (line {}, column {})", e.line(), e.column()))
    })?;
    if let Some(refusal) = controls(&value, "", false) {
        return Err(refusal);
    }
    serde_path_to_error::deserialize(value).map_err(mismatch)
}

/// The first string or key under `value` (found at `path`) with a control character it may not hold.
fn controls(value: &Value, path: &str, multi_line: bool) -> Option<Refusal> {
    let join = |key: &str| if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
    match value {
        Value::String(text) if multi_line && !is_multi_line(text) => Some(control_in(path)),
        Value::String(text) if !multi_line && !is_single_line(text) => Some(if path.is_empty() {
            Refusal::bad_request("the body holds a control character")
        } else {
            control_in(path)
        }),
        Value::Array(items) => {
            items.iter().enumerate().find_map(|(i, item)| controls(item, &format!("{path}[{i}]"), multi_line))
        }
        Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            if !is_single_line(key) {
                return Some(Refusal::bad_request("a field name holds a control character"));
            }
            controls(item, &join(key), multi_line || (path.is_empty() && key == MULTI_LINE_FIELD))
        }),
        _ => None,
    }
}

/// Words for a value of the wrong shape: which field, not which Rust type was expected.
fn mismatch<E: std::fmt::Display>(err: serde_path_to_error::Error<E>) -> Refusal {
    let detail = err.inner().to_string();
    let quoted = detail.split('`').nth(1).unwrap_or_default();
    let message = if detail.starts_with("missing field") {
        format!("`{quoted}` is missing")
    } else if detail.starts_with("unknown field") {
        format!("`{quoted}` is not a known field")
    } else if detail.starts_with("duplicate field") {
        format!("`{quoted}` is given more than once")
    } else {
        match err.path().to_string().as_str() {
            "." => "the request does not have the expected shape".to_owned(),
            path => format!("`{path}` has the wrong type or value"),
        }
    };
    Refusal::bad_request(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        name: String,
        limit: Option<u64>,
        metadata: Option<Value>,
    }

    fn refused_json(body: &str) -> String {
        json::<Sample>(body.as_bytes()).expect_err(body).message
    }

    #[test]
    fn control_characters_are_refused_in_every_string_and_name() {
        assert!(refused_json(r#"{"name": "a\u0000b"}"#).contains("`name`"));
        assert!(refused_json(r#"{"name": "line\nbreak"}"#).contains("`name`"));
        assert!(
            refused_json(r#"{"name": "x", "metadata": {"list": ["ok", "\u0007"]}}"#).contains("`metadata.list[1]`")
        );
        assert!(refused_json(r#"{"name": "x", "metadata": {"a\u0000": 1}}"#).contains("field name"));
        assert!(refused_json(r#"{"name": "c1 \u0085"}"#).contains("`name`"));
        assert!(urlencoded::<Sample>(b"name=a%00b").expect_err("NUL").message.contains("`name`"));
        assert!(urlencoded::<Sample>(b"na%01me=x").is_err());
    }

    #[test]
    fn text_areas_may_hold_lines_and_nothing_else() {
        #[derive(serde::Deserialize)]
        struct Uris {
            redirect_uris: String,
        }
        let uris: Uris =
            urlencoded(b"redirect_uris=https%3A%2F%2Fa%2Fcb%0D%0Ahttps%3A%2F%2Fb%2Fcb").expect("two lines");
        assert_eq!(uris.redirect_uris.lines().count(), 2);
        assert!(urlencoded::<Uris>(b"redirect_uris=a%00b").is_err());
        assert!(urlencoded::<Sample>(b"name=a%0D%0Ab").is_err(), "other fields stay one line");
    }

    #[test]
    fn metadata_may_hold_line_breaks_and_tabs() {
        let sample: Sample =
            json(br#"{"name": "x", "metadata": {"note": "two\nlines\tand a tab"}}"#).expect("multi-line metadata");
        assert_eq!(sample.metadata.map(|m| m["note"].clone()), Some(Value::from("two\nlines\tand a tab")));
        assert!(refused_json(r#"{"name": "x", "metadata": {"note": "\r"}}"#).contains("metadata.note"));
    }

    #[test]
    fn shape_errors_name_the_field_and_no_rust_type() {
        for (body, expected) in [
            (r#"{"limit": 1}"#, "`name` is missing"),
            (r#"{"name": "x", "limit": "many"}"#, "`limit` has the wrong type or value"),
            (r#"{"name": "x", "other": 1}"#, "`other` is not a known field"),
            (r#""just text""#, "the request does not have the expected shape"),
            (r#"{"name": "#, "not valid JSON"),
        ] {
            let message = refused_json(body);
            assert!(message.contains(expected), "{body}: {message}");
            assert!(!message.contains("u64") && !message.contains("Sample"), "{message}");
        }
        let good: Sample = urlencoded(b"name=x&limit=5").expect("well formed");
        assert_eq!((good.name.as_str(), good.limit), ("x", Some(5)));
        assert_eq!(
            urlencoded::<Sample>(b"name=x&limit=abc").expect_err("abc").message,
            "`limit` has the wrong type or value"
        );
        assert_eq!(
            urlencoded::<Sample>(b"name=x&name=y").expect_err("twice").message,
            "`name` is given more than once"
        );
    }

    #[test]
    fn media_types_are_compared_without_parameters() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, axum::http::HeaderValue::from_static(value));
            headers
        };
        assert!(has_media_type(&with("Application/JSON; charset=utf-8"), "application/json"));
        assert!(has_media_type(&with("application/merge-patch+json"), "application/json"));
        assert!(!has_media_type(&with("text/plain"), "application/json"));
        assert!(!has_media_type(&HeaderMap::new(), "application/x-www-form-urlencoded"));
    }
}
