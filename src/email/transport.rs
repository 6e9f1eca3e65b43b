//! How an e-mail leaves: an `.eml` file per e-mail (the embedded default, so
//! a new user sees what would be sent), or SMTP.

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{FileTransport, Message, SmtpTransport, Transport};

use super::outbox::OutboxEmail;
use crate::config::{EmailSettings, EmailTransport, SmtpTls};

pub struct Mailer {
    transport: Kind,
    from: Mailbox,
    reply_to: Mailbox,
}

enum Kind {
    File(FileTransport),
    Smtp(SmtpTransport),
}

impl Mailer {
    pub fn from_settings(settings: &EmailSettings) -> anyhow::Result<Self> {
        let transport = match settings.transport {
            EmailTransport::File => {
                std::fs::create_dir_all(&settings.file_dir)
                    .map_err(|e| anyhow::anyhow!("cannot create email.file_dir {}: {e}", settings.file_dir))?;
                Kind::File(FileTransport::new(&settings.file_dir))
            }
            EmailTransport::Smtp => {
                let host = settings.smtp_host.as_str();
                let mut builder = match settings.smtp_tls {
                    SmtpTls::None => SmtpTransport::builder_dangerous(host),
                    SmtpTls::Starttls => SmtpTransport::starttls_relay(host)?,
                    SmtpTls::Tls => SmtpTransport::relay(host)?,
                }
                .port(settings.smtp_port)
                .timeout(Some(settings.smtp_timeout()));
                if let (Some(user), Some(password)) = (&settings.smtp_user, &settings.smtp_password) {
                    builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
                }
                Kind::Smtp(builder.build())
            }
        };
        Ok(Self { transport, from: settings.from.parse()?, reply_to: settings.reply_to.parse()? })
    }

    /// Sends one e-mail; the error says why it did not go.
    pub fn send(&self, email: &OutboxEmail) -> Result<(), String> {
        let message = self.message(email)?;
        match &self.transport {
            Kind::File(file) => file.send(&message).map(|_| ()).map_err(|e| e.to_string()),
            Kind::Smtp(smtp) => smtp.send(&message).map(|_| ()).map_err(|e| e.to_string()),
        }
    }

    /// The message as it goes out: HTML with a plain-text alternative, the
    /// outbox's stable Message-ID, replies to the coordinators.
    pub fn message(&self, email: &OutboxEmail) -> Result<Message, String> {
        let to: Mailbox = email.to_address.parse().map_err(|e| format!("the address {:?}: {e}", email.to_address))?;
        Message::builder()
            .from(self.from.clone())
            .reply_to(self.reply_to.clone())
            .to(to)
            .subject(&email.subject)
            .message_id(Some(email.message_id.clone()))
            .multipart(MultiPart::alternative_plain_html(email.text_body.clone(), email.html_body.clone()))
            .map_err(|e| e.to_string())
    }
}
