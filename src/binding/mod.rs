//! napi-rs wrappers only: argument conversion and error mapping around the pure core.
//! Errors reach JavaScript as `Error` objects whose `code` is the core's `ErrorCode` string.

mod error;
mod issuer;
mod options;
mod text;
