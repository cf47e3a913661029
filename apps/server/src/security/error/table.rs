//! The table: every domain error of the operator plane, variant by variant, to its answer.
//! No `_` arm anywhere: a new variant does not compile until someone decides its answer.

use super::SecurityError;
use latchkey_core::StoreError;

impl From<StoreError> for SecurityError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(source) => SecurityError::unavailable(source),
            // The ports answer these only where a use case asked for them: reaching here is
            // our mistake, not the client's.
            StoreError::NotFound | StoreError::Conflict => SecurityError::internal(e),
        }
    }
}
