//! The use-case error type. Each variant has a stable code that the web layer shows and logs.

use domain::Invalid;
use jiff::Timestamp;
use store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("you need to sign in")]
    Unauthenticated,
    #[error("not allowed: {reason}")]
    Forbidden { reason: String },
    #[error("{what} was not found")]
    NotFound { what: &'static str },
    #[error("{message}")]
    Conflict { message: String },
    /// The record would duplicate (`possible-duplicate`) or clash with (`duplicate-nhs-number`,
    /// `duplicate-local-number`) existing records, which are named for staff allowed to see them.
    #[error("{message}")]
    Duplicate { code: &'static str, message: String, existing: Vec<crate::patients::PossibleDuplicate> },
    /// The time asked for is taken (or overlaps another appointment of the practitioner, room or
    /// patient); the nearest free times are offered instead.
    #[error("{message}")]
    SlotUnavailable { message: String, alternatives: Vec<crate::scheduling::availability::FreeSlot> },
    #[error("the username or password is not right")]
    BadCredentials,
    #[error("the security code is not right")]
    BadSecondFactor,
    #[error("this account is locked until {until}")]
    AccountLocked { until: Timestamp },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid(_) => "validation-failed",
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden { .. } => "forbidden",
            AppError::NotFound { .. } => "not-found",
            AppError::Conflict { .. } => "conflict",
            AppError::Duplicate { code, .. } => code,
            AppError::SlotUnavailable { .. } => "slot-unavailable",
            AppError::BadCredentials => "bad-credentials",
            AppError::BadSecondFactor => "bad-second-factor",
            AppError::AccountLocked { .. } => "account-locked",
            AppError::Store(e) => e.code(),
            AppError::Internal(_) => "internal",
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid(Invalid::one(field, message))
    }

    pub fn forbidden(reason: impl Into<String>) -> Self {
        AppError::Forbidden { reason: reason.into() }
    }
}
