//! Why a push (or the URL check) was refused. No variant carries the token, the
//! EncodingAESKey or bytes of either, so every error is safe to log and to answer with.

/// Why a request to the message-push URL was refused, or a [`Push`](super::Push) could
/// not be built. Answer a refused request with [`PushError::status`]; WeChat sends a
/// push again when it gets no `success`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PushError {
    /// The token is not 3–32 characters (the console's rule), so it cannot be the one
    /// configured there.
    #[error("the token must be 3 to 32 characters, as the mp console requires; it has {len}")]
    InvalidToken { len: usize },
    /// The EncodingAESKey is not 43 base64 characters decoding to 32 bytes.
    #[error("the EncodingAESKey is not valid: {0}")]
    InvalidAesKey(&'static str),
    /// The body or the query is larger than any genuine push; refused before any work.
    #[error("the {what} has {len} bytes, more than the {max} accepted")]
    TooLarge {
        what: &'static str,
        len: usize,
        max: usize,
    },
    /// A query parameter the check needs is absent (an unsigned request).
    #[error("the query has no {0}: unsigned requests are refused")]
    Missing(&'static str),
    /// The signature does not match: another token, or the request was altered.
    #[error(
        "{0} does not match: the token differs from the one configured in the mp console, \
         or the request was altered"
    )]
    BadSignature(&'static str),
    /// An encrypted push arrived, but no EncodingAESKey was configured.
    #[error(
        "the push is encrypted (safe or compatible mode) but no EncodingAESKey is \
         configured (Push::with_encoding_aes_key)"
    )]
    NoAesKey,
    /// A plain push arrived although an EncodingAESKey is configured: in safe mode every
    /// genuine push is encrypted, and a plain one's signature does not cover its body.
    #[error(
        "the push is not encrypted, but an EncodingAESKey is configured: only encrypted \
         pushes are accepted (their signature covers the content)"
    )]
    NotEncrypted,
    /// `Encrypt` is not base64.
    #[error("Encrypt is not valid base64 ({0})")]
    Base64(String),
    /// `Encrypt` decodes to a length AES-CBC cannot produce, or too short to hold the
    /// random prefix and the length.
    #[error(
        "Encrypt decodes to {0} bytes, which is not a non-zero multiple of the 16-byte AES \
         block (truncated, or not WeChat's ciphertext)"
    )]
    CiphertextLength(usize),
    /// The padding is invalid after decryption: almost always another EncodingAESKey.
    #[error(
        "decryption gave invalid padding: the EncodingAESKey differs from the one in the \
         mp console, or Encrypt was altered"
    )]
    Padding,
    /// The plaintext's length field does not fit the plaintext, or the message is not
    /// UTF-8.
    #[error("the decrypted plaintext is not laid out as documented: {0}")]
    Layout(&'static str),
    /// The push was encrypted for another app.
    #[error("the push was encrypted for app {found:?}, not this one ({expected:?})")]
    ForeignApp { expected: String, found: String },
    /// The body (or the decrypted message) is neither a JSON object nor an XML document
    /// of the documented shape.
    #[error("malformed push: {0}")]
    Malformed(String),
    /// A known event whose fields do not have the documented types.
    #[error("the {event} event's fields are not as documented: {detail}")]
    Decode { event: &'static str, detail: String },
}

impl PushError {
    /// The HTTP status to answer a refused request with: 500 for this server's own
    /// configuration problems (WeChat retries, and the cause is here), 400 otherwise.
    pub fn status(&self) -> u16 {
        match self {
            PushError::InvalidToken { .. } | PushError::InvalidAesKey(_) | PushError::NoAesKey => {
                500
            }
            _ => 400,
        }
    }
}
