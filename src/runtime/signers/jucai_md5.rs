//! `jucai_md5`: the Jucai aggregator's request and answer signs. **Unconfirmed**: the
//! algorithm lives in [`crate::crypto::sign::jucai_sign`], the one place to change.

use super::{BuildError, InfallibleSigner, Signer};
use crate::crypto::sign::{jucai_sign, jucai_verify, HexCase, SignError};
use crate::runtime::{Credentials, Secret};
use serde_json::{Map, Value};

/// Settings of [`JucaiMd5`] a client builder may change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JucaiMd5Options {
    /// Hex case of the signs sent and expected (default lowercase, as the docs' examples).
    pub case: HexCase,
}

/// Signs with the merchant key (the client's secret).
pub struct JucaiMd5 {
    key: Secret<String>,
    case: HexCase,
}

impl JucaiMd5 {
    pub fn case(&self) -> HexCase {
        self.case
    }
}

impl std::fmt::Debug for JucaiMd5 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JucaiMd5")
            .field("key", &self.key)
            .field("case", &self.case)
            .finish()
    }
}

impl Signer for JucaiMd5 {
    type Options = JucaiMd5Options;
    const VERIFIES_ANSWERS: bool = true;
    fn new(credentials: &Credentials, options: &JucaiMd5Options) -> Result<Self, BuildError> {
        Ok(Self::create(credentials, options))
    }
    fn sign(&self, fields: &Map<String, Value>) -> Result<String, String> {
        Ok(jucai_sign(fields, self.key.expose(), self.case))
    }
    fn verify(&self, answer: &Map<String, Value>) -> Result<(), String> {
        jucai_verify(answer, self.key.expose(), self.case).map_err(|e| match e {
            SignError::WrongCase(found) => {
                format!("{e}: build the client with `.hex_case(HexCase::{found:?})`")
            }
            SignError::Mismatch => format!(
                "{e} (the Jucai sign scheme itself is unconfirmed; see crypto::sign::jucai_sign)"
            ),
            other => other.to_string(),
        })
    }
}

impl InfallibleSigner for JucaiMd5 {
    fn create(credentials: &Credentials, options: &JucaiMd5Options) -> Self {
        JucaiMd5 {
            key: credentials.secret().clone(),
            case: options.case,
        }
    }
}
