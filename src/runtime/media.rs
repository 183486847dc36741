use bytes::Bytes;
use std::fmt;

/// A binary response: an image or other file, with the content type the server sent.
#[derive(Clone, PartialEq, Eq)]
pub struct Media {
    pub content_type: String,
    pub bytes: Bytes,
}

impl fmt::Debug for Media {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Media")
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// A file to upload as one part of a multipart body.
#[derive(Clone, PartialEq, Eq)]
pub struct FileUpload {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Bytes,
}

impl FileUpload {
    pub fn new(
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        bytes: impl Into<Bytes>,
    ) -> Self {
        FileUpload {
            file_name: file_name.into(),
            content_type: content_type.into(),
            bytes: bytes.into(),
        }
    }
}

impl fmt::Debug for FileUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileUpload")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// The parts of a multipart body, in order.
#[derive(Debug, Default)]
pub struct Multipart {
    pub parts: Vec<(&'static str, MultipartValue)>,
}

#[derive(Debug)]
pub enum MultipartValue {
    Text(String),
    File(FileUpload),
}
