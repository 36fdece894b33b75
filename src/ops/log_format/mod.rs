//! Log lines, formatted by mana-auth rather than by tracing-subscriber's formatters:
//! those build style codes for every field even with colour off, format the time from
//! scratch for every line, and carry the request id in a span, whose creation, entry
//! and exit on every request cost more than the line itself.
//!
//! The request being answered travels with its task instead ([`tagged`]), and every line
//! written while it runs names it: `text` for people and files, `json` for log shippers.

pub mod json;
pub mod text;

use std::{
    cell::RefCell,
    fmt::{self, Write},
    future::Future,
    time::{SystemTime, UNIX_EPOCH},
};

use axum::{
    extract::MatchedPath,
    http::{HeaderValue, Method},
};
use tokio::task::futures::TaskLocalFuture;

tokio::task_local! {
    static REQUEST: RequestTag;
}

/// What every line written while a request is answered says about it.
pub struct RequestTag {
    pub id: HeaderValue,
    pub method: Method,
    pub route: Option<MatchedPath>,
}

impl RequestTag {
    pub fn id(&self) -> &str {
        self.id.to_str().unwrap_or_default()
    }

    /// The route pattern that matched, never the URI, whose query may hold codes or tokens.
    pub fn route(&self) -> &str {
        self.route.as_ref().map_or("unmatched", MatchedPath::as_str)
    }
}

/// `future`, with every line logged while it runs naming the request of `tag`.
pub fn tagged<F: Future>(tag: RequestTag, future: F) -> TaskLocalFuture<RequestTag, F> {
    REQUEST.scope(tag, future)
}

/// `with` the request the running task answers, if it answers one.
fn with_request<R>(with: impl FnOnce(&RequestTag) -> R) -> Option<R> {
    REQUEST.try_with(with).ok()
}

thread_local! {
    /// The second last written by this thread and its text up to the seconds: the date
    /// and the time of day are formatted once a second, not once a line.
    static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

/// Now in RFC 3339, UTC, to the microsecond.
fn write_now(out: &mut impl Write) -> fmt::Result {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    SECOND.with_borrow_mut(|(second, text)| {
        if *second != now.as_secs() {
            let time = time::OffsetDateTime::from_unix_timestamp(now.as_secs() as i64).map_err(|_| fmt::Error)?;
            text.clear();
            write!(
                text,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.",
                time.year(),
                time.month() as u8,
                time.day(),
                time.hour(),
                time.minute(),
                time.second()
            )?;
            *second = now.as_secs();
        }
        out.write_str(text)
    })?;
    let mut digits = itoa::Buffer::new();
    let micros = digits.format(now.subsec_micros());
    out.write_str(&"000000"[micros.len()..])?;
    out.write_str(micros)?;
    out.write_char('Z')
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A request that matched no route, whose id is `abc-01`.
    pub fn a_request() -> RequestTag {
        RequestTag { id: HeaderValue::from_static("abc-01"), method: Method::GET, route: None }
    }

    /// Lines written, kept for a test to read.
    #[derive(Clone, Default)]
    pub struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Captured {
        pub fn text(&self) -> String {
            String::from_utf8(self.0.lock().expect("lock").clone()).expect("utf-8")
        }
    }

    impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
        type Writer = Captured;

        fn make_writer(&'a self) -> Captured {
            self.clone()
        }
    }

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_time_has_six_digits_of_microseconds() {
        let mut now = String::new();
        write_now(&mut now).expect("written");
        let parsed =
            time::OffsetDateTime::parse(&now, &time::format_description::well_known::Rfc3339).expect("RFC 3339");
        assert_eq!(now.len(), 27, "{now}");
        assert!((time::OffsetDateTime::now_utc() - parsed).whole_seconds().abs() < 5);
    }
}
