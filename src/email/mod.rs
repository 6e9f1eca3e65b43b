//! E-mail that is never lost: messages rendered with maud (`messages`),
//! queued in the outbox in the transaction of the change that causes them
//! (`notices`, `outbox`), and sent by a worker that retries (`worker`)
//! through a file or SMTP transport (`transport`).

pub mod messages;
pub mod notices;
pub mod outbox;
pub mod transport;
pub mod worker;
