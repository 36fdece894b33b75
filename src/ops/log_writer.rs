//! Where log lines go: whoever logs appends the line to a buffer in memory, and a
//! thread of its own writes what has gathered to stderr every few milliseconds, in
//! one write.
//! Nobody waits on stderr, and no line wakes a thread (a channel with a sleeping
//! reader costs a wake-up and a context switch per line, about a quarter of a cheap
//! request's time). With more than the limit waiting, a line is dropped and counted.

use std::{
    io::{self, Write},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    thread::JoinHandle,
    time::Duration,
};

use tracing_subscriber::fmt::MakeWriter;

struct Shared {
    pending: Mutex<Vec<u8>>,
    limit: usize,
    dropped: AtomicU64,
    stopping: AtomicBool,
}

/// The writer the log formatter writes each line to, in one call per line.
#[derive(Clone)]
pub struct LogWriter(Arc<Shared>);

/// Writes what is left and stops the thread when dropped, at the end of `main`.
pub struct Flush {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// A writer to `out`, written `every` so often, holding at most `limit` bytes of lines
/// not yet written.
pub fn log_writer(out: impl Write + Send + 'static, every: Duration, limit: usize) -> (LogWriter, Flush) {
    let shared = Arc::new(Shared {
        pending: Mutex::new(Vec::with_capacity(limit.min(1 << 20))),
        limit,
        dropped: AtomicU64::new(0),
        stopping: AtomicBool::new(false),
    });
    let writing = shared.clone();
    let thread = std::thread::Builder::new()
        .name("log-writer".into())
        .spawn(move || write_until_stopped(&writing, out, every))
        .expect("a thread for the log");
    (LogWriter(shared.clone()), Flush { shared, thread: Some(thread) })
}

fn write_until_stopped(shared: &Shared, mut out: impl Write, every: Duration) {
    let mut batch = Vec::new();
    loop {
        std::thread::park_timeout(every);
        let stopping = shared.stopping.load(Ordering::Acquire);
        std::mem::swap(&mut batch, &mut *shared.pending.lock().unwrap_or_else(|e| e.into_inner()));
        if !batch.is_empty() {
            // A log that cannot be written has nowhere to say so.
            let _ = out.write_all(&batch).and_then(|()| out.flush());
            batch.clear();
        }
        if stopping {
            return;
        }
    }
}

impl LogWriter {
    /// Lines dropped so far because too much was waiting.
    pub fn dropped(&self) -> u64 {
        self.0.dropped.load(Ordering::Relaxed)
    }
}

impl Write for LogWriter {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        let mut pending = self.0.pending.lock().unwrap_or_else(|e| e.into_inner());
        if pending.len() + line.len() > self.0.limit {
            self.0.dropped.fetch_add(1, Ordering::Relaxed);
        } else {
            pending.extend_from_slice(line);
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogWriter {
    type Writer = LogWriter;

    fn make_writer(&'a self) -> LogWriter {
        self.clone()
    }
}

impl Drop for Flush {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::log_format::tests::Captured;

    #[test]
    fn lines_are_written_whole_in_order_and_past_the_limit_dropped_and_counted() {
        let sink = Captured::default();
        // Written only at the end, so what fits is up to the test.
        let (writer, flush) = log_writer(sink.clone(), Duration::from_secs(3600), 12);
        let mut line = writer.make_writer();
        line.write_all(b"one\n").expect("write");
        line.write_all(b"two\n").expect("write");
        line.write_all(b"three\n").expect("dropped, not an error");
        line.write_all(b"4\n").expect("write");
        assert_eq!(writer.dropped(), 1);
        drop(flush);
        assert_eq!(sink.text(), "one\ntwo\n4\n");
    }

    #[test]
    fn lines_reach_the_output_while_the_process_runs() {
        let sink = Captured::default();
        let (writer, _flush) = log_writer(sink.clone(), Duration::from_millis(20), 1024);
        writer.make_writer().write_all(b"soon\n").expect("write");
        for _ in 0..100 {
            if !sink.text().is_empty() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("the line was not written within a second");
    }
}
