//! Taking mail in: stored first (IMAP or the inbound endpoint), then processed, each message once.

use super::*;

impl Services {
    /// Stores a message received by `mailbox_id`, then processes it. A message whose
    /// Message-ID we already have is a duplicate and changes nothing.
    pub fn receive_email(
        &self,
        mailbox_id: i64,
        raw: &[u8],
        source: Source,
    ) -> Result<Received, AppError> {
        // Only the headers here; the whole message is parsed once, when it is processed.
        let parsed = MessageParser::default().parse_headers(raw);
        let message_id = parsed
            .as_ref()
            .and_then(|m| m.message_id())
            .map(normalize_message_id)
            .filter(|id| !id.is_empty())
            // No Message-ID: one made of the bytes, so a second delivery is still recognised.
            .unwrap_or_else(|| {
                format!("{}@no-message-id.invalid", hex::encode(Sha256::digest(raw)))
            });
        let from = parsed
            .as_ref()
            .and_then(|m| m.from())
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(str::to_lowercase);
        let subject = parsed.as_ref().and_then(|m| m.subject()).map(str::to_owned);
        // A Message-ID we already have is found by the unique index when the row goes in.
        // The bytes first, then the row: a crash between the two leaves an unreferenced file.
        let stored = self
            .files
            .put(raw, raw_mail_limit(self.files.max_bytes()))
            .map_err(|e| match e {
                helpdesk_store::files::UploadError::TooLarge { limit } => AppError::TooLarge(
                    format!("the message is larger than the limit of {limit} bytes"),
                ),
                other => AppError::Internal(other.to_string()),
            })?;
        let now = self.now();
        let inserted = self.db.write_one(|c| {
            let id = store::insert_inbound(
                c,
                &NewInbound {
                    mailbox_id: Some(mailbox_id),
                    message_id: &message_id,
                    raw_sha256: &stored.sha256,
                    size: stored.size as i64,
                    source: source.as_str(),
                    from_address: from.as_deref(),
                    subject: subject.as_deref(),
                    status: "received",
                    received_at: now,
                },
            );
            match id {
                Ok(id) => Ok(Some(id)),
                // Delivered twice at the same moment: the other delivery has it.
                Err(StoreError::Conflict(_)) => Ok(None),
                Err(e) => Err(AppError::from(e)),
            }
        })?;
        let Some(inbound_id) = inserted else {
            let done = self
                .db
                .read(|c| Ok::<_, AppError>(store::inbound_by_message_id(c, &message_id)?))?;
            return done
                .map(duplicate)
                .ok_or(AppError::Internal("duplicate vanished".into()));
        };
        match self.process_email_bytes(inbound_id, Some(raw)) {
            Ok(r) => Ok(r),
            Err(e) if e.is_internal() => {
                tracing::error!(inbound_id, error = %crate::error::chain(&e), "processing a received message failed; it will be retried");
                Ok(Received {
                    status: "received".into(),
                    message_id,
                    case_id: None,
                    case_number: None,
                    entry_id: None,
                    thread_rule: None,
                    note: Some("stored; processing will be retried".into()),
                })
            }
            Err(e) => Err(e),
        }
    }

    /// Processes stored messages that are due (received and not processed yet, after a crash,
    /// or failed before and due again by the retry rule); returns how many were processed. A
    /// message that keeps failing waits longer each time and is finally left `failed`, so it
    /// never holds up the ones behind it.
    pub fn process_pending_email(&self, limit: i64) -> Result<usize, AppError> {
        let now = self.now();
        let ids = self
            .db
            .read(|c| Ok::<_, AppError>(ReceivedQueue::due(c, now, limit)?))?;
        let mut n = 0;
        for id in ids {
            match self.process_email(id) {
                Ok(r) if r.status != "received" => n += 1,
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(inbound_id = id, error = %crate::error::chain(&e), "processing a received message failed");
                }
            }
        }
        Ok(n)
    }

    /// Turns one stored message into a case change, in one transaction with the claim of its
    /// row; another process holding it makes this a no-op.
    pub fn process_email(&self, inbound_id: i64) -> Result<Received, AppError> {
        self.process_email_bytes(inbound_id, None)
    }

    /// [`Services::process_email`] with the raw bytes at hand (just received), or read back
    /// from the file store.
    pub(super) fn process_email_bytes(
        &self,
        inbound_id: i64,
        bytes: Option<&[u8]>,
    ) -> Result<Received, AppError> {
        let now = self.now();
        let done = self.db.write(|c| {
            let Some(row) = store::claim_inbound(c, inbound_id, now)? else {
                return Ok(duplicate(store::inbound(c, inbound_id)?));
            };
            let read;
            let raw = match bytes {
                Some(b) => b,
                None => {
                    read = self
                        .files
                        .read(&row.raw_sha256)
                        .map_err(|e| AppError::failed("reading a stored message", e))?;
                    &read[..]
                }
            };
            let mailboxes = store::list_mailboxes(c)?;
            let Some(mailbox) = mailboxes.iter().find(|m| Some(m.id) == row.mailbox_id) else {
                return Err(AppError::Internal("a message without a mailbox".into()));
            };
            let ours: Vec<String> = mailboxes.iter().map(|m| m.address.to_lowercase()).collect();
            let outcome = self.apply_email(c, mailbox, &ours, &row.message_id, raw, now)?;
            store::finish_inbound(
                c,
                inbound_id,
                &outcome.status,
                outcome.case_id,
                outcome.entry_id,
                outcome.thread_rule.as_deref(),
                outcome.note.as_deref(),
                now,
            )?;
            Ok(outcome)
        });
        if let Err(e) = &done {
            // The transaction rolled back: the message waits again, counted, until the
            // retry rule says (or is given up).
            let why = crate::error::chain(e);
            let why: String = why.chars().take(500).collect();
            let recorded = self
                .db
                .write(|c| ReceivedQueue::failed(c, inbound_id, None, &why, self.now()));
            match recorded {
                Ok(Failed::GivenUp) => {
                    tracing::error!(
                        inbound_id,
                        "a received message failed every retry; left failed"
                    );
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(inbound_id, error = %e, "recording a failed processing failed");
                }
            }
        }
        done
    }
}

fn duplicate(row: store::InboundRow) -> Received {
    Received {
        status: "duplicate".into(),
        message_id: row.message_id,
        case_id: row.case_id,
        case_number: None,
        entry_id: row.entry_id,
        thread_rule: row.thread_rule,
        note: Some("this Message-ID was received before; nothing changed".into()),
    }
}
