//! A small SMTP server that keeps what it receives in memory: the "real SMTP server in-process" the tests
//! and benchmarks send to (lettre connects to it over TCP and speaks the protocol; nothing is faked above
//! the socket). It answers `EHLO`/`HELO`, `MAIL`, `RCPT`, `DATA` (with dot-unstuffing), `RSET`, `NOOP` and
//! `QUIT`; no TLS and no authentication. It can be told to refuse mail, temporarily (451) or for good
//! (550), to exercise retries and dead letters. Not for production use.
//!
//! It keeps every mail whole ([`SmtpSink::start`]), or — for the benchmark's hundred thousand mails —
//! only each one's Message-ID ([`SmtpSink::start_counting`]). Either way [`SmtpSink::message_ids`] lists
//! the Message-IDs in the order the mails were taken, which is how duplicates and losses are counted.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One mail as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent after `DATA` (headers and body, CRLF line ends), dot-unstuffed.
    pub data: Vec<u8>,
}

/// How the sink answers `MAIL FROM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SinkMode {
    #[default]
    Accept,
    /// 451: try again later.
    RefuseTemporarily,
    /// 550: will never be accepted.
    RefusePermanently,
}

#[derive(Default)]
struct State {
    /// Every mail whole (unless only counting).
    mails: Mutex<Vec<ReceivedMail>>,
    /// The Message-ID of every mail taken (empty for a mail without one), in order.
    ids: Mutex<Vec<String>>,
    keep_mails: bool,
    mode: Mutex<SinkMode>,
    received: tokio::sync::Notify,
}

/// A running sink; it stops when the runtime does.
#[derive(Clone)]
pub struct SmtpSink {
    addr: SocketAddr,
    state: Arc<State>,
}

impl SmtpSink {
    /// Listen on a free port on 127.0.0.1, keeping every mail.
    pub async fn start() -> std::io::Result<SmtpSink> {
        Self::listen(true).await
    }

    /// Listen on a free port on 127.0.0.1, keeping only each mail's Message-ID ([`SmtpSink::received`]
    /// stays empty).
    pub async fn start_counting() -> std::io::Result<SmtpSink> {
        Self::listen(false).await
    }

    async fn listen(keep_mails: bool) -> std::io::Result<SmtpSink> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State { keep_mails, ..State::default() });
        let s = state.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = session(socket, s).await;
                });
            }
        });
        Ok(SmtpSink { addr, state })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL for `--smtp-url`: plain SMTP, no TLS.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    pub fn set_mode(&self, mode: SinkMode) {
        *self.state.mode.lock().expect("sink mode") = mode;
    }

    /// Everything received so far, in order (nothing when only counting).
    pub fn received(&self) -> Vec<ReceivedMail> {
        self.state.mails.lock().expect("sink mails").clone()
    }

    /// The Message-ID of every mail taken so far (without the angle brackets), in order; a mail sent twice
    /// appears twice.
    pub fn message_ids(&self) -> Vec<String> {
        self.state.ids.lock().expect("sink ids").clone()
    }

    /// How many mails were taken.
    pub fn count(&self) -> usize {
        self.state.ids.lock().expect("sink ids").len()
    }

    /// Wait until at least `n` mails have arrived, or the time runs out; returns how many there are.
    pub async fn wait_for(&self, n: usize, timeout: std::time::Duration) -> usize {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.state.received.notified();
            let count = self.count();
            if count >= n {
                return count;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.count();
            }
        }
    }
}

async fn session(socket: tokio::net::TcpStream, state: Arc<State>) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 carefront-sink ESMTP ready\r\n").await?;
    let mut from = String::new();
    let mut to = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if lines.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&line).trim_end().to_owned();
        let upper = text.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            b"250 carefront-sink\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            let mode = *state.mode.lock().expect("sink mode");
            match mode {
                SinkMode::Accept => {
                    from = address(&text[10..]);
                    to.clear();
                    b"250 OK\r\n"
                }
                SinkMode::RefuseTemporarily => b"451 4.3.0 Try again later\r\n",
                SinkMode::RefusePermanently => b"550 5.7.1 Not accepted\r\n",
            }
        } else if upper.starts_with("RCPT TO:") {
            to.push(address(&text[8..]));
            b"250 OK\r\n"
        } else if upper == "DATA" {
            write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
            let mut data = Vec::new();
            loop {
                line.clear();
                if lines.read_until(b'\n', &mut line).await? == 0 {
                    return Ok(());
                }
                if line == b".\r\n" || line == b".\n" {
                    break;
                }
                let unstuffed = if line.starts_with(b"..") { &line[1..] } else { &line[..] };
                data.extend_from_slice(unstuffed);
            }
            let id = message_id(&data);
            if state.keep_mails {
                let mail = ReceivedMail { from: std::mem::take(&mut from), to: std::mem::take(&mut to), data };
                // Both under the mails lock, so the two lists always agree.
                let mut mails = state.mails.lock().expect("sink mails");
                mails.push(mail);
                state.ids.lock().expect("sink ids").push(id);
            } else {
                from.clear();
                to.clear();
                state.ids.lock().expect("sink ids").push(id);
            }
            state.received.notify_waiters();
            b"250 OK queued\r\n"
        } else if upper == "RSET" {
            from.clear();
            to.clear();
            b"250 OK\r\n"
        } else if upper == "NOOP" {
            b"250 OK\r\n"
        } else if upper == "QUIT" {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            b"502 Command not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}

/// The Message-ID header's value without its angle brackets (empty when there is none). Headers end at
/// the first empty line; a folded header continues on lines that start with white space.
fn message_id(data: &[u8]) -> String {
    let mut lines = data.split(|b| *b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    while let Some(line) = lines.next() {
        if line.is_empty() {
            break;
        }
        if line.len() >= 11 && line[..11].eq_ignore_ascii_case(b"message-id:") {
            let mut value = String::from_utf8_lossy(&line[11..]).into_owned();
            for next in lines.by_ref() {
                if next.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
                    value.push_str(&String::from_utf8_lossy(next));
                } else {
                    break;
                }
            }
            return value.trim().trim_start_matches('<').trim_end_matches('>').to_owned();
        }
    }
    String::new()
}

/// `<a@b> SIZE=…` → `a@b`.
fn address(rest: &str) -> String {
    let rest = rest.trim();
    match (rest.find('<'), rest.find('>')) {
        (Some(a), Some(b)) if a < b => rest[a + 1..b].to_owned(),
        _ => rest.split_whitespace().next().unwrap_or_default().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_read_from_the_headers() {
        let mail =
            b"From: a@b\r\nMessage-ID: <reminder.1.48h@riverside.example>\r\nSubject: x\r\n\r\nMessage-ID: <no>\r\n";
        assert_eq!(message_id(mail), "reminder.1.48h@riverside.example");
        assert_eq!(message_id(b"message-id:\r\n <folded@x>\r\n\r\n"), "folded@x");
        assert_eq!(message_id(b"Subject: none\r\n\r\nMessage-ID: <body@x>\r\n"), "");
    }
}
