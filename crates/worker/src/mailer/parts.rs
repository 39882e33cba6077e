//! What a mail needs besides its row: its files and the SMTP transport of its mailbox (or the default server).

use super::*;

/// A file to attach.
pub(super) struct File {
    pub(super) filename: String,
    pub(super) content_type: String,
    pub(super) bytes: Vec<u8>,
}

/// A mailbox's SMTP server.
pub(super) struct Smtp {
    pub(super) host: String,
    pub(super) port: Option<u16>,
    pub(super) tls: String,
    pub(super) user: Option<String>,
    pub(super) password: Option<String>,
}

/// What a mail needs besides its row: its files and its mailbox's SMTP server.
#[derive(Default)]
pub(super) struct Extras {
    pub(super) files: Vec<File>,
    pub(super) smtp: Option<Smtp>,
}

pub(super) fn extras(svc: &Services, mail: &MailRow) -> Result<Extras, AppError> {
    let ids: Vec<i64> = serde_json::from_str(&mail.attachment_ids).unwrap_or_default();
    let mut out = Extras::default();
    svc.db.read(|c| -> Result<(), AppError> {
        for id in ids {
            let a = helpdesk_store::attachments::attachment(c, id)?;
            let bytes = svc
                .files
                .read(&a.sha256)
                .map_err(|e| AppError::failed(format!("reading attachment {id}"), e))?;
            out.files.push(File {
                filename: a.filename,
                content_type: a.content_type,
                bytes,
            });
        }
        if let Some(id) = mail.mailbox_id {
            let m = helpdesk_store::email::mailbox(c, id)?;
            if let Some(host) = m.smtp_host.clone() {
                out.smtp = Some(Smtp {
                    host,
                    port: m.smtp_port.map(|p| p as u16),
                    tls: m.smtp_tls.clone(),
                    user: m.smtp_user.clone(),
                    password: m
                        .smtp_password_enc
                        .as_deref()
                        .and_then(|sealed| svc.secrets.as_ref()?.open(sealed)),
                });
            }
        }
        Ok(())
    })?;
    Ok(out)
}

pub(super) fn smtp_transport(
    smtp: &Smtp,
    timeout: Duration,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let mut builder = match smtp.tls.as_str() {
        "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host),
        "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host),
        _ => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
            &smtp.host,
        )),
    }
    .map_err(|e| format!("the mailbox's SMTP server: {e}"))?;
    if let Some(port) = smtp.port {
        builder = builder.port(port);
    }
    if let (Some(user), Some(password)) = (&smtp.user, &smtp.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.timeout(Some(timeout)).build())
}
