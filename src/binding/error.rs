//! Core `Error` -> napi error with a custom status, which becomes JavaScript's `err.code`.
//! (Exported functions spell out `Result<T, ErrorCode>`: napi-derive recognises `Result` by name.)

use crate::error::{Error, ErrorCode};

pub(crate) fn to_js(error: Error) -> napi::Error<ErrorCode> {
  napi::Error::new(error.code(), error.message())
}
