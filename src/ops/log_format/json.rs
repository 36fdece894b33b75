//! The JSON line, one object per line for log shippers, its keys in alphabetical order:
//! `{"fields":{"client_id":"synapse","message":"refresh token reused; revoked its family","revoked":3},
//! "level":"WARN","request":{"id":"Xb3k-000000000000002a","method":"POST","route":"/token"},
//! "spans":["handler"],"target":"mana_auth::security::token_reuse","timestamp":"2026-12-06T22:11:39.512345Z"}`;
//! `request` and `spans` only where there are some.

use std::fmt;

use serde_json::{Map, Value, json};
use tracing::{
    Event, Subscriber,
    field::{Field, Visit},
};
use tracing_log::NormalizeEvent;
use tracing_subscriber::{
    fmt::{FmtContext, FormatEvent, FormatFields, format::Writer},
    registry::LookupSpan,
};

use super::{with_request, write_now};

/// The line of log shippers.
pub struct JsonLine;

impl<S, N> FormatEvent<S, N> for JsonLine
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'w> FormatFields<'w> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut line: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let normalized = event.normalized_metadata();
        let metadata = normalized.as_ref().unwrap_or_else(|| event.metadata());
        let mut timestamp = String::with_capacity(27);
        write_now(&mut timestamp)?;
        let mut object = Map::new();
        object.insert("timestamp".into(), timestamp.into());
        object.insert("level".into(), metadata.level().as_str().into());
        object.insert("target".into(), metadata.target().into());
        if let Some(request) =
            with_request(|tag| json!({"id": tag.id(), "method": tag.method.as_str(), "route": tag.route()}))
        {
            object.insert("request".into(), request);
        }
        if let Some(scope) = ctx.event_scope() {
            object.insert("spans".into(), scope.from_root().map(|span| Value::from(span.name())).collect());
        }
        let mut fields = JsonFields(Map::new());
        event.record(&mut fields);
        object.insert("fields".into(), fields.0.into());
        let text = serde_json::to_string(&object).map_err(|_| fmt::Error)?;
        line.write_str(&text)?;
        line.write_char('\n')
    }
}

/// An event's fields as a JSON object; numbers and booleans stay what they are.
struct JsonFields(Map<String, Value>);

impl JsonFields {
    fn insert(&mut self, field: &Field, value: Value) {
        // Where a `log` record came from is in the target already.
        if !field.name().starts_with("log.") {
            self.0.insert(field.name().strip_prefix("r#").unwrap_or(field.name()).to_owned(), value);
        }
    }
}

impl Visit for JsonFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.insert(field, value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.insert(field, value.into());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.insert(field, value.into());
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.insert(field, value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.insert(field, value.into());
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.insert(field, value.to_string().into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.insert(field, format!("{value:?}").into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::log_format::{
        REQUEST,
        tests::{Captured, a_request},
        text::PlainFields,
    };

    #[test]
    fn each_line_is_one_object_naming_the_request_and_keeping_numbers() {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .fmt_fields(PlainFields)
            .event_format(JsonLine)
            .with_writer(captured.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            REQUEST.sync_scope(a_request(), || {
                tracing::info_span!("handler").in_scope(|| tracing::warn!(user = "eve\nforged", n = 3u64, "reused"));
            });
            tracing::info!(ok = true, delta = -3i64, "request");
        });
        let text = captured.text();
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("one object a line")).collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert_eq!(lines[0]["level"], "WARN");
        assert_eq!(lines[0]["target"], "mana_auth::ops::log_format::json::tests");
        assert_eq!(lines[0]["request"], json!({"id": "abc-01", "method": "GET", "route": "unmatched"}));
        assert_eq!(lines[0]["spans"], json!(["handler"]));
        assert_eq!(lines[0]["fields"], json!({"message": "reused", "user": "eve\nforged", "n": 3}));
        let timestamp = lines[0]["timestamp"].as_str().expect("a string");
        assert!(time::OffsetDateTime::parse(timestamp, &time::format_description::well_known::Rfc3339).is_ok());
        assert!(lines[1].get("request").is_none() && lines[1].get("spans").is_none(), "{}", lines[1]);
        assert_eq!(lines[1]["fields"], json!({"message": "request", "ok": true, "delta": -3}));
    }
}
