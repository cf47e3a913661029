/// An error from any source, boxed, for infrastructure causes carried across ports.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What a storage port reports when it cannot do what was asked.
///
/// Each port documents which variants its methods return and when.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record the operation needs does not exist.
    #[error("record not found")]
    NotFound,
    /// The operation would break a uniqueness rule (for example the username already exists).
    #[error("record already exists")]
    Conflict,
    /// The backing service could not be reached or failed; the cause is kept for the logs.
    #[error("storage unavailable")]
    Unavailable(#[source] BoxError),
}
