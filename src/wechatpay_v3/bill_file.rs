//! Bill files: the trade and fund-flow bill calls answer a `download_url`, a
//! `hash_type` and a `hash_value`; the file itself is a signed GET of that URL whose
//! answer is not signed (a file stream), so it is checked against the hash instead —
//! SHA-1 over the uncompressed bytes, as the official SDKs compute it for
//! `tar_type=GZIP` — before anything in it is returned. The URL must be on the
//! client's own host: a bill is never fetched from a host the user did not set.
//!
//! Public docs: <https://pay.weixin.qq.com/docs/merchant/apis/bill-download/download-bill.html>
//! (the download call; the exact page URL is unconfirmed).

use super::Client;
use crate::runtime::BodySnippet;
use aws_lc_rs::digest::{digest, SHA1_FOR_LEGACY_USE_ONLY};
use std::io::Read;

/// Largest bill accepted after decompression (a gzip bomb stops here).
pub const MAX_BILL_BYTES: u64 = 256 << 20;

/// Why a bill could not be had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BillError {
    /// The URL is not on the client's host (nothing is sent then), the request could
    /// not be signed, or no whole answer came.
    #[error("the download failed: {0}")]
    Fetch(String),
    /// A non-2xx answer.
    #[error("the download answered HTTP {status}: {body}")]
    Status { status: u16, body: BodySnippet },
    /// A `hash_type` this client cannot check.
    #[error("hash_type {0:?} is not SHA1; the file cannot be checked")]
    HashType(String),
    /// The file is not what the bill call described (truncated, altered, another file).
    #[error("the file's SHA-1 is {actual}, the bill call said {expected}")]
    HashMismatch { expected: String, actual: String },
    /// Not gzip where gzip was announced, or larger than [`MAX_BILL_BYTES`].
    #[error("the file cannot be decompressed: {0}")]
    Gzip(String),
}

/// What the bill calls answer (both `tradeBill` and `fundFlowBill`).
#[derive(Debug, Clone, Copy)]
pub struct BillLocation<'a> {
    pub download_url: &'a str,
    /// `SHA1`.
    pub hash_type: &'a str,
    pub hash_value: &'a str,
}

impl Client {
    /// Downloads the bill a bill call located and checks it against its hash; returns
    /// the bill's text bytes (decompressed when the file came gzipped). The format is
    /// the same backquoted CSV as WeChat Pay v2's bills (unconfirmed for v3).
    pub async fn download_bill(&self, at: BillLocation<'_>) -> Result<Vec<u8>, BillError> {
        if !at.hash_type.eq_ignore_ascii_case("SHA1") {
            return Err(BillError::HashType(at.hash_type.chars().take(16).collect()));
        }
        let raw = self
            .get_signed_url("bill.download", at.download_url)
            .await
            .map_err(BillError::Fetch)?;
        if !raw.is_success() {
            return Err(BillError::Status {
                status: raw.status,
                body: raw.snippet(),
            });
        }
        let text = if raw.body.starts_with(&[0x1f, 0x8b]) {
            gunzip(&raw.body)?
        } else {
            raw.body.to_vec()
        };
        let actual = hex::encode(digest(&SHA1_FOR_LEGACY_USE_ONLY, &text));
        if !actual.eq_ignore_ascii_case(at.hash_value.trim()) {
            return Err(BillError::HashMismatch {
                expected: at.hash_value.chars().take(64).collect(),
                actual,
            });
        }
        Ok(text)
    }
}

fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, BillError> {
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .take(MAX_BILL_BYTES + 1)
        .read_to_end(&mut text)
        .map_err(|e| BillError::Gzip(e.to_string()))?;
    if text.len() as u64 > MAX_BILL_BYTES {
        return Err(BillError::Gzip(format!(
            "more than {MAX_BILL_BYTES} bytes once decompressed"
        )));
    }
    Ok(text)
}
