//! CSRF tokens: one random token per browser session, echoed in a hidden form field.

use subtle::ConstantTimeEq;

/// Constant-time comparison of the session's token with the one a form carried.
pub fn same(expected: &str, presented: &str) -> bool {
    !presented.is_empty() && expected.as_bytes().ct_eq(presented.as_bytes()).into()
}
