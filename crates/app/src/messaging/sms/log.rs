//! The `log` driver for demos and development: nothing leaves the machine. It logs that a message was
//! "sent" with its size only — never the number or the text, which are patient data.

use super::{OutgoingSms, SmsAccepted, SmsFuture, SmsSender};

/// Logs each message's length and segment count and answers with a made-up id (`log-…`).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogDriver;

impl SmsSender for LogDriver {
    fn name(&self) -> &'static str {
        "log"
    }

    fn send<'a>(&'a self, sms: &'a OutgoingSms) -> SmsFuture<'a> {
        Box::pin(async move {
            let count = domain::messaging::sms::count_sms(&sms.body);
            let provider_id = format!("log-{}", uuid::Uuid::now_v7());
            tracing::info!(
                driver = "log",
                characters = sms.body.chars().count(),
                segments = count.segments,
                encoding = ?count.encoding,
                provider_id = %provider_id,
                "text message not sent (log driver)"
            );
            Ok(SmsAccepted { provider_id })
        })
    }
}
