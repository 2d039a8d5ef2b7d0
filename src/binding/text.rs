//! String crossings on the hot paths, designed around napi's costs: a token argument is read with
//! one `napi_get_value_string_utf8` call into a per-thread buffer (napi-rs's `String` makes two
//! calls and a fresh allocation), and ASCII results are created as Latin-1 strings, which V8
//! copies without decoding. (Measured, 2026-11-29: reading the token with
//! `napi_get_value_string_latin1` or `_utf16` instead was no faster within noise, and Latin-1 would
//! silently truncate non-Latin-1 characters; so UTF-8 it is.)

use std::cell::RefCell;
use std::ptr;

use napi::bindgen_prelude::{FromNapiValue, Result, ToNapiValue, TypeName, ValueType};
use napi::sys;

use crate::verify::MAX_TOKEN_LEN;

/// Room for MAX_TOKEN_LEN bytes plus enough slack that any longer string (even one cut before a
/// 4-byte character) reads back as longer than MAX_TOKEN_LEN and is rejected, never truncated
/// into something shorter.
const INPUT_CAPACITY: usize = MAX_TOKEN_LEN + 8;

thread_local! {
  static INPUT: RefCell<Vec<u8>> = RefCell::new(vec![0u8; INPUT_CAPACITY]);
  static OUTPUT: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(MAX_TOKEN_LEN));
  static SCRATCH: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(MAX_TOKEN_LEN));
}

/// A string argument, read lazily by `with_bytes`.
pub struct TokenArg {
  env: sys::napi_env,
  value: sys::napi_value,
}

impl TypeName for TokenArg {
  fn type_name() -> &'static str {
    "String"
  }
  fn value_type() -> ValueType {
    ValueType::String
  }
}

impl FromNapiValue for TokenArg {
  unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> Result<Self> {
    Ok(TokenArg { env, value })
  }
}

impl TokenArg {
  /// Runs `f` on the argument's UTF-8 bytes (at most MAX_TOKEN_LEN + 7 of them), or on `None`
  /// when it is not a string.
  pub(crate) fn with_bytes<R>(&self, f: impl FnOnce(Option<&[u8]>) -> R) -> R {
    INPUT.with(|cell| {
      let mut buf = cell.borrow_mut();
      let mut written = 0usize;
      // SAFETY: `env` and `value` come from the current napi call; `buf` has INPUT_CAPACITY
      // writable bytes and napi writes at most that many, NUL included.
      let status = unsafe {
        sys::napi_get_value_string_utf8(self.env, self.value, buf.as_mut_ptr().cast(), INPUT_CAPACITY, &mut written)
      };
      if status == sys::Status::napi_ok {
        f(Some(&buf[..written.min(INPUT_CAPACITY - 1)]))
      } else {
        f(None)
      }
    })
  }
}

/// Runs `f` with two per-thread buffers (scratch, output); the returned `OutputText` marker turns
/// the output buffer into a JavaScript string.
pub(crate) fn with_scratch_and_output<R>(f: impl FnOnce(&mut Vec<u8>, &mut Vec<u8>) -> R) -> R {
  SCRATCH.with(|scratch| OUTPUT.with(|out| f(&mut scratch.borrow_mut(), &mut out.borrow_mut())))
}

/// Return marker: the per-thread output buffer, which must hold UTF-8, as a JavaScript string.
pub struct OutputText;

impl TypeName for OutputText {
  fn type_name() -> &'static str {
    "String"
  }
  fn value_type() -> ValueType {
    ValueType::String
  }
}

impl ToNapiValue for OutputText {
  unsafe fn to_napi_value(env: sys::napi_env, _marker: Self) -> Result<sys::napi_value> {
    OUTPUT.with(|cell| {
      let buf = cell.borrow();
      // SAFETY: valid env of the current call; the buffer outlives the call, and its length is exact.
      unsafe { create_string(env, &buf) }
    })
  }
}

/// An owned ASCII-or-UTF-8 result.
pub struct Text(pub String);

impl TypeName for Text {
  fn type_name() -> &'static str {
    "String"
  }
  fn value_type() -> ValueType {
    ValueType::String
  }
}

impl ToNapiValue for Text {
  unsafe fn to_napi_value(env: sys::napi_env, text: Self) -> Result<sys::napi_value> {
    // SAFETY: as above.
    unsafe { create_string(env, text.0.as_bytes()) }
  }
}

/// # Safety
/// `env` must be the env of the current napi call; `bytes` must be UTF-8.
unsafe fn create_string(env: sys::napi_env, bytes: &[u8]) -> Result<sys::napi_value> {
  let mut out = ptr::null_mut();
  let status = if bytes.is_ascii() {
    unsafe { sys::napi_create_string_latin1(env, bytes.as_ptr().cast(), bytes.len() as isize, &mut out) }
  } else {
    unsafe { sys::napi_create_string_utf8(env, bytes.as_ptr().cast(), bytes.len() as isize, &mut out) }
  };
  if status == sys::Status::napi_ok {
    Ok(out)
  } else {
    Err(napi::Error::new(napi::Status::GenericFailure, "could not create a string"))
  }
}
