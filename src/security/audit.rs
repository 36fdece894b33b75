//! The audit trail: what happened to accounts, clients and keys, and from where.
//! An event that reports a change is written in that change's transaction (`write`);
//! one that reports only an attempt never fails its request (`record`).

use sea_orm::ConnectionTrait;
use serde_json::Value;

use crate::{
    security::client::ClientInfo,
    store::{
        StoreError,
        security_events::{self, NewEvent},
    },
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    AccountCreated,
    SignInSucceeded,
    SignInFailed,
    AccountLocked,
    SignedOut,
    RefreshTokenReused,
    PasswordChanged,
    PasswordReset,
    EmailVerified,
    MfaEnrolled,
    MfaDisabled,
    MfaFailed,
    RecoveryCodeUsed,
    SessionsRevokedAll,
    ClientAdded,
    ClientRemoved,
    KeysRotated,
    KeysEmergencyRotation,
    UserDeleted,
    Imported,
    CreditsGranted,
    KeysImported,
    BackupRestored,
    PasswordsForceReset,
    PasskeyAdded,
    PasskeyRemoved,
    PasskeyUsed,
    PasskeyCounterRegressed,
    AdminGranted,
    AdminRevoked,
    AdminSessionsEnded,
    AdminUserDisabled,
    AdminUserEnabled,
    ProfileChanged,
    SessionEnded,
    ConsentRevoked,
    DataExported,
    EmailChangeRequested,
    EmailChanged,
    AdminUserDeleted,
    AdminMfaReset,
    AdminResetMailSent,
    AdminClientCreated,
    AdminClientUpdated,
    AdminClientSecretRotated,
    AdminClientDisabled,
    AdminClientEnabled,
    AdminClientDeleted,
    AdminKeysRotated,
    AdminKeysEmergencyRotation,
    AdminCreditsAdjusted,
    AdminBackupCreated,
    AdminUpstreamCreated,
    AdminUpstreamUpdated,
    AdminUpstreamDeleted,
    UpstreamSignedIn,
    UpstreamFailed,
    UpstreamLinked,
    UpstreamUnlinked,
    UpstreamTokenRead,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::SignInSucceeded => "sign_in.succeeded",
            Kind::SignInFailed => "sign_in.failed",
            Kind::AccountLocked => "account.locked",
            Kind::SignedOut => "signed_out",
            Kind::AccountCreated => "account.created",
            Kind::RefreshTokenReused => "refresh_token.reused",
            Kind::PasswordChanged => "password.changed",
            Kind::PasswordReset => "password.reset",
            Kind::EmailVerified => "email.verified",
            Kind::MfaEnrolled => "mfa.enrolled",
            Kind::MfaDisabled => "mfa.disabled",
            Kind::MfaFailed => "mfa.failed",
            Kind::RecoveryCodeUsed => "mfa.recovery_code_used",
            Kind::SessionsRevokedAll => "sessions.revoked_all",
            Kind::ClientAdded => "client.added",
            Kind::ClientRemoved => "client.removed",
            Kind::KeysRotated => "keys.rotated",
            Kind::KeysEmergencyRotation => "keys.emergency_rotation",
            Kind::UserDeleted => "user.deleted",
            Kind::Imported => "data.imported",
            Kind::CreditsGranted => "credits.granted",
            Kind::KeysImported => "keys.imported",
            Kind::BackupRestored => "backup.restored",
            Kind::PasswordsForceReset => "passwords.force_reset",
            Kind::PasskeyAdded => "passkey.added",
            Kind::PasskeyRemoved => "passkey.removed",
            Kind::PasskeyUsed => "passkey.used",
            Kind::PasskeyCounterRegressed => "passkey.counter_regressed",
            Kind::AdminGranted => "admin.granted",
            Kind::AdminRevoked => "admin.revoked",
            Kind::AdminSessionsEnded => "admin.sessions_ended",
            Kind::AdminUserDisabled => "admin.user_disabled",
            Kind::AdminUserEnabled => "admin.user_enabled",
            Kind::ProfileChanged => "profile.changed",
            Kind::SessionEnded => "session.ended",
            Kind::ConsentRevoked => "consent.revoked",
            Kind::DataExported => "account.exported",
            Kind::EmailChangeRequested => "email.change_requested",
            Kind::EmailChanged => "email.changed",
            Kind::AdminUserDeleted => "admin.user_deleted",
            Kind::AdminMfaReset => "admin.mfa_reset",
            Kind::AdminResetMailSent => "admin.reset_mail_sent",
            Kind::AdminClientCreated => "admin.client_created",
            Kind::AdminClientUpdated => "admin.client_updated",
            Kind::AdminClientSecretRotated => "admin.client_secret_rotated",
            Kind::AdminClientDisabled => "admin.client_disabled",
            Kind::AdminClientEnabled => "admin.client_enabled",
            Kind::AdminClientDeleted => "admin.client_deleted",
            Kind::AdminKeysRotated => "admin.keys_rotated",
            Kind::AdminKeysEmergencyRotation => "admin.keys_emergency_rotation",
            Kind::AdminCreditsAdjusted => "admin.credits_adjusted",
            Kind::AdminBackupCreated => "admin.backup_created",
            Kind::AdminUpstreamCreated => "admin.upstream_created",
            Kind::AdminUpstreamUpdated => "admin.upstream_updated",
            Kind::AdminUpstreamDeleted => "admin.upstream_deleted",
            Kind::UpstreamSignedIn => "upstream.signed_in",
            Kind::UpstreamFailed => "upstream.failed",
            Kind::UpstreamLinked => "upstream.linked",
            Kind::UpstreamUnlinked => "upstream.unlinked",
            Kind::UpstreamTokenRead => "upstream.token_read",
        }
    }
}

/// One event being put together: `Event::new(kind).user(id).from(&client).record(db)`.
pub struct Event(NewEvent);

impl Event {
    pub fn new(kind: Kind) -> Self {
        Event(NewEvent {
            kind: kind.as_str(),
            user_id: None,
            client_id: None,
            ip: None,
            user_agent: None,
            details: None,
        })
    }

    /// The account concerned, when there is one.
    pub fn user<'a>(mut self, user_id: impl Into<Option<&'a str>>) -> Self {
        self.0.user_id = user_id.into().map(str::to_owned);
        self
    }

    pub fn client(mut self, client_id: &str) -> Self {
        self.0.client_id = Some(client_id.to_owned());
        self
    }

    /// The address and user agent of the request.
    pub fn from(mut self, client: &ClientInfo) -> Self {
        self.0.ip.clone_from(&client.ip);
        self.0.user_agent.clone_from(&client.user_agent);
        self
    }

    pub fn details(mut self, details: Value) -> Self {
        self.0.details = Some(details);
        self
    }

    /// Writes the event in the transaction of the change it reports, so the two are
    /// kept or lost together.
    pub async fn write(self, txn: &impl ConnectionTrait) -> Result<(), StoreError> {
        security_events::insert(txn, self.0).await
    }

    /// Writes an event that reports no change of its own (a failed sign-in); a failure
    /// is logged, not answered.
    pub async fn record(self, db: &impl ConnectionTrait) {
        let kind = self.0.kind;
        if let Err(err) = security_events::insert(db, self.0).await {
            tracing::error!(error = %err, kind, "security event not recorded");
        }
    }
}
