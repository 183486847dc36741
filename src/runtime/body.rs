use std::fmt;

/// How much of an unexpected response body is kept for diagnostics.
pub const BODY_SNIPPET_LIMIT: usize = 512;

/// The start of a response body, kept for an error message: at most
/// [`BODY_SNIPPET_LIMIT`] bytes, cut on a character boundary, with the total length.
#[derive(Clone, PartialEq, Eq)]
pub struct BodySnippet {
    text: String,
    total_len: usize,
}

impl BodySnippet {
    pub fn new(body: &[u8]) -> Self {
        let cut = body.len().min(BODY_SNIPPET_LIMIT);
        let text = match std::str::from_utf8(&body[..cut]) {
            Ok(s) => s.to_owned(),
            // A cut inside a multi-byte character: keep the valid prefix.
            Err(e) if e.error_len().is_none() => {
                String::from_utf8_lossy(&body[..e.valid_up_to()]).into_owned()
            }
            Err(_) => String::from_utf8_lossy(&body[..cut]).into_owned(),
        };
        BodySnippet {
            text,
            total_len: body.len(),
        }
    }
    pub fn text(&self) -> &str {
        &self.text
    }
    pub fn total_len(&self) -> usize {
        self.total_len
    }
    pub fn is_truncated(&self) -> bool {
        self.text.len() < self.total_len
    }
}

impl fmt::Display for BodySnippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.total_len == 0 {
            return f.write_str("<empty body>");
        }
        write!(f, "{:?}", self.text)?;
        if self.is_truncated() {
            write!(f, "… ({} bytes in all)", self.total_len)?;
        }
        Ok(())
    }
}

impl fmt::Debug for BodySnippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_bodies_are_cut_on_a_char_boundary() {
        let body = "错".repeat(400); // 1200 bytes
        let s = BodySnippet::new(body.as_bytes());
        assert!(s.is_truncated());
        assert!(s.text().len() <= BODY_SNIPPET_LIMIT);
        assert!(s.text().chars().all(|c| c == '错'));
        assert!(s.to_string().ends_with("(1200 bytes in all)"));
    }

    #[test]
    fn empty_body_says_so() {
        assert_eq!(BodySnippet::new(b"").to_string(), "<empty body>");
    }
}
