//! The text line: time, level, the request being answered, the spans, the target, the
//! fields.
//!
//! `2026-12-06T22:11:39.512345Z  WARN request{id=Xb3k-000000000000002a method=POST route=/token}:
//! mana_auth::security::token_reuse: refresh token reused; revoked its family client_id=synapse revoked=3`
//!
//! Values that are not plain words are written quoted and escaped, and a message's line
//! breaks escaped, so nothing logged can break a line in two or forge another.

use std::fmt::{self, Write};

use tracing::{
    Event, Level, Subscriber,
    field::{Field, Visit},
};
use tracing_log::NormalizeEvent;
use tracing_subscriber::{
    field::RecordFields,
    fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields, format::Writer},
    registry::LookupSpan,
};

use super::{with_request, write_now};

/// The line of people and files.
pub struct PlainLine;

/// The fields of spans and events as `name=value`, separated by spaces; the message bare.
pub struct PlainFields;

impl<S, N> FormatEvent<S, N> for PlainLine
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'w> FormatFields<'w> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut line: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        // A line of a crate that logs with `log` names that crate, not `log`.
        let normalized = event.normalized_metadata();
        let metadata = normalized.as_ref().unwrap_or_else(|| event.metadata());
        write_now(&mut line)?;
        line.write_str(level_of(metadata.level(), line.has_ansi_escapes()))?;
        with_request(|tag| {
            ["request{id=", tag.id(), " method=", tag.method.as_str(), " route=", tag.route(), "}: "]
                .into_iter()
                .try_for_each(|part| line.write_str(part))
        })
        .transpose()?;
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                line.write_str(span.name())?;
                if let Some(fields) = span.extensions().get::<FormattedFields<N>>().filter(|f| !f.is_empty()) {
                    write!(line, "{{{fields}}}")?;
                }
                line.write_char(':')?;
            }
            line.write_char(' ')?;
        }
        line.write_str(metadata.target())?;
        line.write_str(": ")?;
        ctx.format_fields(line.by_ref(), event)?;
        line.write_char('\n')
    }
}

impl<'w> FormatFields<'w> for PlainFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'w>, fields: R) -> fmt::Result {
        let mut visitor = PlainVisitor { writer, first: true, result: Ok(()) };
        fields.record(&mut visitor);
        visitor.result
    }
}

struct PlainVisitor<'w> {
    writer: Writer<'w>,
    first: bool,
    result: fmt::Result,
}

impl PlainVisitor<'_> {
    /// Writes the separator and the name, then the value `with` writes.
    fn field(&mut self, field: &Field, with: impl FnOnce(&mut Writer<'_>) -> fmt::Result) {
        // Where a `log` record came from is in the target already.
        if self.result.is_err() || field.name().starts_with("log.") {
            return;
        }
        let separator = if std::mem::take(&mut self.first) { "" } else { " " };
        self.result = self.writer.write_str(separator).and_then(|()| match field.name() {
            "message" => with(&mut self.writer),
            name => {
                self.writer.write_str(name.strip_prefix("r#").unwrap_or(name))?;
                self.writer.write_char('=')?;
                with(&mut self.writer)
            }
        });
    }
}

impl Visit for PlainVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.field(field, |w| if is_plain(value) { w.write_str(value) } else { write!(w, "{value:?}") });
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.field(field, |w| w.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.field(field, |w| w.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.field(field, |w| w.write_str(if value { "true" } else { "false" }));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.record_str(field, &value.to_string());
    }

    /// Messages and `%value` fields arrive here as `Display` wrapped in `Debug`. A message
    /// is written as it is, its line breaks escaped; a value is quoted unless plain.
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.field(field, |w| write!(OneLine(w), "{value:?}"));
        } else {
            self.record_str(field, &format!("{value:?}"));
        }
    }
}

/// Passes text through with `\n` and `\r` escaped, so a message stays on its line.
struct OneLine<'a, 'w>(&'a mut Writer<'w>);

impl Write for OneLine<'_, '_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let mut rest = text;
        while let Some(at) = rest.find(['\n', '\r']) {
            self.0.write_str(&rest[..at])?;
            self.0.write_str(if rest.as_bytes()[at] == b'\n' { "\\n" } else { "\\r" })?;
            rest = &rest[at + 1..];
        }
        self.0.write_str(rest)
    }
}

/// Words, numbers, paths and ids: written without quotes.
fn is_plain(value: &str) -> bool {
    !value.is_empty()
        && value.bytes().all(|b| matches!(b, b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' | b':' | b'{' | b'}' | b'@' | b'+'))
}

/// A space, the level five characters wide and a space, coloured for a terminal.
fn level_of(level: &Level, ansi: bool) -> &'static str {
    match (*level, ansi) {
        (Level::ERROR, false) => " ERROR ",
        (Level::WARN, false) => "  WARN ",
        (Level::INFO, false) => "  INFO ",
        (Level::DEBUG, false) => " DEBUG ",
        (Level::TRACE, false) => " TRACE ",
        (Level::ERROR, true) => " \x1b[31mERROR\x1b[0m ",
        (Level::WARN, true) => " \x1b[33m WARN\x1b[0m ",
        (Level::INFO, true) => " \x1b[32m INFO\x1b[0m ",
        (Level::DEBUG, true) => " \x1b[34mDEBUG\x1b[0m ",
        (Level::TRACE, true) => " \x1b[35mTRACE\x1b[0m ",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::log_format::{
        REQUEST,
        tests::{Captured, a_request},
    };

    #[test]
    fn plain_values_are_written_bare_and_the_rest_quoted() {
        assert!(is_plain("/.well-known/jwks.json"));
        assert!(is_plain("Xb3k-000000000000002a"));
        assert!(!is_plain(""));
        assert!(!is_plain("two words"));
        assert!(!is_plain("line\nbreak"));
    }

    #[test]
    fn a_line_has_the_time_the_level_the_request_the_spans_and_the_fields() {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .fmt_fields(PlainFields)
            .event_format(PlainLine)
            .with_writer(captured.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            REQUEST.sync_scope(a_request(), || {
                tracing::info_span!("handler").in_scope(|| tracing::info!(user = "eve\nforged", "signed in"));
            });
            tracing::info!(id = "abc-01", method = "GET", status = 200u16, latency_us = 87u64, "request");
            tracing::warn!(ok = true, delta = -3i64, "plain {} here", "text\nforged");
            let record = tracing_log::log::Record::builder()
                .level(tracing_log::log::Level::Error)
                .target("some_crate::module")
                .file(Some("src/module.rs"))
                .line(Some(7))
                .args(format_args!("from the log crate"))
                .build();
            tracing_log::format_trace(&record).expect("dispatched");
        });
        let text = captured.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        let (time, rest) = lines[0].split_once("  ").expect("time, two spaces, level");
        assert!(time::OffsetDateTime::parse(time, &time::format_description::well_known::Rfc3339).is_ok(), "{time}");
        assert_eq!(time.len(), 27, "to the microsecond: {time}");
        let target = "mana_auth::ops::log_format::text::tests";
        assert_eq!(
            rest,
            format!(
                r#"INFO request{{id=abc-01 method=GET route=unmatched}}: handler: {target}: signed in user="eve\nforged""#
            )
        );
        assert!(
            lines[1].ends_with(&format!("Z  INFO {target}: request id=abc-01 method=GET status=200 latency_us=87"))
        );
        assert!(
            lines[2].ends_with(&format!("Z  WARN {target}: plain text\\nforged here ok=true delta=-3")),
            "{}",
            lines[2]
        );
        assert!(lines[3].ends_with("Z ERROR some_crate::module: from the log crate"), "{}", lines[3]);
    }
}
