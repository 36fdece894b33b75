//! A row as the store decodes it, whether read through the pool (sea-orm) or on the
//! calling thread (`inline`), so that each such read is decoded by one function.

use sea_orm::{FromQueryResult, QueryResult};
use serde::de::DeserializeOwned;

use super::StoreError;

pub trait StoreRow {
    /// The model `M` from the columns named with `prefix` ("" for a plain select).
    fn model<M: FromQueryResult + DeserializeOwned>(&self, prefix: &str) -> Result<M, StoreError>;

    /// The model `M` of an outer join: `None` when no row was joined.
    fn joined<M: FromQueryResult + DeserializeOwned>(&self, prefix: &str) -> Result<Option<M>, StoreError>;

    /// A boolean expression selected as `column`.
    fn flag(&self, column: &str) -> Result<bool, StoreError>;
}

/// Turns the row of one read into what the read answers.
pub trait Decode {
    type Output;

    fn decode(self, row: &impl StoreRow) -> Result<Self::Output, StoreError>;
}

impl StoreRow for QueryResult {
    fn model<M: FromQueryResult + DeserializeOwned>(&self, prefix: &str) -> Result<M, StoreError> {
        Ok(M::from_query_result(self, prefix)?)
    }

    fn joined<M: FromQueryResult + DeserializeOwned>(&self, prefix: &str) -> Result<Option<M>, StoreError> {
        Ok(M::from_query_result_optional(self, prefix)?)
    }

    fn flag(&self, column: &str) -> Result<bool, StoreError> {
        Ok(self.try_get("", column)?)
    }
}

/// A read that asks only whether a row is there.
pub struct Exists;

impl Decode for Exists {
    type Output = ();

    fn decode(self, _row: &impl StoreRow) -> Result<(), StoreError> {
        Ok(())
    }
}
